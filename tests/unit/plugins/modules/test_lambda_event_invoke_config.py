# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Call sequences of lambda_event_invoke_config, checked with botocore's Stubber."""

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._config import api
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import WHEN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import destinations
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get_missing

SQS = "arn:aws:sqs:us-east-1:123456789012:failed"
SNS = "arn:aws:sns:us-east-1:123456789012:done"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/orders"


def expect_put(stubber, response, **request):
    request.setdefault("FunctionName", "my-fn")
    stubber.add_response("put_function_event_invoke_config", response, request)


def expect_update(stubber, response, **request):
    request.setdefault("FunctionName", "my-fn")
    stubber.add_response("update_function_event_invoke_config", response, request)


FULL = api_config(retry=1, age=600, on_success=SNS, on_failure=SQS)


def test_no_op_makes_exactly_one_read_and_no_write(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(
        module,
        {
            "function_name": "my-fn",
            "maximum_retry_attempts": 1,
            "maximum_event_age_in_seconds": 600,
            "destination_config": {"on_success": {"destination": SNS}, "on_failure": {"destination": SQS}},
        },
    )
    stubber.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["event_invoke_config"]["maximum_retry_attempts"] == 1


def test_task_with_no_settings_on_an_existing_config_is_a_no_op(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn"})
    stubber.assert_no_pending_responses()
    assert result["changed"] is False


def test_create_puts_the_given_settings(stubber, run_module):
    expect_get_missing(stubber)
    expect_put(stubber, api_config(retry=0), MaximumRetryAttempts=0, DestinationConfig=destinations())
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0}, diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"] == {
        "function_arn": ARN + ":$LATEST",
        "qualifier": "$LATEST",
        "maximum_retry_attempts": 0,
        "maximum_event_age_in_seconds": None,
        "destination_config": {},
        "last_modified": WHEN.isoformat(),
    }
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["maximum_retry_attempts"] == 0


def test_update_sends_only_what_changes(stubber, run_module):
    # Put would replace the whole config and send back the value read of every setting the
    # task does not mention; Update changes only what it is given, so another writer's change
    # of those settings between our read and our write is kept.
    expect_get(stubber, FULL)
    expect_update(stubber, api_config(retry=0, age=600, on_success=SNS, on_failure=SQS), MaximumRetryAttempts=0)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0}, diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["diff"]["before"]["maximum_retry_attempts"] == 1
    assert result["diff"]["after"]["maximum_retry_attempts"] == 0
    assert result["diff"]["after"]["destination_config"]["on_success"] == {"destination": SNS}


def test_after_is_what_aws_holds_after_the_update(stubber, run_module):
    # Another tool set an on_failure destination between our read and our Update: AWS's
    # answer (kept as the result) holds it, and nothing of ours removed it.
    expect_get(stubber, api_config(retry=1))
    expect_update(stubber, api_config(retry=2, on_failure=SQS), MaximumRetryAttempts=2)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 2})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_config"]["destination_config"] == {"on_failure": {"destination": SQS}}


def test_config_deleted_between_read_and_update_fails_naming_the_race(stubber, run_module):
    expect_get(stubber, FULL)
    stubber.add_client_error(
        "update_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        service_message=f"The function {ARN}:$LATEST doesn't have an EventInvokeConfig",
        http_status_code=404,
    )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "deleted after this task read it; nothing was written" in result["msg"]


def test_destination_swap_with_purge_clears_the_unlisted_slot(stubber, run_module):
    expect_get(stubber, FULL)
    expect_get(stubber, FULL)  # read again right before the Put (a deleted config is not brought back)
    expect_put(
        stubber,
        api_config(retry=1, age=600, on_failure=BUS),
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=600,
        DestinationConfig=destinations(None, BUS),
    )
    result = run_module(module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": BUS}}})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_config"]["destination_config"] == {"on_failure": {"destination": BUS}}


