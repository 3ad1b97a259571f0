# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bulk runs: expanding items, checking them all first, bounded concurrency, per-function order."""

import threading
import time

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws import concurrency
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import invocation_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config import api
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import check_task
from ansible_collections.serverless.aws_lambda.plugins.module_utils._fleet import fleet

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"


def top(**options):
    params = {key: None for key in fleet.INHERITED_OPTIONS}
    params.update(purge_destinations=True, state="present", validate_destinations=False, iam_propagation_timeout=120)
    params.update(options)
    return params


def test_items_inherit_unset_options_from_the_top_level():
    params = top(
        maximum_retry_attempts=0,
        destination_config={"on_failure": {"destination": QUEUE}},
        configs=[
            {"function_name": "a", "qualifier": None, "maximum_retry_attempts": None, "state": None},
            {"function_name": "b", "maximum_retry_attempts": 2, "purge_destinations": False, "state": "absent"},
        ],
    )
    first, second = fleet.expand_items(params)
    assert first["maximum_retry_attempts"] == 0
    assert first["destination_config"] == {"on_failure": {"destination": QUEUE}}
    assert first["state"] == "present"
    assert first["purge_destinations"] is True
    assert first["iam_propagation_timeout"] == 120
    assert second["maximum_retry_attempts"] == 2
    assert second["purge_destinations"] is False
    assert second["state"] == "absent"


def test_every_item_is_checked_and_the_bad_one_named():
    items = fleet.expand_items(
        top(
            configs=[
                {"function_name": "good", "maximum_retry_attempts": 1},
                {"function_name": "bad", "maximum_retry_attempts": 9},
            ]
        )
    )
    with pytest.raises(ParameterError) as raised:
        fleet.check_items(items, check_task)
    assert str(raised.value) == "configs[1] (bad): maximum_retry_attempts must be between 0 and 2, got 9"


@pytest.mark.parametrize(
    "names",
    [
        [("fn", None), ("fn", "$LATEST")],  # the unqualified config is $LATEST's
        [("fn:live", None), ("fn", "live")],
        [
            ("arn:aws:lambda:us-east-1:123456789012:function:fn", "1"),
            ("arn:aws:lambda:us-east-1:123456789012:function:fn:1", None),
        ],
    ],
)
def test_two_items_for_one_config_are_refused_naming_both(names):
    items = [{"function_name": "other"}] + [{"function_name": name, "qualifier": q} for name, q in names]
    refs = [parse_function_ref(item["function_name"], item["qualifier"]) for item in items[1:]]
    with pytest.raises(ParameterError) as raised:
        fleet.check_distinct(items, [parse_function_ref("other")] + refs, "us-east-1")
    assert str(raised.value).startswith(
        f"configs[2] ({fleet.item_label(items[2])}) addresses the same config as configs[1] ("
    )


def test_configs_of_different_qualifiers_regions_or_accounts_are_distinct():
    names = [
        "fn",
        "fn:live",
        "fn:1",
        "arn:aws:lambda:us-west-2:123456789012:function:fn",
        "arn:aws:lambda:us-east-1:210987654321:function:fn",
        "other",
    ]
    items = [{"function_name": name} for name in names]
    fleet.check_distinct(items, [parse_function_ref(name) for name in names], "us-east-1")


def test_items_of_one_function_share_a_serial_key():
    keys = [
        fleet.serial_key(parse_function_ref(name), "us-east-1")
        for name in ("fn", "fn:live", "arn:aws:lambda:us-east-1:123456789012:function:fn", "other")
    ]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    west = fleet.serial_key(parse_function_ref("arn:aws:lambda:us-west-2:123456789012:function:fn"), "us-east-1")
    assert west != keys[0]


class Tracker:
    """Records how many work items run at once, and when each key's items run."""

    def __init__(self, keys):
        self.keys = keys
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.spans = []

    def work(self, index):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            start = time.monotonic()
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
            self.spans.append((self.keys[index], index, start, time.monotonic()))
        return index


@pytest.mark.parametrize("bound", [1, 3, 8])
def test_concurrency_is_bounded(bound):
    keys = [f"fn{index}" for index in range(24)]
    tracker = Tracker(keys)
    outcomes = concurrency.run_concurrently(keys, tracker.work, bound)
    assert [result for result, error in outcomes] == list(range(24))
    assert 1 <= tracker.peak <= bound
    if bound > 1:
        assert tracker.peak > 1  # it really runs concurrently


def test_items_of_one_function_never_overlap_and_keep_their_order():
    keys = ["a", "b", "a", "c", "a", "b"] * 3
    tracker = Tracker(keys)
    concurrency.run_concurrently(keys, tracker.work, 8)
    for key in set(keys):
        spans = sorted((span for span in tracker.spans if span[0] == key), key=lambda span: span[2])
        assert [index for dummy, index, start, end in spans] == [i for i, k in enumerate(keys) if k == key]
        for earlier, later in zip(spans, spans[1:]):
            assert earlier[3] <= later[2]


