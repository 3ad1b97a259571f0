# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The judging of one qualifier (failure_audit.handling and judge) and the qualifiers audited, from what was
read; the metrics read (async_metrics); the audit of regions from fake clients."""

import datetime
import threading
import time

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit import metrics as async_metrics
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import audit_entry
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import audit_region
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import audit_regions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import audited_qualifiers
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import by_status
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import handling
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import judge
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import qualifier_handling
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import without_failure_handling
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import metric_data_results

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"
OTHER_DLQ = "arn:aws:sns:us-east-1:123456789012:dlq-topic"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def config(qualifier, on_failure=None):
    slots = {"on_failure": {"destination": on_failure}} if on_failure else {}
    return {"function_arn": f"{FUNCTION}:{qualifier}", "qualifier": qualifier, "destination_config": slots}


def unhandled_qualifiers(configs, aliases, dead_letter_queues):
    """The items flagged for the function's qualifiers, judged without metrics."""
    entries = [
        audit_entry(FUNCTION, qualifier, destination, "idle", reason, None)
        for qualifier, destination, reason in qualifier_handling(configs, aliases, dead_letter_queues)
    ]
    return without_failure_handling(entries)


def test_a_qualifiers_own_on_failure_destination_handles_it():
    assert handling("live", QUEUE, ["3"], {"3": None}) == (QUEUE, f"its config sends failed events to {QUEUE}")


def test_without_on_failure_a_version_is_handled_by_its_own_dead_letter_queue():
    destination, reason = handling("$LATEST", None, ["$LATEST"], {"$LATEST": DLQ})
    assert destination == DLQ
    assert "its dead-letter queue" in reason


def test_an_alias_uses_the_dead_letter_queue_of_the_version_it_runs_not_latests():
    assert handling("live", None, ["3"], {"$LATEST": DLQ, "3": None})[0] is None
    assert handling("live", None, ["3"], {"$LATEST": None, "3": DLQ})[0] == DLQ


def test_a_weighted_alias_needs_both_versions_covered_and_says_which_is_not():
    destination, reason = handling("live", None, ["3", "4"], {"3": DLQ, "4": None})
    assert destination is None
    assert reason.endswith("no dead-letter queue on version 4")
    assert "does not inherit" in reason
    destination, reason = handling("live", None, ["3", "4"], {"3": DLQ, "4": OTHER_DLQ})
    assert destination == sorted([DLQ, OTHER_DLQ])[0]
    assert DLQ in reason and OTHER_DLQ in reason


def test_a_version_without_either_says_so():
    assert handling("5", None, ["5"], {"5": None}) == (
        None,
        "no on_failure destination in its config and no dead-letter queue",
    )


def test_audited_are_latest_every_alias_and_every_version_with_a_config():
    audited = audited_qualifiers({"$LATEST": None, "2": QUEUE, "live": None}, {"live": ["3"], "canary": ["3", "4"]})
    assert audited == {"$LATEST": ["$LATEST"], "2": ["2"], "live": ["3"], "canary": ["3", "4"]}


def test_each_qualifier_stands_alone_latests_destination_does_not_protect_an_alias():
    # $LATEST has a destination, the live alias (version 3, no DLQ) none: only live is flagged.
    items = unhandled_qualifiers([config("$LATEST", QUEUE)], {"live": ["3"]}, {"$LATEST": None, "3": None})
    assert items == [{"function_name": FUNCTION, "qualifier": "live"}]


def test_a_protected_alias_does_not_hide_an_unprotected_latest():
    items = unhandled_qualifiers([config("live", QUEUE)], {"live": ["3"]}, {"$LATEST": None, "3": None})
    assert items == [{"function_name": FUNCTION}]


def test_flagged_items_come_latest_then_versions_by_number_then_aliases_by_name():
    configs = [config("10"), config("9"), config("$LATEST")]
    aliases = {"b": ["9"], "a": ["10"]}
    queues = {"$LATEST": None, "9": None, "10": None}
    items = unhandled_qualifiers(configs, aliases, queues)
    assert [item.get("qualifier") for item in items] == [None, "9", "10", "a", "b"]


NONE = dict.fromkeys(async_metrics.METRIC_KEYS, 0)


def traffic(received=0, dropped=0, dead_letter_errors=0, delivery_failures=0):
    return {
        "async_events_received": received,
        "async_events_dropped": dropped,
        "dead_letter_errors": dead_letter_errors,
        "destination_delivery_failures": delivery_failures,
    }


