# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the IAM and Lambda call sequences, checked with botocore's Stubber (an
extra call, an IAM write in check mode among them, fails the run), and the policy's names."""

import json
import re

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import policy_document
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import policy_name
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import policy_size
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
OTHER_FN = "arn:aws:lambda:us-east-1:123456789012:function:other-fn"


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def expect_role(stubber, function_arn=ARN, **request):
    request.setdefault("FunctionName", "my-fn")
    stubber.add_response("get_function", {"Configuration": {"FunctionArn": function_arn, "Role": ROLE}}, request)


def expect_policy(stubber, destination, held):
    """GetRolePolicy of the destination's policy: held is its document, or None (no such policy)."""
    iam = stubber.service("iam")
    request = {"RoleName": "my-fn-exec", "PolicyName": policy_name(destination)}
    if held is None:
        iam.add_client_error("get_role_policy", service_error_code="NoSuchEntity", http_status_code=404)
    else:
        # botocore decodes the document
        iam.add_response("get_role_policy", dict(request, PolicyDocument=json.dumps(held)), request)


def expect_usage(stubber, **held):
    """The quota's read: every inline policy of the role ({name: document}), each read once."""
    iam = stubber.service("iam")
    iam.add_response(
        "list_role_policies", {"PolicyNames": list(held), "IsTruncated": False}, {"RoleName": "my-fn-exec"}
    )
    for name, document in held.items():
        request = {"RoleName": "my-fn-exec", "PolicyName": name}
        iam.add_response("get_role_policy", dict(request, PolicyDocument=json.dumps(document)), request)


def expect_put_policy(stubber, destination):
    stubber.service("iam").add_response(
        "put_role_policy",
        {},
        {
            "RoleName": "my-fn-exec",
            "PolicyName": policy_name(destination),
            "PolicyDocument": json.dumps(policy_document(destination)),
        },
    )


def expect_delete_policy(stubber, destination):
    stubber.service("iam").add_response(
        "delete_role_policy", {}, {"RoleName": "my-fn-exec", "PolicyName": policy_name(destination)}
    )


def expect_configs_on_role(stubber, configs):
    """The revoke's read of who else needs a destination: every version of the region's functions,
    then the configs of those on the role. configs: {function ARN: [API configs]}."""
    versions = [
        {"FunctionName": arn.rsplit(":", 1)[-1], "FunctionArn": f"{arn}:$LATEST", "Version": "$LATEST", "Role": ROLE}
        for arn in configs
    ]
    versions.append(
        {
            "FunctionName": "unrelated",
            "FunctionArn": "x",
            "Version": "$LATEST",
            "Role": "arn:aws:iam::123456789012:role/o",
        }
    )
    stubber.add_response("list_functions", {"Functions": versions}, {"MaxItems": 50, "FunctionVersion": "ALL"})
    for arn, answers in sorted(configs.items()):
        stubber.add_response(
            "list_function_event_invoke_configs",
            {"FunctionEventInvokeConfigs": answers},
            {"FunctionName": arn.rsplit(":", 1)[-1], "MaxItems": 50},
        )


def other_fn_config(on_failure):
    return dict(api_config(on_failure=on_failure), FunctionArn=f"{OTHER_FN}:$LATEST")


def expect_put_config(stubber, destination, **settings):
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(on_failure=destination, **settings),
        {"FunctionName": "my-fn", "DestinationConfig": destinations(None, destination)},
    )


def expect_create(stubber, destination):
    """A config created with a fresh grant: no config, the role, no policy yet, the quota, the grant, the Put."""
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, destination, None)
    expect_usage(stubber)
    expect_put_policy(stubber, destination)
    expect_put_config(stubber, destination)


def task(on_failure=None, **extra):
    args = {"function_name": "my-fn", "grant_destinations": True}
    if on_failure is not None:
        args["destination_config"] = {"on_failure": {"destination": on_failure}}
    args.update(extra)
    return args


def all_done(stubber):
    for each in stubber.services.values():
        each.assert_no_pending_responses()