def test_a_failed_item_does_not_stop_the_others():
    def work(index):
        if index == 1:
            raise EventInvokeConfigError(
                message="Failed to put event invoke config of b: the function b does not exist"
            )
        return {"changed": True, "event_invoke_config": {"qualifier": "$LATEST"}, "diff": {}}

    items = [{"function_name": name} for name in ("a", "b", "c")]
    outcomes = concurrency.run_concurrently(["a", "b", "c"], work, 2)
    result = fleet.bulk_result(items, outcomes, diff=False)
    assert result["failed"] is True
    assert result["changed"] is True
    assert [entry.get("failed", False) for entry in result["event_invoke_configs"]] == [False, True, False]
    assert result["msg"] == (
        "1 of 3 configs failed (the others were applied): b: Failed to put event invoke config: "
        "the function b does not exist"
    )
    assert "diff" not in result["event_invoke_configs"][0]


def test_a_failed_item_that_wrote_holds_the_config_as_aws_holds_it_in_its_entry():
    # The revoke after the Lambda write failed: the entry is the config written, flat as every
    # entry, with what the item was given, changed, and why it failed.
    written = {
        "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:a:$LATEST",
        "qualifier": "$LATEST",
        "maximum_retry_attempts": 1,
        "destination_config": {},
    }
    grant = {"role_arn": "arn:aws:iam::123456789012:role/exec", "policy_names": []}

    def work(index):
        raise EventInvokeConfigError(
            message="after the Lambda writes: Failed to revoke the execution role's grant",
            changed=True,
            event_invoke_config=written,
            execution_role_grant=grant,
        )

    outcomes = concurrency.run_concurrently(["a"], work, 1)
    entry = fleet.bulk_result([{"function_name": "a", "qualifier": None}], outcomes, diff=False)[
        "event_invoke_configs"
    ][0]
    assert entry == dict(
        written,
        function_name="a",
        changed=True,
        failed=True,
        msg="after the Lambda writes: Failed to revoke the execution role's grant",
        error_code=None,
        execution_role_grant=grant,
    )


def test_a_bug_stops_new_items_and_the_result_says_which_were_applied():
    # One worker, so the order is known: a applied, b hits the bug, c and d never start.
    def work(index):
        if index == 1:
            raise KeyError("bug")
        return {"changed": True, "event_invoke_config": {"qualifier": "$LATEST"}, "diff": {}}

    items = [{"function_name": name} for name in ("a", "b", "c", "d")]
    outcomes = concurrency.run_concurrently(["a", "b", "c", "d"], work, 1)
    assert outcomes[0][1] is None and isinstance(outcomes[1][1], KeyError)
    assert outcomes[2:] == [None, None]
    result = fleet.bulk_result(items, outcomes, diff=False)
    assert result["failed"] is True
    assert result["changed"] is True
    entries = result["event_invoke_configs"]
    assert [entry["changed"] for entry in entries] == [True, False, False, False]
    assert entries[2]["msg"] == entries[3]["msg"] == fleet.NOT_STARTED
    assert result["msg"] == (
        "1 of 4 configs failed (1 were applied, 2 not started): b: unexpected error (a bug of this collection, "
        "please report it): KeyError: 'bug'"
    )
    assert 'raise KeyError("bug")' in result["exception"]


def test_a_bug_in_one_group_stops_the_groups_that_have_not_started():
    started = []
    second_started = threading.Event()

    def work(index):
        started.append(index)
        if index == 0:
            second_started.wait(5)  # both workers are busy: the bug comes while item 1 runs
            raise KeyError("bug")
        second_started.set()
        time.sleep(0.1)  # item 1 is still running when item 0 fails
        return index

    outcomes = concurrency.run_concurrently([f"fn{index}" for index in range(6)], work, 2)
    assert isinstance(outcomes[0][1], KeyError)
    assert sorted(started) == [0, 1]  # items 2 to 5 never started
    assert outcomes[1] == (1, None)
    assert outcomes[2:] == [None] * 4


def config(function, qualifier="$LATEST", on_failure=None):
    return {
        "function_arn": f"{function}:{qualifier}",
        "qualifier": qualifier,
        "destination_config": {"on_failure": {"destination": on_failure}} if on_failure else {},
    }


def test_diff_heads_an_arn_item_by_name_and_region_and_a_name_as_given():
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    assert fleet.diff_label({"function_name": arn}) == "orders (eu-west-1)"
    assert fleet.diff_label({"function_name": arn, "qualifier": "live"}) == "orders:live (eu-west-1)"
    assert fleet.diff_label({"function_name": "orders:7"}) == "orders:7"


