# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit of a region (lambda_failure_handling_info), checked with botocore's Stubber: every
qualifier judged on its own (failure_audit).

max_concurrency=1 makes the call order deterministic, which the Stubber needs.
"""

import json

from botocore.awsrequest import AWSResponse

from ansible.module_utils import basic

from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_failure_handling_info as failure_handling
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import metric_data_results

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"
PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"
ALL = {"FunctionVersion": "ALL", "MaxItems": 50}


def config_of(function, **settings):
    answer = api_config(**settings)
    answer["FunctionArn"] = answer["FunctionArn"].replace("my-fn", function)
    return answer


def version(name, number="$LATEST", dead_letter=None):
    # ListFunctions with FunctionVersion=ALL: every version, each ARN with its qualifier.
    item = {"FunctionName": name, "FunctionArn": f"{PREFIX}{name}:{number}", "Version": number}
    if dead_letter:
        item["DeadLetterConfig"] = {"TargetArn": dead_letter}
    return item


def alias(name, function_version, weights=None):
    item = {"Name": name, "FunctionVersion": function_version, "AliasArn": f"{PREFIX}x:{name}"}
    if weights:
        item["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return item


class CloudWatchSeries:
    """CloudWatch's GetMetricData however the audit batches its series (in one call, or in several as the
    functions are read): each call validated against botocore's model, each query answered in AWS's shape
    from series (metric_data_results'). calls: each call's number of queries."""

    def __init__(self, stubber, series=None):
        self.series = series or {}
        self.calls = []
        self._queries = None
        stubber.service("cloudwatch").deactivate()
        events = stubber.services["cloudwatch"].client.meta.events
        events.register("before-parameter-build.cloudwatch.GetMetricData", self._asked)
        events.register("before-call.cloudwatch.GetMetricData", self._answer)

    def _asked(self, params, **kwargs):
        self._queries = params["MetricDataQueries"]  # one call at a time: the reader's one thread

    def _answer(self, **kwargs):
        self.calls.append(len(self._queries))
        results = metric_data_results(self._queries, self.series)
        return AWSResponse(None, 200, {}, None), {"MetricDataResults": results, "Messages": []}


def expect_mappings(stubber, mappings=()):
    stubber.add_response("list_event_source_mappings", {"EventSourceMappings": list(mappings)}, {"MaxItems": 50})


def expect_function(stubber, name, configs, aliases=()):
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": configs},
        {"FunctionName": name, "MaxItems": 50},
    )
    stubber.add_response("list_aliases", {"Aliases": list(aliases)}, {"FunctionName": name, "MaxItems": 50})


def test_audit_lists_every_function_and_flags_those_that_drop_failed_events(stubber, run_module):
    stubber.add_response(
        "list_functions",
        {"Functions": [version("protected"), version("dlq", dead_letter=QUEUE)], "NextMarker": "p2"},
        ALL,
    )
    stubber.add_response("list_functions", {"Functions": [version("bare")]}, dict(ALL, Marker="p2"))
    expect_function(stubber, "protected", [config_of("protected", on_failure=QUEUE)])
    expect_function(stubber, "dlq", [])
    expect_function(
        stubber, "bare", [config_of("bare", qualifier="live", on_failure=QUEUE), config_of("bare", retry=1)]
    )
    CloudWatchSeries(stubber)
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    # bare:live has its own on_failure destination: only bare's $LATEST is flagged.
    assert result["functions_without_failure_handling"] == [{"function_name": PREFIX + "bare"}]
    assert "event_invoke_configs" not in result  # the configs are lambda_event_invoke_config_info's


def test_each_alias_and_configured_version_is_judged_on_its_own(stubber, run_module):
    # orders: $LATEST has an on_failure destination; live runs version 1 (no DLQ) with no config of its own;
    # canary runs 1 and 2 (2 has a DLQ); stable runs 2. Version 1's own config sends failures nowhere.
    stubber.add_response(
        "list_functions",
        {"Functions": [version("orders"), version("orders", "1"), version("orders", "2", dead_letter=DLQ)]},
        ALL,
    )
    expect_function(
        stubber,
        "orders",
        [config_of("orders", on_failure=QUEUE), config_of("orders", qualifier="1", retry=0)],
        [alias("live", "1"), alias("canary", "1", {"2": 0.1}), alias("stable", "2")],
    )
    CloudWatchSeries(stubber)
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == [
        {"function_name": PREFIX + "orders", "qualifier": "1"},
        {"function_name": PREFIX + "orders", "qualifier": "canary"},
        {"function_name": PREFIX + "orders", "qualifier": "live"},
    ]


def test_a_throttled_page_is_retried_alone(stubber, run_module):
    # The first page is read once: the retry asks again for the second page only.
    stubber.add_response("list_functions", {"Functions": [version("a")], "NextMarker": "p2"}, ALL)
    stubber.add_client_error(
        "list_functions",
        service_error_code="TooManyRequestsException",
        http_status_code=429,
        expected_params=dict(ALL, Marker="p2"),
    )
    stubber.add_response("list_functions", {"Functions": [version("b")]}, dict(ALL, Marker="p2"))
    expect_function(stubber, "a", [])
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [], "NextMarker": "more"},
        {"FunctionName": "b", "MaxItems": 50},
    )
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="TooManyRequestsException",
        http_status_code=429,
        expected_params={"FunctionName": "b", "MaxItems": 50, "Marker": "more"},
    )
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [config_of("b", retry=1)]},
        {"FunctionName": "b", "MaxItems": 50, "Marker": "more"},
    )
    stubber.add_response("list_aliases", {"Aliases": []}, {"FunctionName": "b", "MaxItems": 50})
    CloudWatchSeries(stubber)
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert stubber.sleeps.call_count == 2
    assert [entry["reason"] for entry in result["failure_audit"]] == [
        "no async event received in the last 14 days; no on_failure destination in its config and no dead-letter queue"
    ] * 2


def test_audit_leaves_out_a_function_deleted_while_it_is_read(stubber, run_module):
    stubber.add_response("list_functions", {"Functions": [version("gone"), version("bare")]}, ALL)
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="ResourceNotFoundException",
        service_message="The function doesn't exist.",
        http_status_code=404,
    )
    expect_function(stubber, "bare", [])
    CloudWatchSeries(stubber)
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == [{"function_name": PREFIX + "bare"}]


def test_audit_leaves_out_a_function_deleted_between_its_configs_and_its_aliases(stubber, run_module):
    stubber.add_response("list_functions", {"Functions": [version("gone")]}, ALL)
    stubber.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": []})
    stubber.add_client_error(
        "list_aliases",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found: " + PREFIX + "gone",
        http_status_code=404,
    )
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == []
    assert result["failure_audit"] == []


def test_the_audit_gives_each_qualifier_a_status_from_its_own_metrics(stubber, run_module):
    # orders: $LATEST and live (version 1) have no handling; stable (version 2) has a DLQ that fails.
    stubber.add_response(
        "list_functions",
        {"Functions": [version("orders"), version("orders", "1"), version("orders", "2", dead_letter=DLQ)]},
        ALL,
    )
    expect_function(stubber, "orders", [], [alias("live", "1"), alias("stable", "2")])
    # The function's total series (every qualifier's traffic), live's own and stable's own.
    cloudwatch = CloudWatchSeries(
        stubber,
        {
            ("orders", None): {"AsyncEventsReceived": [30.0, 20.0], "AsyncEventsDropped": [4.0]},
            ("orders", "orders:live"): {"AsyncEventsReceived": [10.0], "AsyncEventsDropped": [4.0]},
            ("orders", "orders:stable"): {"AsyncEventsReceived": [5.0], "DeadLetterErrors": [1.0]},
        },
    )
    expect_mappings(stubber)
    result = run_module(failure_handling, {"max_concurrency": 1, "lookback_days": 3})
    stubber.assert_no_pending_responses()
    assert cloudwatch.calls == [12]  # 3 series of 4 metrics
    audit = {entry["qualifier"]: entry for entry in result["failure_audit"]}
    assert [entry["qualifier"] for entry in result["failure_audit"]] == ["live", "stable", "$LATEST"]
    assert (audit["live"]["status"], audit["live"]["async_events_dropped"]) == ("losing", 4)
    assert audit["stable"]["status"] == "losing"
    assert audit["stable"]["failure_destination"] == DLQ
    assert audit["stable"]["dead_letter_errors"] == 1
    assert (audit["$LATEST"]["status"], audit["$LATEST"]["async_events_received"]) == ("unprotected", 35)
    assert audit["$LATEST"]["function_arn"] == PREFIX + "orders:$LATEST"
    # Only the qualifiers with no handling at all are items to fix; the most urgent first.
    assert result["functions_without_failure_handling"] == [
        {"function_name": PREFIX + "orders", "qualifier": "live"},
        {"function_name": PREFIX + "orders"},
    ]


def test_an_audit_denied_the_metrics_warns_and_judges_the_configuration(stubber, run_module, mocker):
    # Recorded at the call: how a result carries warnings differs between ansible-core versions.
    warn = mocker.patch.object(basic.AnsibleModule, "warn")
    stubber.add_response("list_functions", {"Functions": [version("bare")]}, ALL)
    expect_function(stubber, "bare", [])
    stubber.service("cloudwatch").add_client_error(
        "get_metric_data",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: cloudwatch:GetMetricData",
        http_status_code=403,
    )
    expect_mappings(stubber)
    result = run_module(failure_handling, {})
    stubber.assert_no_pending_responses()
    assert result["failure_audit"][0]["status"] == "unprotected"
    assert result["failure_audit"][0]["async_events_received"] is None
    assert [call.args[0] for call in warn.call_args_list if "GetMetricData" in call.args[0]] == [
        "the audit of us-east-1 could not read CloudWatch's metrics (cloudwatch:GetMetricData was denied): "
        "each qualifier is judged by its configuration alone"
    ]


def test_lookback_days_out_of_range_fails_naming_the_option_before_any_call(stubber, run_module):
    result = run_module(failure_handling, {"lookback_days": 64})
    assert result["failed"]
    assert result["msg"] == "lookback_days must be between 1 and 63, got 64"
    stubber.assert_no_pending_responses()


def uuid(short):
    return f"{short:0>8}-0000-4000-8000-000000000000"  # AWS's UUIDs have 36 characters


def test_the_audit_lists_the_mappings_that_discard_failed_records(stubber, run_module):
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
    queue, kept = "arn:aws:sqs:us-east-1:123456789012:orders", "arn:aws:sqs:us-east-1:123456789012:kept"
    stubber.add_response("list_functions", {"Functions": []}, ALL)
    stubber.add_response(
        "list_event_source_mappings",
        {
            "EventSourceMappings": [
                {
                    "UUID": uuid("u1"),
                    "EventSourceArn": stream,
                    "FunctionArn": PREFIX + "orders",
                    "MaximumRetryAttempts": 2,
                },
                {"UUID": uuid("u2"), "EventSourceArn": queue, "FunctionArn": PREFIX + "orders:live"},
            ],
            "NextMarker": "p2",
        },
        {"MaxItems": 50},
    )
    stubber.add_response(
        "list_event_source_mappings",
        {
            "EventSourceMappings": [
                {"UUID": uuid("u3"), "EventSourceArn": kept, "FunctionArn": PREFIX + "orders"},
                {"UUID": uuid("u4"), "EventSourceArn": queue, "FunctionArn": PREFIX + "other"},
            ]
        },
        {"MaxItems": 50, "Marker": "p2"},
    )
    sqs = stubber.service("sqs")
    for name, attributes in (("orders", {}), ("kept", {"RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ})})):
        url = f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}"
        sqs.add_response(
            "get_queue_url", {"QueueUrl": url}, {"QueueName": name, "QueueOwnerAWSAccountId": "123456789012"}
        )
        sqs.add_response(
            "get_queue_attributes", {"Attributes": attributes}, {"QueueUrl": url, "AttributeNames": ["RedrivePolicy"]}
        )
    result = run_module(failure_handling, {})
    stubber.assert_no_pending_responses()
    sqs.assert_no_pending_responses()  # the queue of two mappings is read once
    assert [m["uuid"] for m in result["event_source_mappings_without_failure_handling"]] == [
        uuid("u1"),
        uuid("u2"),
        uuid("u4"),
    ]
    first = result["event_source_mappings_without_failure_handling"][0]
    assert first == {
        "uuid": uuid("u1"),
        "function_arn": PREFIX + "orders",
        "event_source_arn": stream,
        "reason": "no on-failure destination: a batch of its Kinesis stream that keeps failing is discarded after 2 retries",
    }