def test_policy_names_are_per_destination_valid_for_iam_and_distinct():
    names = {
        policy_name(SQS),
        policy_name(OTHER_SQS),
        policy_name("arn:aws:sqs:us-west-2:123456789012:failed"),  # the same queue name in another region
        policy_name("arn:aws:sqs:us-east-1:210987654321:failed"),  # or account
        policy_name(BUCKET),
        policy_name(f"{OTHER_FN}:live"),
        policy_name(FOREIGN_BUS),
    }
    assert len(names) == 7
    long_name = policy_name(f"arn:aws:lambda:us-east-1:123456789012:function:{'f' * 64}:{'a' * 128}")
    for name in names | {long_name}:
        assert re.fullmatch(r"[\w+=,.@-]{1,128}", name)
    assert policy_name(SQS).startswith("event-invoke-config-sqs-failed-")
    assert policy_name(FOREIGN_BUS).startswith("event-invoke-config-events-event-bus-shared-")


def test_a_grant_is_made_before_the_create_with_exactly_the_destinations_permissions(stubber, run_module):
    expect_create(stubber, BUCKET)
    result = run_module(module, task(BUCKET), diff=True)
    all_done(stubber)
    granted = {
        "Version": "2012-10-17",
        "Statement": [allow("s3:ListBucket", BUCKET), allow("s3:PutObject", BUCKET + "/*")],
    }
    assert result["changed"] is True
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_names": [policy_name(BUCKET)]}
    assert result["execution_role_policies"] == [
        {"role_arn": ROLE, "granted": {policy_name(BUCKET): granted}, "revoked": [], "kept": []}
    ]
    assert result["diff"]["before"]["execution_role_policies"] == {ROLE: {policy_name(BUCKET): None}}
    assert result["diff"]["after"]["execution_role_policies"] == {ROLE: {policy_name(BUCKET): granted}}


def test_check_mode_of_a_create_reads_the_function_once_and_writes_nothing(stubber, run_module):
    # The grant's read of the function also shows that it exists: no second GetFunction.
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    result = run_module(module, task(SQS), check_mode=True, diff=True)
    all_done(stubber)
    assert result["changed"] is True
    assert result["event_invoke_config"]["destination_config"] == {"on_failure": {"destination": SQS}}
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): policy_document(SQS)}


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
    expect_policy(stubber, SQS, policy_document(SQS))
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is False
    assert result["execution_role_policies"] == []


OLD_ROLE = "arn:aws:iam::123456789012:role/old-exec"


def expect_versions(stubber, **roles):
    """ListVersionsByFunction of my-fn: {version: role}."""
    versions = [{"FunctionName": "my-fn", "Version": version, "Role": role} for version, role in roles.items()]
    stubber.add_response("list_versions_by_function", {"Versions": versions}, {"FunctionName": ARN, "MaxItems": 50})


def test_a_grant_missing_on_an_unchanged_config_is_a_change_of_the_grant_alone(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    expect_put_policy(stubber, SQS)
    expect_versions(stubber, **{"$LATEST": ROLE})  # no other role had it
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is True


def expect_alias_moved(stubber, alias):
    """live, sending to SQS, now runs version 2 (my-fn-exec, lacking SQS's grant) where version 1 ran
    with old-exec: the new grant, the function's versions, then the read of the configs on old-exec
    (alias: live as ListAliases answers it)."""
    live = api_config(qualifier="live", on_failure=SQS)
    expect_get(stubber, live, Qualifier="live")
    expect_role(stubber, function_arn=f"{ARN}:live", Qualifier="live")
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    expect_put_policy(stubber, SQS)
    expect_versions(stubber, **{"$LATEST": ROLE, "1": OLD_ROLE, "2": ROLE})
    versions = [
        {"FunctionName": "my-fn", "FunctionArn": f"{ARN}:{version}", "Version": version, "Role": role}
        for version, role in (("$LATEST", ROLE), ("1", OLD_ROLE), ("2", ROLE))
    ]
    stubber.add_response("list_functions", {"Functions": versions}, {"MaxItems": 50, "FunctionVersion": "ALL"})
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [live]},
        {"FunctionName": "my-fn", "MaxItems": 50},
    )
    stubber.add_response("list_aliases", {"Aliases": [alias]}, {"FunctionName": "my-fn", "MaxItems": 50})


