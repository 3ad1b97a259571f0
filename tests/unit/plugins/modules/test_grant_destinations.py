# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the IAM and Lambda call sequences, checked with botocore's Stubber (an
extra call, an IAM write in check mode among them, fails the run), and the policy's names."""

import json
import re

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import plan
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import policy_name
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import destinations
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get_missing

ROLE = "arn:aws:iam::123456789012:role/service-role/my-fn-exec"
SQS = "arn:aws:sqs:us-east-1:123456789012:failed"
OTHER_SQS = "arn:aws:sqs:us-east-1:123456789012:failed-too"
BUCKET = "arn:aws:s3:::my-fn-failures"
FOREIGN_BUS = "arn:aws:events:us-east-1:210987654321:event-bus/shared"
POLICY = policy_name(f"{ARN}:$LATEST")


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def expect_role(stubber):
    stubber.add_response(
        "get_function", {"Configuration": {"FunctionArn": ARN, "Role": ROLE}}, {"FunctionName": "my-fn"}
    )


def expect_policy(stubber, held):
    iam = stubber.service("iam")
    request = {"RoleName": "my-fn-exec", "PolicyName": POLICY}
    if held is None:
        iam.add_client_error("get_role_policy", service_error_code="NoSuchEntity", http_status_code=404)
    else:
        iam.add_response(
            "get_role_policy", dict(request, PolicyDocument=json.dumps(held)), request
        )  # botocore decodes the document


def expect_put_policy(stubber, held):
    stubber.service("iam").add_response(
        "put_role_policy",
        {},
        {"RoleName": "my-fn-exec", "PolicyName": POLICY, "PolicyDocument": json.dumps(held)},
    )


def expect_delete_policy(stubber):
    stubber.service("iam").add_response("delete_role_policy", {}, {"RoleName": "my-fn-exec", "PolicyName": POLICY})


def expect_create(stubber, destination, granted):
    """A config created with a fresh grant: no config, the role, no policy yet, the grant, the Put."""
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, None)
    expect_put_policy(stubber, granted)
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(on_failure=destination),
        {"FunctionName": "my-fn", "DestinationConfig": destinations(None, destination)},
    )


def task(on_failure=None, **extra):
    args = {"function_name": "my-fn", "grant_destinations": True}
    if on_failure is not None:
        args["destination_config"] = {"on_failure": {"destination": on_failure}}
    args.update(extra)
    return args


def all_done(stubber):
    for each in stubber.services.values():
        each.assert_no_pending_responses()


def test_policy_names_are_per_config_valid_for_iam_and_distinct():
    names = {
        policy_name(f"{ARN}:$LATEST"),
        policy_name(f"{ARN}:LATEST"),  # an alias named LATEST is another config
        policy_name(f"{ARN}:live"),
        policy_name(f"{ARN}:7"),
        policy_name("arn:aws:lambda:us-west-2:123456789012:function:my-fn:$LATEST"),
        policy_name("arn:aws:lambda:us-east-1:123456789012:function:other-fn:$LATEST"),
    }
    assert len(names) == 6
    long_name = policy_name(f"arn:aws:lambda:us-east-1:123456789012:function:{'f' * 64}:{'a' * 128}")
    for name in names | {long_name}:
        assert re.fullmatch(r"[\w+=,.@-]{1,128}", name)
    assert policy_name(f"{ARN}:live").startswith("event-invoke-config-my-fn-live-")


def test_a_swap_holds_both_destinations_during_the_write_and_the_new_one_after():
    during, after = plan(document(allow("sqs:SendMessage", SQS)), [OTHER_SQS])
    assert during == document(allow("sqs:SendMessage", SQS), allow("sqs:SendMessage", OTHER_SQS))
    assert after == document(allow("sqs:SendMessage", OTHER_SQS))


def test_a_grant_is_made_before_the_create_with_exactly_the_destinations_permissions(stubber, run_module):
    granted = document(allow("s3:ListBucket", BUCKET), allow("s3:PutObject", BUCKET + "/*"))
    expect_create(stubber, BUCKET, granted)
    result = run_module(module, task(BUCKET), diff=True)
    all_done(stubber)
    assert result["changed"] is True
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_name": POLICY, "policy_document": granted}
    assert result["diff"]["before"]["execution_role_grant"]["policy_document"] is None
    assert result["diff"]["after"]["execution_role_grant"]["policy_document"] == granted


def test_check_mode_of_a_create_reads_the_function_once_and_writes_nothing(stubber, run_module):
    # The grant's read of the function also shows that it exists: no second GetFunction.
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, None)
    result = run_module(module, task(SQS), check_mode=True, diff=True)
    all_done(stubber)
    assert result["changed"] is True
    assert result["event_invoke_config"]["destination_config"] == {"on_failure": {"destination": SQS}}
    assert result["execution_role_grant"]["policy_document"] == document(allow("sqs:SendMessage", SQS))