def test_a_config_deleted_before_a_put_that_removes_a_destination_is_not_brought_back(stubber, run_module):
    # Put replaces the whole config: from the first read, it would recreate what another tool deleted.
    expect_get(stubber, FULL)
    expect_get_missing(stubber)
    result = run_module(module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": BUS}}})
    stubber.assert_no_pending_responses()  # no Put was stubbed: one would have failed the run otherwise
    assert result["failed"] is True
    assert result["msg"] == (
        "Failed to write event invoke config of my-fn: the config or its function was deleted after this task read "
        "it; nothing was written (run the task again to create it)"
    )


def test_a_put_lays_the_task_over_the_fresh_read_keeping_another_tools_change(stubber, run_module):
    # Between the two reads another tool set the event age: the Put keeps it.
    expect_get(stubber, FULL)
    expect_get(stubber, api_config(retry=1, age=900, on_success=SNS, on_failure=SQS))
    expect_put(
        stubber,
        api_config(retry=1, age=900, on_failure=BUS),
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=900,
        DestinationConfig=destinations(None, BUS),
    )
    result = run_module(module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": BUS}}})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_config"]["maximum_event_age_in_seconds"] == 900


@pytest.mark.parametrize(
    "current",
    [FULL, api_config(retry=1, age=600, on_success=SNS)],
    ids=["a destination changed", "a destination added"],
)
def test_destination_change_without_purge_updates_with_the_slots_the_config_keeps(stubber, run_module, current):
    expect_get(stubber, current)
    expect_update(
        stubber,
        api_config(retry=1, age=600, on_success=SNS, on_failure=BUS),
        DestinationConfig={"OnSuccess": {"Destination": SNS}, "OnFailure": {"Destination": BUS}},
    )
    result = run_module(
        module,
        {
            "function_name": "my-fn",
            "purge_destinations": False,
            "destination_config": {"on_failure": {"destination": BUS}},
        },
    )
    stubber.assert_no_pending_responses()
    assert result["changed"] is True


def test_check_mode_create_never_writes_and_predicts_the_arn(stubber, run_module):
    expect_get_missing(stubber, qualifier="prod", Qualifier="prod")
    result = run_module(
        module, {"function_name": "my-fn:prod", "maximum_event_age_in_seconds": 60}, check_mode=True, diff=True
    )
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"]["function_arn"] == ARN + ":prod"
    assert result["event_invoke_config"]["qualifier"] == "prod"
    assert result["diff"]["after"]["maximum_event_age_in_seconds"] == 60


def test_check_mode_update_never_writes(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 2}, check_mode=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"]["maximum_retry_attempts"] == 2
    assert result["event_invoke_config"]["maximum_event_age_in_seconds"] == 600


def test_check_mode_no_op_reports_no_change(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 1}, check_mode=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is False


@pytest.mark.parametrize(
    "function_name, qualifier, request_",
    [
        ("my-fn", "$LATEST", {"FunctionName": "my-fn", "Qualifier": "$LATEST"}),
        ("my-fn:$LATEST", None, {"FunctionName": "my-fn", "Qualifier": "$LATEST"}),
        ("my-fn:prod", None, {"FunctionName": "my-fn", "Qualifier": "prod"}),
        (ARN + ":7", None, {"FunctionName": ARN, "Qualifier": "7"}),
        ("123456789012:function:my-fn", "prod", {"FunctionName": "123456789012:function:my-fn", "Qualifier": "prod"}),
    ],
)
def test_qualifier_forms_address_the_right_config(stubber, run_module, function_name, qualifier, request_):
    expect_get(stubber, api_config(qualifier=request_["Qualifier"], retry=1), **request_)
    result = run_module(module, {"function_name": function_name, "qualifier": qualifier, "maximum_retry_attempts": 1})
    stubber.assert_no_pending_responses()
    assert result["changed"] is False


def test_unqualified_task_on_latest_config_is_no_change(stubber, run_module):
    # AWS returns the unqualified config as ...:$LATEST; switching forms must not flap.
    expect_get(stubber, api_config(qualifier="$LATEST", retry=2))
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 2})
    assert result["changed"] is False
    assert result["event_invoke_config"]["qualifier"] == "$LATEST"


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"maximum_retry_attempts": 3}, "maximum_retry_attempts must be between 0 and 2"),
        ({"maximum_event_age_in_seconds": 59}, "maximum_event_age_in_seconds must be between 60 and 21600"),
        ({"function_name": "bad name"}, "function_name"),
        ({"qualifier": "bad/qualifier"}, "qualifier"),
        ({"function_name": "my-fn:prod", "qualifier": "dev"}, "differs from qualifier"),
        ({"destination_config": {"on_success": {"destination": "arn:aws:s3:::bucket"}}}, "only as on_failure"),
        (
            {"destination_config": {"on_failure": {"destination": "not-an-arn"}}},
            "destination_config.on_failure.destination",
        ),
        ({"destination_config": {"on_failure": {}}}, "destination"),
        ({"destination_config": {"on_failure": {"destination": SQS, "extra": 1}}}, "extra"),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True])