def test_an_alias_moved_to_a_version_with_another_role_has_its_old_roles_grant_revoked(stubber, run_module):
    # The grant moves with live, and old-exec loses SQS since no config running with it names SQS.
    expect_alias_moved(stubber, {"Name": "live", "FunctionVersion": "2", "AliasArn": f"{ARN}:live"})
    iam = stubber.service("iam")
    old_policy = {"RoleName": "old-exec", "PolicyName": policy_name(SQS)}
    iam.add_response("get_role_policy", dict(old_policy, PolicyDocument=json.dumps(policy_document(SQS))), old_policy)
    iam.add_response("delete_role_policy", {}, old_policy)
    result = run_module(module, task(SQS, qualifier="live"))
    all_done(stubber)
    assert [
        (role["role_arn"], list(role["granted"]), role["revoked"]) for role in result["execution_role_policies"]
    ] == [
        (ROLE, [policy_name(SQS)], []),
        (OLD_ROLE, [], [policy_name(SQS)]),
    ]


def test_a_weighted_alias_still_running_a_version_on_the_old_role_keeps_its_grant_there(stubber, run_module):
    expect_alias_moved(
        stubber, {"Name": "live", "FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.1}}}
    )
    result = run_module(module, task(SQS, qualifier="live"))
    all_done(stubber)  # no delete on old-exec: 10 % of live's events still run with it
    assert result["execution_role_policies"][1] == {
        "role_arn": OLD_ROLE,
        "granted": {},
        "revoked": [],
        "kept": [policy_name(SQS)],
    }


def expect_swap(stubber, others):
    """SQS -> OTHER_SQS: the new grant, the Update, then the read of the configs on the role
    (my-fn's as the task left it; others: {function ARN: [API configs]})."""
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, None)
    expect_usage(stubber, **{policy_name(SQS): policy_document(SQS)})
    expect_put_policy(stubber, OTHER_SQS)
    stubber.add_response(
        "update_function_event_invoke_config",
        api_config(on_failure=OTHER_SQS),
        {"FunctionName": "my-fn", "DestinationConfig": {"OnFailure": {"Destination": OTHER_SQS}}},
    )
    expect_configs_on_role(stubber, dict({ARN: [api_config(on_failure=OTHER_SQS)]}, **others))


def test_a_swap_grants_the_new_destination_before_the_write_and_revokes_the_old_after(stubber, run_module):
    expect_swap(stubber, {})
    expect_delete_policy(stubber, SQS)
    result = run_module(module, task(OTHER_SQS), diff=True)
    all_done(stubber)
    assert result["execution_role_grant"]["policy_names"] == [policy_name(OTHER_SQS)]
    assert result["execution_role_policies"] == [
        {
            "role_arn": ROLE,
            "granted": {policy_name(OTHER_SQS): policy_document(OTHER_SQS)},
            "revoked": [policy_name(SQS)],
            "kept": [],
        }
    ]
    assert result["diff"]["after"]["execution_role_policies"][ROLE] == {
        policy_name(OTHER_SQS): policy_document(OTHER_SQS),
        policy_name(SQS): None,
    }


def test_a_destination_another_config_on_the_role_still_names_is_kept(stubber, run_module):
    # Revoke must be exact: other-fn runs with the same role and still sends to SQS.
    expect_swap(stubber, {OTHER_FN: [other_fn_config(SQS)]})
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)  # no delete_role_policy was stubbed
    assert result["execution_role_policies"][0]["revoked"] == []
    assert result["execution_role_policies"][0]["kept"] == [policy_name(SQS)]


def test_check_mode_of_a_swap_predicts_the_revoke_from_the_config_as_the_task_leaves_it(stubber, run_module):
    # In check mode AWS still holds SQS on my-fn; the prediction counts my-fn as it would be.
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, None)
    expect_usage(stubber, **{policy_name(SQS): policy_document(SQS)})
    expect_configs_on_role(stubber, {ARN: [api_config(on_failure=SQS)]})
    result = run_module(module, task(OTHER_SQS), check_mode=True)
    all_done(stubber)
    assert result["execution_role_policies"][0]["revoked"] == [policy_name(SQS)]