def test_unhandled_and_dropping_events_is_losing():
    status, reason = judge(None, "no dead-letter queue", traffic(received=10, dropped=3), 14)
    assert status == "losing"
    assert reason == "3 async events dropped in the last 14 days: no dead-letter queue"


def test_handling_that_fails_to_deliver_is_losing_even_with_a_destination():
    status, reason = judge(QUEUE, "its config sends failed events to Q", traffic(received=5, delivery_failures=2), 7)
    assert status == "losing"
    assert reason.startswith("2 deliveries of its invocation records failed in the last 7 days (0 to a dead-letter")
    assert judge(DLQ, "its dead-letter queue", traffic(dead_letter_errors=1), 1)[0] == "losing"


def test_unhandled_with_traffic_but_nothing_dropped_yet_is_unprotected():
    status, reason = judge(None, "no dead-letter queue", traffic(received=1), 1)
    assert (status, reason) == (
        "unprotected",
        "1 async event received in the last 1 day and none dropped yet, but no dead-letter queue",
    )


def test_unhandled_without_traffic_is_idle():
    assert judge(None, "no dead-letter queue", NONE, 14) == (
        "idle",
        "no async event received in the last 14 days; no dead-letter queue",
    )


def test_handled_and_delivering_is_protected_dropped_events_included():
    # AWS counts an event sent to the DLQ or on_failure destination in AsyncEventsDropped too.
    assert judge(QUEUE, "kept", traffic(received=9, dropped=9), 14) == ("protected", "kept")


def test_without_metrics_the_configuration_alone_judges():
    assert judge(None, "no dead-letter queue", None, 14)[0] == "unprotected"
    assert judge(QUEUE, "kept", None, 14)[0] == "protected"
    entry = audit_entry(FUNCTION, "live", None, "unprotected", "why", None)
    assert entry["async_events_received"] is None and entry["function_arn"] == FUNCTION + ":live"


def test_entries_come_losing_unprotected_idle_protected_in_their_order_within_each():
    entries = [
        {"status": status, "n": n} for n, status in enumerate(["protected", "idle", "losing", "idle", "unprotected"])
    ]
    assert [(e["status"], e["n"]) for e in by_status(entries)] == [
        ("losing", 2),
        ("unprotected", 4),
        ("idle", 1),
        ("idle", 3),
        ("protected", 0),
    ]


class FakeCloudWatch:
    """GetMetricData as AWS answers it: a query matches the series whose dimensions are exactly the
    query's; a call of more than page_size queries is answered in pages (NextToken)."""

    def __init__(self, series, page_size=500, denied=False):
        self.series = series  # {(FunctionName, Resource or None): {metric name: [daily values]}}
        self.page_size = page_size
        self.denied = denied
        self.calls = []

    def get_metric_data(self, MetricDataQueries, StartTime, EndTime, NextToken=None):
        if self.denied:
            import botocore.exceptions

            error = {
                "Error": {
                    "Code": "AccessDenied",
                    "Message": "User is not authorized to perform: cloudwatch:GetMetricData",
                }
            }
            raise botocore.exceptions.ClientError(error, "GetMetricData")
        assert len(MetricDataQueries) <= 500
        self.calls.append((len(MetricDataQueries), NextToken, EndTime - StartTime))
        start = int(NextToken or 0)
        end = start + self.page_size
        results = metric_data_results(MetricDataQueries[start:end], self.series)
        more = start + self.page_size < len(MetricDataQueries)
        return {"MetricDataResults": results, **({"NextToken": str(start + self.page_size)} if more else {})}


def test_metrics_are_summed_over_the_window_from_every_call_and_page():
    series = [(f"fn{index}", "$LATEST") for index in range(130)]  # 520 queries: two calls
    cloudwatch = FakeCloudWatch({("fn129", None): {"AsyncEventsDropped": [2.0, 3.0]}}, page_size=200)
    now = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    sums = async_metrics.read_async_metrics(cloudwatch, series, 14, now=now)
    assert sums[("fn129", "$LATEST")] == dict(NONE, async_events_dropped=5)
    assert sums[("fn0", "$LATEST")] == NONE
    assert [(count, token) for count, token, dummy in cloudwatch.calls] == [
        (500, None),
        (500, "200"),
        (500, "400"),
        (20, None),
    ]
    assert {window for dummy, dummy, window in cloudwatch.calls} == {datetime.timedelta(days=14)}