def test_bad_input_fails_before_any_call(stubber, run_module, args, fragment, check_mode):
    # Nothing is queued: any AWS call would fail the run with a Stubber error instead.
    result = run_module(module, dict({"function_name": "my-fn"}, **args), check_mode=check_mode)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert "Stub" not in result["msg"]
    stubber.assert_no_pending_responses()


def test_absent_state_with_bad_qualifier_fails_before_any_call(stubber, run_module):
    result = run_module(module, {"function_name": "my-fn", "qualifier": "no way", "state": "absent"})
    assert result["failed"] is True
    assert "qualifier" in result["msg"]


def test_nothing_to_set_without_a_config_is_a_clear_error(stubber, run_module):
    expect_get_missing(stubber)
    result = run_module(module, {"function_name": "my-fn"})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "has no event invoke config yet" in result["msg"]


def test_absent_deletes_an_existing_config(stubber, run_module):
    expect_get(stubber, FULL, Qualifier="prod")
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "my-fn", "Qualifier": "prod"})
    result = run_module(module, {"function_name": "my-fn", "qualifier": "prod", "state": "absent"}, diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"] == {}
    assert result["diff"]["before"]["maximum_retry_attempts"] == 1
    assert result["diff"]["after"] == {}


def test_absent_of_a_missing_config_is_no_change(stubber, run_module):
    expect_get_missing(stubber)
    result = run_module(module, {"function_name": "my-fn", "state": "absent"})
    stubber.assert_no_pending_responses()
    assert result == {"changed": False, "event_invoke_config": {}}


def test_absent_in_check_mode_never_deletes(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn", "state": "absent"}, check_mode=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True


def test_absent_when_deleted_between_read_and_delete_succeeds(stubber, run_module):
    expect_get(stubber, FULL)
    stubber.add_client_error(
        "delete_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"FunctionName": "my-fn"},
    )
    result = run_module(module, {"function_name": "my-fn", "state": "absent"})
    assert result["changed"] is True
    assert "failed" not in result


@pytest.mark.parametrize(
    "code, status, message, hint",
    [
        (
            "InvalidParameterValueException",
            400,
            "The function execution role does not have permissions to call SendMessage",
            "execution role may send to it",
        ),
        ("InvalidParameterValueException", 400, "AWS said no", None),
        ("AccessDeniedException", 403, "AWS said no", "not allowed"),
    ],
)
@pytest.mark.parametrize("verb", ["put", "update"])
def test_write_errors_become_actionable_failures(stubber, run_module, code, status, message, hint, verb):
    # A create is a Put, a change of an existing config an Update.
    if verb == "put":
        expect_get_missing(stubber, qualifier="live", Qualifier="live")
    else:
        expect_get(stubber, api_config(qualifier="live", retry=1), Qualifier="live")
    stubber.add_client_error(
        f"{verb}_function_event_invoke_config",
        service_error_code=code,
        http_status_code=status,
        service_message=message,
    )
    result = run_module(
        module,
        {"function_name": "my-fn", "qualifier": "live", "maximum_retry_attempts": 0, "iam_propagation_timeout": 0},
    )
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to {verb} event invoke config of my-fn:live")
    if hint:
        assert hint in result["msg"]
    else:
        assert result["msg"].startswith(f"Failed to {verb} event invoke config of my-fn:live: An error occurred")
    assert message in result["msg"]
    assert result["error"]["code"] == code
    assert "boto3_version" in result


def test_get_errors_other_than_not_found_fail(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config", service_error_code="AccessDeniedException", http_status_code=403
    )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to get event invoke config of my-fn")


def test_throttled_read_is_retried(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config", service_error_code="TooManyRequestsException", http_status_code=429
    )
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 1})
    stubber.assert_no_pending_responses()
    assert result["changed"] is False
    assert stubber.sleeps.call_count == 1