def test_a_thousand_config_result_with_its_diff_fits_an_awx_job_event():
    # AWX (ansible-runner's display callback) empties a job event's result when str(res) is
    # longer than 700,000 characters. The heaviest item: a create of every setting, the
    # function given by ARN (as the audit hands it back), in diff mode.
    queue = "arn:aws:sqs:us-east-1:123456789012:failed-events"
    items, outcomes = [], []
    for index in range(1000):
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:orders-service-{index}"
        after = {
            "function_arn": arn + ":$LATEST",
            "qualifier": "$LATEST",
            "maximum_retry_attempts": 2,
            "maximum_event_age_in_seconds": 3600,
            "destination_config": {"on_failure": {"destination": queue}},
            "last_modified": "2026-12-02T05:27:18.926994+00:00",
        }
        view = {key: value for key, value in after.items() if key != "last_modified"}
        items.append({"function_name": arn})
        outcomes.append(({"changed": True, "event_invoke_config": after, "diff": {"before": {}, "after": view}}, None))
    result = fleet.bulk_result(items, outcomes, diff=True)
    assert len(result["diff"]) == 1000
    assert len(str(result)) < 650000  # measured 639,833: each config once, the diff only what changes


@pytest.mark.parametrize("count, name_length", [(1500, 16), (1250, 64)])
def test_new_configs_with_their_diff_and_the_echo_fit_an_awx_job_event(count, name_length):
    # The documented sizes (the fleets guide): new configs with the retries and the event age set, each
    # given by its alias ARN in the longest region name, in diff mode, with the echo of the
    # arguments that ansible-core 2.17 to 2.20 add (was 758 characters an item with 16-character
    # names: 1,000 did not fit; now 443, and 539 with Lambda's longest names, 64 characters).
    items, outcomes = [], []
    for index in range(count):
        name = f"{'f' * (name_length - 4)}{index:04d}"
        arn = f"arn:aws:lambda:ap-southeast-2:123456789012:function:{name}:release-9"
        after = {
            "function_arn": arn,
            "qualifier": "release-9",
            "maximum_retry_attempts": 1,
            "maximum_event_age_in_seconds": 3600,
            "destination_config": {},
            "last_modified": "2026-12-06T12:53:09.123+0000",
        }
        view = {key: value for key, value in after.items() if key != "last_modified"}
        items.append({key: None for key in ("qualifier", "maximum_retry_attempts", "state")} | {"function_name": arn})
        outcomes.append(({"changed": True, "event_invoke_config": after, "diff": {"before": {}, "after": view}}, None))
    result = fleet.bulk_result(items, outcomes, diff=True)
    result["invocation"] = invocation_of(
        top(configs=items, maximum_retry_attempts=1, maximum_event_age_in_seconds=3600)
    )
    assert len(result["diff"]) == count
    assert len(str(result)) < 700000


def test_a_thousand_failed_items_keep_each_message_and_the_result_fits_an_awx_job_event():
    # Every item failing, each with AWS's answer as the API wrappers raise it (its message with
    # the hint was 629 characters): the task's message was every item's message joined (712,053
    # characters) and the result 1.5 M, which AWX drops exactly when the user needs it.
    client = boto3.client(
        "lambda", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret"
    )
    queue = "arn:aws:sqs:us-east-1:123456789012:failed-asynchronous-events-of-the-orders-fulfilment-service"
    items, outcomes = [], []
    with Stubber(client) as stubber:
        for index in range(1000):
            arn = f"arn:aws:lambda:us-east-1:123456789012:function:orders-fulfilment-service-eu-west-1-primary-async-handler-{index:04d}"
            items.append({"function_name": arn, "qualifier": "production-blue-green-deployment-of-2026-12-05-ca"})
            stubber.add_client_error(
                "put_function_event_invoke_config",
                service_error_code="InvalidParameterValueException",
                service_message=f"The destination ARN {queue} is invalid.",
                http_status_code=400,
            )
            try:
                api.write_event_invoke_config(
                    client, parse_function_ref(arn, "production-blue-green-deployment-of-2026-12-05-ca"), {}
                )
            except EventInvokeConfigError as e:
                outcomes.append((None, e))
    assert len(f"{outcomes[0][1].message}: {outcomes[0][1].exception}") == 629
    result = fleet.bulk_result(items, outcomes, diff=True)
    entries = result["event_invoke_configs"]
    assert all(entry["failed"] and entry["error_code"] == "InvalidParameterValueException" for entry in entries)
    # The entry names the item (function_name, qualifier): its message does not name it again.
    assert entries[999]["msg"] == f"Failed to put event invoke config: The destination ARN {queue} is invalid."
    assert len(result["msg"]) < 2000  # the first three in full, the others counted by kind (was 712,053)
    assert result["msg"].startswith("1000 of 1000 configs failed: ")
    assert (
        "997 more, by error: InvalidParameterValueException 1000 (check that each destination exists" in result["msg"]
    )
    assert len(str(result)) < 700000
