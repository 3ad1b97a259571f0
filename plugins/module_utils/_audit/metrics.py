# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The evidence of the audit: what Lambda's asynchronous invocation metrics say each qualifier did.

Lambda publishes, in CloudWatch's AWS/Lambda namespace, the Sum of each metric below per function
(dimension FunctionName: the function's total, every qualifier's traffic together) and per alias or
version (FunctionName plus Resource = NAME:QUALIFIER). CloudWatch matches a query's dimensions
exactly, so the function's own series is its total; the unqualified ($LATEST) traffic is that total
less the audited qualifiers' (own_traffic). read_async_metrics asks for every series of a region in
calls of at most 500 queries (GetMetricData's limit), one data point a day. AsyncMetricsReader makes
those calls in the background as the series become known, while the audit's Lambda reads wait on
Lambda's quota (CloudWatch's quota is its own).
"""

import datetime
import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.pages import every_page
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import default_retry

# AWS/Lambda's asynchronous invocation metrics: CloudWatch's name, and the audit's.
ASYNC_METRICS = (
    ("AsyncEventsReceived", "async_events_received"),
    ("AsyncEventsDropped", "async_events_dropped"),
    ("DeadLetterErrors", "dead_letter_errors"),
    ("DestinationDeliveryFailures", "destination_delivery_failures"),
)
# lookback_days: the audit's window; CloudWatch keeps the 5-minute data points of the last 63 days.
LOOKBACK_DAYS_RANGE = (1, 63)
METRIC_KEYS = tuple(key for dummy, key in ASYNC_METRICS)
MAX_QUERIES_PER_CALL = 500  # GetMetricData's limit
SERIES_PER_CALL = MAX_QUERIES_PER_CALL // len(ASYNC_METRICS)
PERIOD = 86400  # one data point a day: at most 63 a query, 31,500 a call (GetMetricData returns up to 100,800)


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


@default_retry
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
        stop = start + MAX_QUERIES_PER_CALL
        call = functools.partial(_metric_data, client, MetricDataQueries=queries[start:stop], **window)
        for page in every_page(call, marker="NextToken", next_marker="NextToken"):
            for result in page.get("MetricDataResults", []):
                one, key = meaning[result["Id"]]
                sums[one][key] += int(sum(result.get("Values", [])))
    return sums


class AsyncMetricsReader:
    """read_async_metrics of the series added, SERIES_PER_CALL series a call, each call made in one
    background thread (one call at a time) as soon as its series are known. add() may be called from
    any thread; sums() gives every series' sums, or raises the first failed call's error (after which
    no further call is made); close() lets the calls not yet made go (an audit that failed)."""

    def __init__(self, client, lookback_days, now=None):
        self._client = client
        self._lookback_days = lookback_days
        self._end = now or datetime.datetime.now(datetime.timezone.utc)
        self._pending = []
        self._calls = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1)

    def _read(self, series):
        if self._stopped.is_set():
            return {}
        try:
            return read_async_metrics(self._client, series, self._lookback_days, now=self._end)
        except Exception:
            self._stopped.set()
            raise

    def _submit(self, count):
        batch, self._pending = self._pending[:count], self._pending[count:]
        self._calls.append(self._pool.submit(self._read, batch))

    def add(self, series):
        with self._lock:
            self._pending.extend(series)
            while len(self._pending) >= SERIES_PER_CALL:
                self._submit(SERIES_PER_CALL)

    def flush(self):
        """Sends the series not yet sent, without waiting for the answer."""
        with self._lock:
            if self._pending:
                self._submit(len(self._pending))

    def sums(self):
        self.flush()
        sums = {}
        for call in self._calls:
            sums.update(call.result())
        return sums

    def close(self):
        self._stopped.set()
        self._pool.shutdown(wait=False)


def own_traffic(function_total, qualifier_sums):
    """The unqualified ($LATEST) invocations' own sums: the function's total less its qualifiers'
    (never below 0: the series are aggregated separately, and a qualifier not audited counts here)."""
    return {key: max(0, function_total[key] - sum(sums[key] for sums in qualifier_sums)) for key in METRIC_KEYS}