def test_concurrent_update_conflict_is_retried(stubber, run_module):
    expect_get(stubber, FULL)
    for dummy in range(2):
        stubber.add_client_error(
            "update_function_event_invoke_config", service_error_code="ResourceConflictException", http_status_code=409
        )
    expect_update(stubber, api_config(retry=2, age=600, on_success=SNS, on_failure=SQS), MaximumRetryAttempts=2)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 2})
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert stubber.sleeps.call_count == 2


def test_retries_are_bounded(stubber, run_module):
    for dummy in range(7):
        stubber.add_client_error(
            "get_function_event_invoke_config", service_error_code="TooManyRequestsException", http_status_code=429
        )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 1})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "throttling" in result["msg"]
    assert stubber.sleeps.call_count == 6
    assert sum(call.args[0] for call in stubber.sleeps.call_args_list) <= 51


def test_preflight_runs_nothing_on_a_no_op(stubber, run_module):
    expect_get(stubber, FULL)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 1, "validate_destinations": True})
    stubber.assert_no_pending_responses()
    assert result["changed"] is False
    assert set(stubber.services) == {"lambda"}


def test_preflight_failure_in_check_mode_writes_nothing(stubber, run_module):
    expect_get(stubber, FULL)
    stubber.service("sqs").add_client_error(
        "get_queue_url", service_error_code="AWS.SimpleQueueService.NonExistentQueue", http_status_code=400
    )
    stubber.add_response(
        "get_function", {"Configuration": {"Role": "arn:aws:iam::123456789012:role/exec"}}, {"FunctionName": "my-fn"}
    )
    result = run_module(
        module,
        {
            "function_name": "my-fn",
            "validate_destinations": True,
            "destination_config": {"on_failure": {"destination": SQS + "-typo"}},
        },
        check_mode=True,
    )
    for each in stubber.services.values():
        each.assert_no_pending_responses()
    assert result["failed"] is True
    assert SQS + "-typo does not exist" in result["msg"]
    # A destination that does not exist is not also checked for the role's permission.
    assert "may not" not in result["msg"]
    assert "Traceback" not in result.get("exception", "")


def test_preflight_passes_then_writes(stubber, run_module):
    expect_get(stubber, FULL)
    stubber.service("events").add_response("describe_event_bus", {}, {"Name": BUS})
    stubber.add_response("get_function", {"Configuration": {"Role": "arn:aws:iam::123456789012:role/exec"}})
    stubber.service("iam").add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [{"EvalActionName": "events:PutEvents", "EvalDecision": "allowed"}]},
    )
    expect_get(stubber, FULL)  # read again right before the Put
    expect_put(
        stubber,
        api_config(retry=1, age=600, on_failure=BUS),
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=600,
        DestinationConfig=destinations(None, BUS),
    )
    result = run_module(
        module,
        {
            "function_name": "my-fn",
            "validate_destinations": True,
            "destination_config": {"on_failure": {"destination": BUS}},
        },
    )
    for each in stubber.services.values():
        each.assert_no_pending_responses()
    assert result["changed"] is True


