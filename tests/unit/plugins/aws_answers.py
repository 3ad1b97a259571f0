# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event invoke configs as AWS answers them (Get/Put/List items), the Stubber calls that
queue a read of my-fn's config, and GetMetricData's results as AWS gives them, shared by the unit tests."""

import datetime
import hashlib
import re

ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"
WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def destinations(on_success=None, on_failure=None):
    """DestinationConfig as AWS sends and returns it: unset slots are {}."""
    return {
        "OnSuccess": {"Destination": on_success} if on_success else {},
        "OnFailure": {"Destination": on_failure} if on_failure else {},
    }


def api_config(qualifier="$LATEST", retry=None, age=None, on_success=None, on_failure=None):
    """A config of my-fn; unset retry and age are left out, as AWS does."""
    response = {
        "FunctionArn": f"{ARN}:{qualifier}",
        "LastModified": WHEN,
        "DestinationConfig": destinations(on_success, on_failure),
    }
    if retry is not None:
        response["MaximumRetryAttempts"] = retry
    if age is not None:
        response["MaximumEventAgeInSeconds"] = age
    return response


def expect_get(stubber, response, **request):
    request.setdefault("FunctionName", "my-fn")
    stubber.add_response("get_function_event_invoke_config", response, request)


def expect_get_missing(stubber, qualifier="$LATEST", **request):
    request.setdefault("FunctionName", "my-fn")
    stubber.add_client_error(
        "get_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        service_message=f"The function {ARN}:{qualifier} doesn't have an EventInvokeConfig",
        http_status_code=404,
        expected_params=request,
    )


def legacy_policy_name(destination):
    """The name earlier builds of grant_destinations gave the inline policy of one destination:
    event-invoke-config-SERVICE-RESOURCE-DIGEST (a digest of the whole ARN), at most 128 characters."""
    service, resource = destination.split(":")[2], destination.split(":", 5)[5]
    readable = re.sub(r"[^\w+=,.@-]+", "-", f"{service}-{resource}")
    digest = hashlib.sha256(destination.encode("utf-8")).hexdigest()[:12]
    return f"event-invoke-config-{readable[:95]}-{digest}"


def metric_data_results(queries, series):
    """GetMetricData's MetricDataResults for queries (MetricStat Sums of AWS/Lambda), matched as AWS
    matches them, by exact dimensions, in series {(FunctionName, Resource or None): {metric name: [daily
    Sums]}}; a query of any other series has no data."""
    results = []
    for query in queries:
        metric = query["MetricStat"]["Metric"]
        assert metric["Namespace"] == "AWS/Lambda" and query["MetricStat"]["Stat"] == "Sum"
        dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        key = (dimensions.pop("FunctionName"), dimensions.pop("Resource", None))
        assert not dimensions
        sums = series.get(key, {}).get(metric["MetricName"], [])
        results.append({"Id": query["Id"], "Timestamps": [WHEN] * len(sums), "Values": sums, "StatusCode": "Complete"})
    return results
