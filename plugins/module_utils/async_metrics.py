# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The evidence of the audit: what Lambda's asynchronous invocation metrics say each qualifier did.

Lambda publishes, in CloudWatch's AWS/Lambda namespace, the Sum of each metric below per function
(dimension FunctionName: the function's total, every qualifier's traffic together) and per alias or
version (FunctionName plus Resource = NAME:QUALIFIER). CloudWatch matches a query's dimensions
exactly, so the function's own series is its total; the unqualified ($LATEST) traffic is that total
less the audited qualifiers' (own_traffic). read_async_metrics asks for every series of a region in
calls of at most 500 queries (GetMetricData's limit), one data point a day.
"""

import datetime

from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils.throttling import retrying

# AWS/Lambda's asynchronous invocation metrics: CloudWatch's name, and the audit's.
ASYNC_METRICS = (
    ("AsyncEventsReceived", "async_events_received"),
    ("AsyncEventsDropped", "async_events_dropped"),
    ("DeadLetterErrors", "dead_letter_errors"),
    ("DestinationDeliveryFailures", "destination_delivery_failures"),
)
METRIC_KEYS = tuple(key for dummy, key in ASYNC_METRICS)
MAX_QUERIES_PER_CALL = 500  # GetMetricData's limit
PERIOD = 86400  # one data point a day: at most 63 a query, 31,500 a call (GetMetricData returns up to 100,800)

# GetMetricData throttles with Throttling (AWSRetry's defaults catch it): AWSRetry's default backoff, per call.
_cloudwatch_retry = retrying()


def series_of(function_name, qualifier=LATEST):
    """The dimensions of one series: a function's total (LATEST), or an alias's or version's own."""
    dimensions = [{"Name": "FunctionName", "Value": function_name}]
    if qualifier != LATEST:
        dimensions.append({"Name": "Resource", "Value": f"{function_name}:{qualifier}"})
    return dimensions


def metric_queries(series):
    """The MetricDataQueries of every metric of every series ((function_name, qualifier) pairs), and
    {query Id: (series, metric key)}. An Id is a letter and digits, as GetMetricData requires."""
    queries, meaning = [], {}
    for index, (function_name, qualifier) in enumerate(series):
        for number, (metric_name, key) in enumerate(ASYNC_METRICS):
            query_id = f"m{index}x{number}"
            metric = {
                "Namespace": "AWS/Lambda",
                "MetricName": metric_name,
                "Dimensions": series_of(function_name, qualifier),
            }
            queries.append({"Id": query_id, "MetricStat": {"Metric": metric, "Period": PERIOD, "Stat": "Sum"}})
            meaning[query_id] = ((function_name, qualifier), key)
    return queries, meaning


@_cloudwatch_retry
def _metric_data(client, **kwargs):
    return client.get_metric_data(**kwargs)


def read_async_metrics(client, series, lookback_days, now=None):
    """{(function_name, qualifier): {metric key: Sum over the last lookback_days days}} of every
    series asked for (0 where CloudWatch holds no data point), every page of every call."""
    end = now or datetime.datetime.now(datetime.timezone.utc)
    window = {"StartTime": end - datetime.timedelta(days=lookback_days), "EndTime": end}
    sums = {one: dict.fromkeys(METRIC_KEYS, 0) for one in series}
    queries, meaning = metric_queries(list(sums))
    for start in range(0, len(queries), MAX_QUERIES_PER_CALL):
        token = None
        while True:
            page = _metric_data(
                client,
                MetricDataQueries=queries[start : start + MAX_QUERIES_PER_CALL],
                **window,
                **({"NextToken": token} if token else {}),
            )
            for result in page.get("MetricDataResults", []):
                one, key = meaning[result["Id"]]
                sums[one][key] += int(sum(result.get("Values", [])))
            token = page.get("NextToken")
            if not token:
                break
    return sums


def own_traffic(function_total, qualifier_sums):
    """The unqualified ($LATEST) invocations' own sums: the function's total less its qualifiers'
    (never below 0: the series are aggregated separately, and a qualifier not audited counts here)."""
    return {key: max(0, function_total[key] - sum(sums[key] for sums in qualifier_sums)) for key in METRIC_KEYS}