PERMISSION_MESSAGE = (
    "The function execution role does not have permissions to call SendMessage on "
    "arn:aws:sqs:us-east-1:123456789012:failed"
)


def test_iam_propagation_is_waited_for(stubber, run_module):
    # Two "does not have permissions" answers while the grant propagates, then success.
    expect_get(stubber, FULL)
    for dummy in range(2):
        stubber.add_client_error(
            "update_function_event_invoke_config",
            service_error_code="InvalidParameterValueException",
            service_message=PERMISSION_MESSAGE,
            http_status_code=400,
        )
    expect_update(stubber, api_config(retry=0, age=600, on_success=SNS, on_failure=SQS), MaximumRetryAttempts=0)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    stubber.assert_no_pending_responses()
    assert result["changed"] is True


def test_iam_propagation_wait_is_bounded_and_named(stubber, run_module, mocker):
    # A fake clock that only the (recorded) sleeps advance: waits of 2, 4 and 8 s fit in
    # 15 s, the next (16 s) would not, so there are four attempts.
    now = [0.0]
    stubber.sleeps.side_effect = lambda seconds: now.__setitem__(0, now[0] + seconds)
    mocker.patch.object(api.time, "monotonic", side_effect=lambda: now[0])
    expect_get(stubber, FULL)
    for dummy in range(4):
        stubber.add_client_error(
            "update_function_event_invoke_config",
            service_error_code="InvalidParameterValueException",
            service_message=PERMISSION_MESSAGE,
            http_status_code=400,
        )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0, "iam_propagation_timeout": 15})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "execution role may send to it" in result["msg"]
    assert "retried for 15 s (iam_propagation_timeout)" in result["msg"]
    assert "does not have permissions to call SendMessage" in result["msg"]
    assert [call.args[0] for call in stubber.sleeps.call_args_list] == [2, 4, 8]


def invalid_destination_answer(stubber):
    stubber.add_client_error(
        "update_function_event_invoke_config",
        service_error_code="InvalidParameterValueException",
        service_message=f"The destination ARN {SQS} is invalid.",
        http_status_code=400,
    )


def test_invalid_destination_that_does_not_exist_fails_at_once(stubber, run_module):
    # AWS's "is invalid" for a destination its own service says does not exist: no wait.
    expect_get(stubber, FULL)
    invalid_destination_answer(stubber)
    stubber.service("sqs").add_client_error(
        "get_queue_url",
        service_error_code="AWS.SimpleQueueService.NonExistentQueue",
        http_status_code=400,
        expected_params={"QueueName": SQS.split(":")[5], "QueueOwnerAWSAccountId": SQS.split(":")[4]},
    )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    for each in stubber.services.values():
        each.assert_no_pending_responses()
    assert result["failed"] is True
    assert f"destination_config.on_failure.destination {SQS} does not exist" in result["msg"]
    assert "retried for" not in result["msg"]
    stubber.sleeps.assert_not_called()


def test_invalid_destination_that_exists_is_waited_for(stubber, run_module):
    # The same answer for a destination that exists: a grant that has not propagated yet.
    expect_get(stubber, FULL)
    invalid_destination_answer(stubber)
    stubber.service("sqs").add_response("get_queue_url", {"QueueUrl": "https://sqs.example/q"})
    expect_update(stubber, api_config(retry=0, age=600, on_success=SNS, on_failure=SQS), MaximumRetryAttempts=0)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    for each in stubber.services.values():
        each.assert_no_pending_responses()
    assert result["changed"] is True
    assert [call.args[0] for call in stubber.sleeps.call_args_list] == [2]  # the queue is read once


def test_iam_propagation_timeout_out_of_range_fails_before_any_call(stubber, run_module):
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0, "iam_propagation_timeout": -1})
    assert result["failed"] is True
    assert "iam_propagation_timeout must be between 0 and 3600" in result["msg"]