def test_when_the_configs_on_the_role_cannot_be_read_the_grant_is_kept_with_a_warning(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, policy_document(OTHER_SQS))
    stubber.add_response(
        "update_function_event_invoke_config",
        api_config(on_failure=OTHER_SQS),
        {"FunctionName": "my-fn", "DestinationConfig": {"OnFailure": {"Destination": OTHER_SQS}}},
    )
    stubber.add_client_error("list_functions", service_error_code="AccessDeniedException", http_status_code=403)
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)
    assert "failed" not in result
    assert result["execution_role_policies"][0]["kept"] == [policy_name(SQS)]
    assert any(
        f"kept {policy_name(SQS)} on {ROLE}" in call.args[0] and "AccessDeniedException" in call.args[0]
        for call in warn.call_args_list
    )


def test_removing_the_destinations_revokes_the_policy_after_the_write(stubber, run_module):
    expect_get(stubber, api_config(retry=1, on_failure=SQS))
    expect_role(stubber)
    expect_get(stubber, api_config(retry=1, on_failure=SQS))  # read again right before the Put
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(retry=1),
        {"FunctionName": "my-fn", "MaximumRetryAttempts": 1, "DestinationConfig": destinations()},
    )
    expect_configs_on_role(stubber, {ARN: [api_config(retry=1)]})
    expect_policy(stubber, SQS, policy_document(SQS))
    expect_delete_policy(stubber, SQS)
    result = run_module(module, task(destination_config={}))
    all_done(stubber)
    assert result["execution_role_grant"]["policy_names"] == []
    assert result["execution_role_policies"][0]["revoked"] == [policy_name(SQS)]


def test_absent_deletes_the_config_then_revokes_the_grant(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "my-fn"})
    expect_configs_on_role(stubber, {ARN: []})
    expect_policy(stubber, SQS, policy_document(SQS))
    expect_delete_policy(stubber, SQS)
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["changed"] is True
    assert result["execution_role_policies"][0]["revoked"] == [policy_name(SQS)]


def test_absent_again_is_no_change_and_reads_nothing_of_the_role(stubber, run_module):
    expect_get_missing(stubber)
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["changed"] is False
    assert "iam" not in stubber.services


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_grant_that_would_exceed_iams_quota_fails_before_any_write_naming_it(stubber, run_module, check_mode):
    # The role holds other inline policies of 10,200 characters: the queue's 121 do not fit.
    big = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "arn:aws:s3:::b/" + "k" * 10090)]}
    assert policy_size(big) == 10200
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber, legacy=big)
    result = run_module(module, task(SQS), check_mode=check_mode)
    all_done(stubber)  # no IAM nor Lambda write was stubbed
    needed = policy_size(policy_document(SQS))
    assert result["failed"] is True
    assert result["msg"] == (
        f"Failed to grant the execution role {ROLE} {SQS} (grant_destinations): IAM allows 10240 characters of "
        f"inline policies per role (whitespace not counted); the role holds 10200 in 1 inline policies and this "
        f"grant needs {needed} more. Nothing was written for this config; grant these destinations with a managed "
        "policy, or give the functions more than one role"
    )


def test_another_accounts_destination_is_granted_on_the_roles_side_with_a_warning(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    expect_create(stubber, FOREIGN_BUS)
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
        expect_policy(stubber, SQS, None)
        expect_usage(stubber)
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
    assert result.get("changed", False) is False  # nothing was written


def test_a_lambda_write_that_fails_after_the_grant_reports_the_grant_written(stubber, run_module):
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    expect_put_policy(stubber, SQS)
    stubber.add_client_error(
        "put_function_event_invoke_config",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: lambda:PutFunctionEventInvokeConfig",
        http_status_code=403,
    )
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["failed"] is True
    assert result["changed"] is True  # the role was written
    assert result["event_invoke_config"] == {}  # as AWS holds it: no config
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_names": []}
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): policy_document(SQS)}
    assert result["error"]["code"] == "AccessDeniedException"