class SignallingCloudWatch(FakeCloudWatch):
    """FakeCloudWatch that sets called at each call (denied ones included), records when each call came,
    and holds each call until release is set (set from the start unless held)."""

    def __init__(self, *args, held=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.called = threading.Event()
        self.release = threading.Event()
        if not held:
            self.release.set()
        self.attempts = 0
        self.started = []

    def get_metric_data(self, **kwargs):
        self.attempts += 1
        self.started.append(time.monotonic())
        self.called.set()
        assert self.release.wait(5)
        return super().get_metric_data(**kwargs)


def test_the_metrics_reader_sends_at_once_and_then_what_came_while_cloudwatch_answered():
    cloudwatch = SignallingCloudWatch({("fn3", None): {"AsyncEventsReceived": [4.0]}}, held=True)
    reader = async_metrics.AsyncMetricsReader(cloudwatch, 14)
    try:
        reader.add([("fn0", "$LATEST")])
        assert cloudwatch.called.wait(5)  # the first series, sent before anything waits for them
        # While CloudWatch answers, the next series wait: 130 of them, one full call and the rest.
        reader.add([(f"fn{index}", "$LATEST") for index in range(1, 131)])
        cloudwatch.release.set()
        sums = reader.sums()
    finally:
        reader.close()
    assert [count for count, dummy, dummy in cloudwatch.calls] == [4, 500, 20]
    assert len(sums) == 131 and sums[("fn3", "$LATEST")] == dict(NONE, async_events_received=4)


def test_the_metrics_reader_leaves_cloudwatch_s_quota_room_between_its_calls(monkeypatch):
    monkeypatch.setattr(async_metrics, "CALL_INTERVAL", 0.2)
    cloudwatch = SignallingCloudWatch({})
    reader = async_metrics.AsyncMetricsReader(cloudwatch, 14)
    try:
        for index in range(10):
            reader.add([(f"fn{index}", "$LATEST")])
            time.sleep(0.05)  # each series alone, faster than the calls may go
        while_reading = list(cloudwatch.started)
        sums = reader.sums()
    finally:
        reader.close()
    assert len(sums) == 10 and sum(count for count, dummy, dummy in cloudwatch.calls) == 40
    gaps = [later - earlier for earlier, later in zip(while_reading, while_reading[1:])]
    # Without the interval the calls would come as the series do, 0.05 s apart (a margin for the clocks).
    assert len(while_reading) >= 2 and min(gaps) >= 0.15


def test_the_metrics_reader_sends_the_rest_at_once_when_the_audit_waits_for_it(monkeypatch):
    monkeypatch.setattr(async_metrics, "CALL_INTERVAL", 30)
    cloudwatch = SignallingCloudWatch({})
    reader = async_metrics.AsyncMetricsReader(cloudwatch, 14)
    try:
        reader.add([("fn0", "$LATEST")])
        assert cloudwatch.called.wait(5)
        reader.add([("fn1", "$LATEST")])  # within the interval: it waits for the next call
        finished = threading.Thread(target=reader.sums, daemon=True)
        finished.start()
        finished.join(10)  # far below the interval: sums() does not wait it out
        assert not finished.is_alive()
    finally:
        reader.close()
    assert [count for count, dummy, dummy in cloudwatch.calls] == [4, 4]


def test_after_a_denied_call_the_metrics_reader_sends_no_more_and_raises_the_denial():
    import botocore.exceptions

    cloudwatch = SignallingCloudWatch({}, denied=True)
    reader = async_metrics.AsyncMetricsReader(cloudwatch, 14)
    try:
        reader.add([(f"fn{index}", "$LATEST") for index in range(2 * async_metrics.SERIES_PER_CALL)])
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
            reader.sums()
    finally:
        reader.close()
    assert cloudwatch.attempts == 1


class ManyFunctions:
    """count functions with $LATEST alone and no config; the last one's ListAliases waits (at most
    5 s) for CloudWatch's first call and records whether it came while the functions were read."""

    def __init__(self, count, cloudwatch):
        self.count = count
        self.cloudwatch = cloudwatch
        self.metrics_during_reads = None

    def list_functions(self, **kwargs):
        return {
            "Functions": [
                {"FunctionName": f"fn{index}", "FunctionArn": f"{FUNCTION}{index}:$LATEST", "Version": "$LATEST"}
                for index in range(self.count)
            ]
        }

    def list_function_event_invoke_configs(self, FunctionName, **kwargs):
        return {"FunctionEventInvokeConfigs": []}

    def list_aliases(self, FunctionName, **kwargs):
        if FunctionName == f"fn{self.count - 1}":
            self.metrics_during_reads = self.cloudwatch.called.wait(5)
        return {"Aliases": []}

    def list_event_source_mappings(self, **kwargs):
        return {"EventSourceMappings": []}


def test_the_audit_reads_cloudwatch_while_it_still_reads_functions():
    # CloudWatch's quota is not Lambda's: its calls go while the function reads wait on Lambda's cap, in a
    # region of fewer functions than a call holds too.
    cloudwatch = SignallingCloudWatch({})
    functions = ManyFunctions(10, cloudwatch)
    audit = audit_region("us-east-1", clients(cloudwatch, functions), 1, 14)
    assert functions.metrics_during_reads is True
    assert len(audit.entries) == 10
    assert sum(count for count, dummy, dummy in cloudwatch.calls) == 40


def test_latests_own_traffic_is_the_total_less_its_qualifiers():
    total = traffic(received=10, dropped=4)
    assert async_metrics.own_traffic(total, [traffic(received=6, dropped=4), traffic(received=1)]) == traffic(
        received=3
    )
    assert async_metrics.own_traffic(traffic(received=1), [traffic(received=2)]) == NONE  # never below 0


class OneFunction:
    """The Lambda side of one region: orders, whose $LATEST sends failed events to a queue, and whose
    live alias (version 1, no DLQ) and canary alias (versions 1 and 2) have no config."""

    def list_functions(self, **kwargs):
        prefix = "arn:aws:lambda:us-east-1:123456789012:function:orders"
        return {
            "Functions": [
                {"FunctionName": "orders", "FunctionArn": f"{prefix}:$LATEST", "Version": "$LATEST"},
                {"FunctionName": "orders", "FunctionArn": f"{prefix}:1", "Version": "1"},
                {"FunctionName": "orders", "FunctionArn": f"{prefix}:2", "Version": "2"},
            ]
        }

    def list_function_event_invoke_configs(self, FunctionName, **kwargs):
        on_failure = {"OnFailure": {"Destination": QUEUE}}
        return {"FunctionEventInvokeConfigs": [{"FunctionArn": f"{FUNCTION}:$LATEST", "DestinationConfig": on_failure}]}

    def list_aliases(self, FunctionName, **kwargs):
        return {"Aliases": [{"Name": "live", "FunctionVersion": "1"}, {"Name": "canary", "FunctionVersion": "2"}]}

    def list_event_source_mappings(self, **kwargs):
        return {"EventSourceMappings": []}


def clients(cloudwatch, lambda_client=None):
    return {"lambda": lambda_client or OneFunction(), "cloudwatch": cloudwatch, "sqs": None}


def test_each_qualifier_gets_its_own_traffic_and_latest_the_rest():
    cloudwatch = FakeCloudWatch(
        {
            # The function's total series, as AWS publishes it, and each alias's own.
            ("orders", None): {"AsyncEventsReceived": [60.0], "AsyncEventsDropped": [7.0]},
            ("orders", "orders:live"): {"AsyncEventsReceived": [40.0], "AsyncEventsDropped": [7.0]},
        }
    )
    audit = audit_region("us-east-1", clients(cloudwatch), 1, 14)
    statuses = {entry["qualifier"]: entry["status"] for entry in audit.entries}
    assert statuses == {"$LATEST": "protected", "live": "losing", "canary": "idle"}
    latest = audit.entries[0]
    assert (latest["async_events_received"], latest["async_events_dropped"]) == (20, 0)
    assert latest["failure_destination"] == QUEUE
    live = audit.entries[2]  # aliases by name: canary, live
    assert live["function_arn"] == FUNCTION + ":live" and live["async_events_dropped"] == 7
    assert live["reason"].startswith("7 async events dropped in the last 14 days: alias of version 1")
    assert audit.warnings == []
    assert [count for count, dummy, dummy in cloudwatch.calls] == [12]  # 3 series of 4 metrics, one call


def test_an_audit_that_may_not_read_metrics_warns_and_judges_the_configuration():
    audit = audit_region("us-east-1", clients(FakeCloudWatch({}, denied=True)), 1, 14)
    assert [entry["status"] for entry in audit.entries] == ["protected", "unprotected", "unprotected"]
    assert {entry["async_events_received"] for entry in audit.entries} == {None}
    assert audit.warnings == [
        "the audit of us-east-1 could not read CloudWatch's metrics (cloudwatch:GetMetricData was denied): "
        "each qualifier is judged by its configuration alone"
    ]


def test_the_audit_raises_a_bug():
    class Client(OneFunction):
        def list_function_event_invoke_configs(self, **kwargs):
            return {"FunctionEventInvokeConfigs": ["not a config"]}

    with pytest.raises(AttributeError, match="'str' object has no attribute 'get'"):
        audit_region("us-east-1", clients(FakeCloudWatch({}), Client()), 1, 14)


class RegionClient:
    """ListFunctions (every version), ListFunctionEventInvokeConfigs and ListAliases of one region, whose
    functions are: protected ($LATEST's on_failure), dlq ($LATEST's DLQ), empty-dlq (a DeadLetterConfig
    without a target), success-only, alias-only (only an alias's config has on_failure), bare."""

    def __init__(self, region, together):
        self.region = region
        self.together = together
        self.prefix = f"arn:aws:lambda:{region}:123456789012:function:"

    def list_functions(self, **kwargs):
        assert kwargs["FunctionVersion"] == "ALL"
        self.together.wait()  # both regions are listed at once, or this times out
        versions = []
        for name in ("protected", "dlq", "empty-dlq", "success-only", "alias-only", "bare"):
            version = {"FunctionName": name, "FunctionArn": f"{self.prefix}{name}:$LATEST", "Version": "$LATEST"}
            if name == "dlq":
                version["DeadLetterConfig"] = {"TargetArn": DLQ}
            if name == "empty-dlq":
                version["DeadLetterConfig"] = {}
            versions.append(version)
        return {"Functions": versions}

    def list_function_event_invoke_configs(self, FunctionName, **kwargs):
        arn = f"{self.prefix}{FunctionName}"
        on_failure = {"OnFailure": {"Destination": QUEUE}}
        configs = {
            "protected": [{"FunctionArn": f"{arn}:$LATEST", "DestinationConfig": on_failure}],
            "success-only": [
                {"FunctionArn": f"{arn}:$LATEST", "DestinationConfig": {"OnSuccess": {"Destination": QUEUE}}}
            ],
            "alias-only": [{"FunctionArn": f"{arn}:live", "DestinationConfig": on_failure}],
        }
        return {"FunctionEventInvokeConfigs": configs.get(FunctionName, [])}

    def list_aliases(self, FunctionName, **kwargs):
        return {"Aliases": [{"Name": "live", "FunctionVersion": "1"}] if FunctionName == "alias-only" else []}

    def list_event_source_mappings(self, **kwargs):
        return {"EventSourceMappings": []}


def test_the_audit_of_several_regions_names_each_qualifier_in_its_region():
    clients = {}
    together = threading.Barrier(2, timeout=5)

    def client_for(service, region):
        assert threading.current_thread() is threading.main_thread()  # every client made before any thread
        if service == "cloudwatch":
            return FakeCloudWatch({("bare", None): {"AsyncEventsReceived": [1.0]}})
        if service == "sqs":
            return None  # no mapping reads a queue
        return clients.setdefault(region, RegionClient(region, together))

    audit = audit_regions(client_for, ["us-east-1", "eu-west-1", "us-east-1"], 2, 14)
    assert len(audit.entries) == 14  # 7 qualifiers in each of the two regions, us-east-1 audited once
    unhandled = without_failure_handling(audit.entries)
    # bare received events (unprotected): first, region after region; then the idle ones.
    flagged = [
        {"function_name": f"arn:aws:lambda:{region}:123456789012:function:bare"}
        for region in ("us-east-1", "eu-west-1")
    ]
    flagged += [
        {"function_name": f"arn:aws:lambda:{region}:123456789012:function:{name}"}
        for region in ("us-east-1", "eu-west-1")
        for name in ("empty-dlq", "success-only", "alias-only")
    ]
    assert unhandled == flagged  # alias-only's alias is protected by its own config; its $LATEST is not
    assert sorted(clients) == ["eu-west-1", "us-east-1"]  # a region given twice is audited once
