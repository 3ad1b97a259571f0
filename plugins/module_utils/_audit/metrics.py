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
Lambda's quota (CloudWatch's quota is its own), each call with the series read since the last one.
"""

import datetime
import functools
import threading
import time

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
CALL_INTERVAL = 1.0  # seconds between the starts of a region's calls while its functions are read
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
    """read_async_metrics of the series added, in one background thread that sends, one call at a time, the
    series added since its last call (at most SERIES_PER_CALL), a call at most every CALL_INTERVAL seconds
    until sums() is called, then the rest at once. The series of a region are known at the pace of its
    Lambda reads, so CloudWatch answers them meanwhile and the audit's end waits only for the series read
    last. add() may be called from any thread; sums() gives every series' sums, or raises the first failed
    call's error (after which no further call is made); close() lets the calls not yet made go (an audit
    that failed)."""

    def __init__(self, client, lookback_days, now=None):
        self._client = client
        self._lookback_days = lookback_days
        self._end = now or datetime.datetime.now(datetime.timezone.utc)
        self._pending = []
        self._sums = {}
        self._error = None
        self._finishing = False  # sums() was called: no more series, send the rest
        self._stopped = threading.Event()  # close() was called, or a call failed: send nothing more
        self._ready = threading.Condition()
        self._worker = threading.Thread(target=self._send_pending, daemon=True)
        self._worker.start()

    def _next_batch(self):
        """The series to send next, once there are any; [] when there will be none."""
        with self._ready:
            self._ready.wait_for(lambda: self._pending or self._finishing or self._stopped.is_set())
            if self._stopped.is_set():
                return []
            batch, self._pending = self._pending[:SERIES_PER_CALL], self._pending[SERIES_PER_CALL:]
            return batch

    def _send_pending(self):
        while True:
            batch = self._next_batch()
            if not batch:
                return
            sent_at = time.monotonic()
            try:
                self._sums.update(read_async_metrics(self._client, batch, self._lookback_days, now=self._end))
            except Exception as e:  # handed to sums(), which raises it in the audit's thread
                self._error = e
                self._stopped.set()
                return
            # CloudWatch's GetMetricData quota (50 a second per account and region) is shared with every
            # tool of the account: leave it most of it, but for the rest the audit waits for (sums()).
            with self._ready:
                self._ready.wait_for(
                    lambda: self._finishing or self._stopped.is_set(),
                    timeout=max(0.0, sent_at + CALL_INTERVAL - time.monotonic()),
                )

    def add(self, series):
        with self._ready:
            self._pending.extend(series)
            self._ready.notify()

    def sums(self):
        with self._ready:
            self._finishing = True
            self._ready.notify()
        self._worker.join()
        if self._error is not None:
            raise self._error
        return self._sums

    def close(self):
        with self._ready:
            self._stopped.set()
            self._ready.notify()


def own_traffic(function_total, qualifier_sums):
    """The unqualified ($LATEST) invocations' own sums: the function's total less its qualifiers'
    (never below 0: the series are aggregated separately, and a qualifier not audited counts here)."""
    return {key: max(0, function_total[key] - sum(sums[key] for sums in qualifier_sums)) for key in METRIC_KEYS}