def test_an_update_that_finds_the_config_gone_says_the_grant_was_written(stubber, run_module):
    expect_get(stubber, api_config(retry=1))
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    expect_put_policy(stubber, SQS)
    stubber.add_client_error(
        "update_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        service_message=f"The function {ARN}:$LATEST doesn't have an EventInvokeConfig",
        http_status_code=404,
    )
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["failed"] is True
    assert result["changed"] is True
    assert "the config was not written, the execution role's grant was (see execution_role_grant)" in result["msg"]
    assert "nothing was written" not in result["msg"]


def test_a_revoke_that_fails_after_the_lambda_write_reports_the_config_written(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "my-fn"})
    expect_configs_on_role(stubber, {ARN: []})
    expect_policy(stubber, SQS, policy_document(SQS))
    stubber.service("iam").add_client_error(
        "delete_role_policy",
        service_error_code="AccessDenied",
        service_message="User is not authorized to perform: iam:DeleteRolePolicy",
        http_status_code=403,
    )
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["failed"] is True
    assert result["changed"] is True  # the config was deleted
    assert result["event_invoke_config"] == {}
    assert result["msg"].startswith(
        "after the Lambda writes: Failed to revoke the execution role's grant of a destination (iam:DeleteRolePolicy)"
    )
    assert result["execution_role_policies"] == []  # nothing of the role was changed


def test_without_the_option_nothing_of_the_role_is_read(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    result = run_module(module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": SQS}}})
    all_done(stubber)
    assert result["changed"] is False
    assert "iam" not in stubber.services
    assert "execution_role_grant" not in result
    assert "execution_role_policies" not in result


def test_the_iam_client_is_of_the_functions_region_so_of_its_partition(stubber, run_module):
    function = "arn:aws-cn:lambda:cn-north-1:123456789012:function:my-fn"
    expect_get(stubber, dict(api_config(on_failure=SQS), FunctionArn=function + ":$LATEST"), FunctionName=function)
    expect_role(stubber, function_arn=function, FunctionName=function)
    expect_policy(stubber, SQS, policy_document(SQS))
    run_module(module, task(SQS, function_name=function))
    all_done(stubber)
    assert ("iam", "cn-north-1") in stubber.regions


def test_the_write_after_a_fresh_grant_waits_for_iam_to_propagate_it(stubber, run_module):
    # AWS refuses the destination while the new grant propagates: the write is retried.
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber)
    expect_put_policy(stubber, SQS)
    stubber.add_client_error(
        "put_function_event_invoke_config",
        service_error_code="InvalidParameterValueException",
        service_message=f"The function execution role does not have permissions to call SendMessage on {SQS}",
        http_status_code=400,
    )
    expect_put_config(stubber, SQS)
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is True
    assert stubber.sleeps.call_count >= 1


def test_with_validate_destinations_a_permissions_boundary_fails_before_any_write(stubber, run_module):
    # The grant could not lift it: without the simulation the write waited out iam_propagation_timeout.
    expect_get_missing(stubber)
    expect_role(stubber)  # the grant's read of the role
    sqs = stubber.service("sqs")
    sqs.add_response(
        "get_queue_url", {"QueueUrl": "https://q"}, {"QueueName": "failed", "QueueOwnerAWSAccountId": "123456789012"}
    )
    sqs.add_response(
        "get_queue_attributes", {"Attributes": {}}, {"QueueUrl": "https://q", "AttributeNames": ["KmsMasterKeyId"]}
    )
    expect_role(stubber)  # the preflight's
    stubber.service("iam").add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {
                    "EvalActionName": "sqs:SendMessage",
                    "EvalDecision": "implicitDeny",
                    "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False},
                }
            ]
        },
        {
            "PolicySourceArn": ROLE,
            "ActionNames": ["sqs:SendMessage"],
            "ResourceArns": [SQS],
            "PolicyInputList": [json.dumps(policy_document(SQS))],
        },
    )
    result = run_module(module, task(SQS, validate_destinations=True), check_mode=False)
    all_done(stubber)  # no IAM nor Lambda write was stubbed
    assert result["failed"] is True
    assert "even with the grant (the role's permissions boundary does not allow it)" in result["msg"]