def test_check_mode_of_a_create_for_a_missing_function_fails_as_the_real_run(stubber, run_module):
    expect_get_missing(stubber)
    for dummy in range(2):  # the grant's read, then the read that names what is missing
        stubber.add_client_error("get_function", service_error_code="ResourceNotFoundException", http_status_code=404)
    result = run_module(module, task(SQS), check_mode=True)
    all_done(stubber)
    assert result["failed"] is True
    assert result["msg"] == "Failed to put event invoke config of my-fn: the function my-fn does not exist"


def test_a_rerun_makes_no_iam_and_no_lambda_write(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, document(allow("sqs:SendMessage", SQS)))
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is False


def test_check_mode_writes_nothing_and_shows_the_grant(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, None)
    result = run_module(module, task(SQS), check_mode=True, diff=True)
    all_done(stubber)  # no put_role_policy was stubbed: one would have failed the run
    assert result["changed"] is True
    assert result["diff"]["after"]["execution_role_grant"]["policy_document"] == document(allow("sqs:SendMessage", SQS))


def test_a_grant_missing_on_an_unchanged_config_is_a_change_of_the_grant_alone(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, None)
    expect_put_policy(stubber, document(allow("sqs:SendMessage", SQS)))
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is True


def test_a_swap_grants_the_new_destination_before_the_write_and_revokes_the_old_after(stubber, run_module):
    old, new = allow("sqs:SendMessage", SQS), allow("sqs:SendMessage", OTHER_SQS)
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, document(old))
    expect_put_policy(stubber, document(old, new))
    stubber.add_response(
        "update_function_event_invoke_config",
        api_config(on_failure=OTHER_SQS),
        {"FunctionName": "my-fn", "DestinationConfig": {"OnFailure": {"Destination": OTHER_SQS}}},
    )
    expect_put_policy(stubber, document(new))
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)
    assert result["execution_role_grant"]["policy_document"] == document(new)


def test_removing_the_destinations_deletes_the_policy_after_the_write(stubber, run_module):
    expect_get(stubber, api_config(retry=1, on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, document(allow("sqs:SendMessage", SQS)))
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(retry=1),
        {"FunctionName": "my-fn", "MaximumRetryAttempts": 1, "DestinationConfig": destinations()},
    )
    expect_delete_policy(stubber)
    result = run_module(module, task(destination_config={}))
    all_done(stubber)
    assert result["execution_role_grant"]["policy_document"] is None


def test_absent_deletes_the_config_then_revokes_the_grant(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, document(allow("sqs:SendMessage", SQS)))
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "my-fn"})
    expect_delete_policy(stubber)
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["changed"] is True


def test_absent_again_is_no_change(stubber, run_module):
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, None)
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["changed"] is False


def test_another_accounts_destination_is_granted_on_the_roles_side_with_a_warning(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    expect_create(stubber, FOREIGN_BUS, document(allow("events:PutEvents", FOREIGN_BUS)))
    run_module(module, task(FOREIGN_BUS))
    all_done(stubber)
    messages = [call.args[0] for call in warn.call_args_list]
    assert any(
        f"{FOREIGN_BUS} is in another account" in message and f"must also allow {ROLE}" in message
        for message in messages
    )


@pytest.mark.parametrize(
    "operation, action",
    [("get_role_policy", "iam:GetRolePolicy"), ("put_role_policy", "iam:PutRolePolicy")],
)
def test_a_denied_iam_call_fails_naming_the_action_before_any_lambda_write(stubber, run_module, operation, action):
    expect_get_missing(stubber)
    expect_role(stubber)
    if operation == "put_role_policy":
        expect_policy(stubber, None)
    stubber.service("iam").add_client_error(
        operation,
        service_error_code="AccessDenied",
        service_message=f"User is not authorized to perform: {action} on resource: role my-fn-exec",
        http_status_code=403,
    )
    result = run_module(module, task(SQS))
    all_done(stubber)  # no Lambda write was stubbed: one would have failed with another message
    assert result["failed"] is True
    assert f"({action})" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_without_the_option_nothing_of_the_role_is_read(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    result = run_module(module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": SQS}}})
    all_done(stubber)
    assert result["changed"] is False
    assert "iam" not in stubber.services
    assert "execution_role_grant" not in result


def test_the_write_after_a_fresh_grant_waits_for_iam_to_propagate_it(stubber, run_module):
    # AWS refuses the destination while the new grant propagates: the write is retried.
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, None)
    expect_put_policy(stubber, document(allow("sqs:SendMessage", SQS)))
    stubber.add_client_error(
        "put_function_event_invoke_config",
        service_error_code="InvalidParameterValueException",
        service_message=f"The function execution role does not have permissions to call SendMessage on {SQS}",
        http_status_code=400,
    )
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(on_failure=SQS),
        {"FunctionName": "my-fn", "DestinationConfig": destinations(None, SQS)},
    )
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is True
    assert stubber.sleeps.call_count >= 1
