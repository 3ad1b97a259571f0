# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the IAM and Lambda call sequences, checked with botocore's Stubber (an
extra call, an IAM write in check mode among them, fails the run), and the policies' names."""

import json
import re

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import destination_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import grant_document
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import policy_size
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import service_policy_name
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import destinations
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import expect_get_missing
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import legacy_policy_name

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


def policy_name(destination):
    """The merged policy that grants a destination: its service's."""
    return service_policy_name(destination.split(":")[2])


def granted(*destinations):
    return grant_document(set(destinations))


def expect_read(stubber, name, held, role="my-fn-exec"):
    """GetRolePolicy of name: held is its document, or None (no such policy)."""
    iam = stubber.service("iam")
    request = {"RoleName": role, "PolicyName": name}
    if held is None:
        iam.add_client_error("get_role_policy", service_error_code="NoSuchEntity", http_status_code=404)
    else:
        # botocore decodes the document
        iam.add_response("get_role_policy", dict(request, PolicyDocument=json.dumps(held)), request)


def expect_policy(stubber, destination, held):
    """The read of the merged policy of the destination's service: held is its document, or None."""
    expect_read(stubber, policy_name(destination), held)


def expect_usage(stubber, *read, **held):
    """The quota's read: every inline policy of the role (read: names read already; held: {name:
    document} of the others, each read once)."""
    iam = stubber.service("iam")
    iam.add_response(
        "list_role_policies",
        {"PolicyNames": sorted(set(read) | set(held)), "IsTruncated": False},
        {"RoleName": "my-fn-exec"},
    )
    for name, document in sorted(held.items()):
        expect_read(stubber, name, document)


def expect_put_policy(stubber, *destinations, fresh=None, name=None):
    """A put of the merged policy granting destinations, after its read just before (fresh)."""
    name = name or policy_name(destinations[0])
    expect_read(stubber, name, fresh)
    stubber.service("iam").add_response(
        "put_role_policy",
        {},
        {"RoleName": "my-fn-exec", "PolicyName": name, "PolicyDocument": json.dumps(granted(*destinations))},
    )


def expect_confirm(stubber, *destinations):
    """The end of the task: the merged policy put is read again and still grants destinations."""
    expect_read(stubber, policy_name(destinations[0]), granted(*destinations))


def expect_delete_policy(stubber, name, fresh):
    expect_read(stubber, name, fresh)
    stubber.service("iam").add_response("delete_role_policy", {}, {"RoleName": "my-fn-exec", "PolicyName": name})


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
    """A config created with a fresh grant: no config, the role, no merged policy yet, the quota,
    the grant (read again just before its put), the Put, then the end of the task's read."""
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, destination, None)
    expect_usage(stubber)
    expect_put_policy(stubber, destination)
    expect_put_config(stubber, destination)
    expect_confirm(stubber, destination)


def task(on_failure=None, **extra):
    args = {"function_name": "my-fn", "grant_destinations": True}
    if on_failure is not None:
        args["destination_config"] = {"on_failure": {"destination": on_failure}}
    args.update(extra)
    return args


def all_done(stubber):
    for each in stubber.services.values():
        each.assert_no_pending_responses()


def role_change(policies=None, deleted=(), role_arn=ROLE, granted=(), revoked=(), kept=()):
    """An entry of execution_role_policies: the policies put and deleted, the destinations granted,
    revoked and kept."""
    return {
        "role_arn": role_arn,
        "granted": policies or {},
        "revoked": list(deleted),
        "granted_destinations": list(granted),
        "revoked_destinations": list(revoked),
        "kept_destinations": list(kept),
    }


def test_policy_names_are_one_per_service_and_valid_for_iam():
    names = {policy_name(arn) for arn in (SQS, OTHER_SQS, BUCKET, f"{OTHER_FN}:live", FOREIGN_BUS)}
    assert names == {
        "event-invoke-config-destinations-sqs",
        "event-invoke-config-destinations-s3",
        "event-invoke-config-destinations-lambda",
        "event-invoke-config-destinations-events",
    }
    for name in names:
        assert re.fullmatch(r"[\w+=,.@-]{1,128}", name)


def test_a_grant_is_made_before_the_create_with_exactly_the_destinations_permissions(stubber, run_module):
    expect_create(stubber, BUCKET)
    result = run_module(module, task(BUCKET), diff=True)
    all_done(stubber)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [BUCKET]},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": [BUCKET + "/*"]},
        ],
    }
    assert granted(BUCKET) == document
    assert result["changed"] is True
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_names": [policy_name(BUCKET)]}
    assert result["execution_role_policies"] == [role_change({policy_name(BUCKET): document}, granted=[BUCKET])]
    assert result["diff"]["before"]["execution_role_policies"] == {ROLE: {policy_name(BUCKET): None}}
    assert result["diff"]["after"]["execution_role_policies"] == {ROLE: {policy_name(BUCKET): document}}


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
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): granted(SQS)}


def test_check_mode_of_a_create_for_a_missing_function_fails_as_the_real_run(stubber, run_module):
    expect_get_missing(stubber)
    for dummy in range(2):  # the grant's read, then the read that names what is missing
        stubber.add_client_error("get_function", service_error_code="ResourceNotFoundException", http_status_code=404)
    result = run_module(module, task(SQS), check_mode=True)
    all_done(stubber)
    assert result["failed"] is True
    assert result["msg"] == "Failed to put event invoke config of my-fn: the function my-fn does not exist"
    assert result["error"]["code"] == "ResourceNotFoundException"


def test_a_rerun_reads_one_policy_and_makes_no_iam_and_no_lambda_write(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, SQS, granted(SQS, OTHER_SQS))
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["changed"] is False
    assert result["execution_role_policies"] == []
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_names": [policy_name(SQS)]}


def legacy_role(*destinations):
    """The inline policies earlier builds gave a role: one per destination."""
    return {legacy_policy_name(arn): destination_policy(arn) for arn in destinations}


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_role_of_per_destination_policies_is_migrated_on_the_next_run(stubber, run_module, check_mode):
    # A rerun of an unchanged config on a role an earlier build granted: both destinations move into
    # the merged policy (put first), then the per-destination policies are deleted.
    legacy = legacy_role(SQS, OTHER_SQS)
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber, **legacy)
    if not check_mode:
        expect_put_policy(stubber, SQS, OTHER_SQS)
        for name, document in sorted(legacy.items()):
            expect_delete_policy(stubber, name, document)
        expect_confirm(stubber, SQS, OTHER_SQS)
    result = run_module(module, task(SQS), check_mode=check_mode, diff=True)
    all_done(stubber)
    assert result["changed"] is True
    assert result["execution_role_policies"] == [
        role_change({policy_name(SQS): granted(SQS, OTHER_SQS)}, deleted=sorted(legacy))
    ]  # moved, neither granted nor revoked
    assert result["execution_role_grant"] == {"role_arn": ROLE, "policy_names": [policy_name(SQS)]}
    assert result["diff"]["after"]["execution_role_policies"][ROLE] == dict(
        {name: None for name in legacy}, **{policy_name(SQS): granted(SQS, OTHER_SQS)}
    )


def test_a_destination_granted_by_another_policy_of_the_role_is_granted_again_in_the_merged_one(stubber, run_module):
    # Only the collection's own policies count: a grant in a policy someone else wrote may go any time.
    theirs = {"Version": "2012-10-17", "Statement": [allow("sqs:SendMessage", SQS)]}
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber, team=theirs)
    expect_put_policy(stubber, SQS)
    expect_versions(stubber, **{"$LATEST": ROLE})
    expect_confirm(stubber, SQS)
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["execution_role_policies"] == [role_change({policy_name(SQS): granted(SQS)}, granted=[SQS])]


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
    expect_confirm(stubber, SQS)
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
    iam.add_response(
        "list_role_policies", {"PolicyNames": [policy_name(SQS)], "IsTruncated": False}, {"RoleName": "old-exec"}
    )
    for dummy in range(2):  # the revoke's read, then the read just before the delete
        expect_read(stubber, policy_name(SQS), granted(SQS), role="old-exec")
    iam.add_response("delete_role_policy", {}, {"RoleName": "old-exec", "PolicyName": policy_name(SQS)})
    expect_confirm(stubber, SQS)
    result = run_module(module, task(SQS, qualifier="live"))
    all_done(stubber)
    assert [
        (role["role_arn"], list(role["granted"]), role["revoked"], role["revoked_destinations"])
        for role in result["execution_role_policies"]
    ] == [
        (ROLE, [policy_name(SQS)], [], []),
        (OLD_ROLE, [], [policy_name(SQS)], [SQS]),
    ]


def test_a_weighted_alias_still_running_a_version_on_the_old_role_keeps_its_grant_there(stubber, run_module):
    expect_alias_moved(
        stubber, {"Name": "live", "FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.1}}}
    )
    expect_confirm(stubber, SQS)
    result = run_module(module, task(SQS, qualifier="live"))
    all_done(stubber)  # nothing read or written on old-exec: 10 % of live's events still run with it
    assert result["execution_role_policies"][1] == role_change(role_arn=OLD_ROLE, kept=[SQS])


def expect_swap(stubber, others):
    """SQS -> OTHER_SQS: the new grant, the Update, then the read of the configs on the role
    (my-fn's as the task left it; others: {function ARN: [API configs]})."""
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, granted(SQS))
    expect_usage(stubber, policy_name(SQS))
    expect_put_policy(stubber, SQS, OTHER_SQS, fresh=granted(SQS))
    stubber.add_response(
        "update_function_event_invoke_config",
        api_config(on_failure=OTHER_SQS),
        {"FunctionName": "my-fn", "DestinationConfig": {"OnFailure": {"Destination": OTHER_SQS}}},
    )
    expect_configs_on_role(stubber, dict({ARN: [api_config(on_failure=OTHER_SQS)]}, **others))


def test_a_swap_grants_the_new_destination_before_the_write_and_revokes_the_old_after(stubber, run_module):
    expect_swap(stubber, {})
    expect_put_policy(stubber, OTHER_SQS, fresh=granted(SQS, OTHER_SQS))
    expect_confirm(stubber, OTHER_SQS)
    result = run_module(module, task(OTHER_SQS), diff=True)
    all_done(stubber)
    assert result["execution_role_grant"]["policy_names"] == [policy_name(OTHER_SQS)]
    assert result["execution_role_policies"] == [
        role_change({policy_name(SQS): granted(OTHER_SQS)}, granted=[OTHER_SQS], revoked=[SQS])
    ]
    assert result["diff"]["before"]["execution_role_policies"][ROLE] == {policy_name(SQS): granted(SQS)}
    assert result["diff"]["after"]["execution_role_policies"][ROLE] == {policy_name(SQS): granted(OTHER_SQS)}


def test_a_destination_another_config_on_the_role_still_names_is_kept(stubber, run_module):
    # Revoke must be exact: other-fn runs with the same role and still sends to SQS.
    expect_swap(stubber, {OTHER_FN: [other_fn_config(SQS)]})
    expect_confirm(stubber, SQS, OTHER_SQS)
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)  # no second put
    assert result["execution_role_policies"][0]["revoked_destinations"] == []
    assert result["execution_role_policies"][0]["kept_destinations"] == [SQS]


def test_a_revoke_lays_its_removal_over_what_another_writer_added_meanwhile(stubber, run_module):
    # Between the task's first read and its revoke, another task granted BUCKET's neighbour queue.
    third = "arn:aws:sqs:us-east-1:123456789012:third"
    expect_swap(stubber, {})
    expect_put_policy(stubber, OTHER_SQS, third, fresh=granted(SQS, OTHER_SQS, third))
    expect_confirm(stubber, OTHER_SQS, third)
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): granted(OTHER_SQS, third)}


def test_check_mode_of_a_swap_predicts_the_revoke_from_the_config_as_the_task_leaves_it(stubber, run_module):
    # In check mode AWS still holds SQS on my-fn; the prediction counts my-fn as it would be.
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, granted(SQS))
    expect_usage(stubber, policy_name(SQS))
    expect_configs_on_role(stubber, {ARN: [api_config(on_failure=SQS)]})
    result = run_module(module, task(OTHER_SQS), check_mode=True)
    all_done(stubber)
    assert result["execution_role_policies"][0]["revoked_destinations"] == [SQS]
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): granted(OTHER_SQS)}


def test_when_the_configs_on_the_role_cannot_be_read_the_grant_is_kept_with_a_warning(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    expect_policy(stubber, OTHER_SQS, granted(SQS, OTHER_SQS))
    stubber.add_response(
        "update_function_event_invoke_config",
        api_config(on_failure=OTHER_SQS),
        {"FunctionName": "my-fn", "DestinationConfig": {"OnFailure": {"Destination": OTHER_SQS}}},
    )
    stubber.add_client_error("list_functions", service_error_code="AccessDeniedException", http_status_code=403)
    result = run_module(module, task(OTHER_SQS))
    all_done(stubber)
    assert "failed" not in result
    assert result["execution_role_policies"][0]["kept_destinations"] == [SQS]
    assert any(
        f"kept the grants of {SQS} on {ROLE}" in call.args[0] and "AccessDeniedException" in call.args[0]
        for call in warn.call_args_list
    )


def test_removing_the_destinations_revokes_the_grant_after_the_write(stubber, run_module):
    expect_get(stubber, api_config(retry=1, on_failure=SQS))
    expect_role(stubber)
    expect_get(stubber, api_config(retry=1, on_failure=SQS))  # read again right before the Put
    stubber.add_response(
        "put_function_event_invoke_config",
        api_config(retry=1),
        {"FunctionName": "my-fn", "MaximumRetryAttempts": 1, "DestinationConfig": destinations()},
    )
    expect_configs_on_role(stubber, {ARN: [api_config(retry=1)]})
    expect_usage(stubber, **{policy_name(SQS): granted(SQS)})
    expect_delete_policy(stubber, policy_name(SQS), granted(SQS))
    result = run_module(module, task(destination_config={}))
    all_done(stubber)
    assert result["execution_role_grant"]["policy_names"] == []
    assert result["execution_role_policies"] == [role_change(deleted=[policy_name(SQS)], revoked=[SQS])]


def test_absent_deletes_the_config_then_revokes_the_grant(stubber, run_module):
    expect_get(stubber, api_config(on_failure=SQS))
    expect_role(stubber)
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "my-fn"})
    expect_configs_on_role(stubber, {ARN: []})
    expect_usage(stubber, **{policy_name(SQS): granted(SQS, OTHER_SQS)})
    expect_put_policy(stubber, OTHER_SQS, fresh=granted(SQS, OTHER_SQS))
    result = run_module(module, task(state="absent"))
    all_done(stubber)  # OTHER_SQS was in the policy, not in the task's configs: nothing to confirm
    assert result["changed"] is True
    assert result["execution_role_policies"][0]["revoked_destinations"] == [SQS]


def test_absent_again_is_no_change_and_reads_nothing_of_the_role(stubber, run_module):
    expect_get_missing(stubber)
    result = run_module(module, task(state="absent"))
    all_done(stubber)
    assert result["changed"] is False
    assert "iam" not in stubber.services


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_grant_that_would_exceed_iams_quota_fails_before_any_write_naming_it(stubber, run_module, check_mode):
    # The role holds another inline policy of 10,200 characters: the queue's grant does not fit.
    big = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "arn:aws:s3:::b/" + "k" * 10090)]}
    assert policy_size(big) == 10200
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber, legacy=big)
    result = run_module(module, task(SQS), check_mode=check_mode)
    all_done(stubber)  # no IAM nor Lambda write was stubbed
    needed = policy_size(granted(SQS))
    assert result["failed"] is True
    assert result["msg"] == (
        f"Failed to grant the execution role {ROLE} {SQS} (grant_destinations): IAM allows 10240 characters of "
        f"inline policies per role (whitespace not counted); the role holds 10200 in 1 inline policies, this "
        f"collection's grants of 0 destinations among them, leaving 40, and this destination needs {needed}. "
        "Nothing was granted for this config; grant further destinations with a managed policy, or give the "
        "functions more than one role"
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
        expect_policy(stubber, SQS, None)  # the read just before the put
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
    assert result["error"]["code"] == "AccessDenied"


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
    assert result["execution_role_policies"][0]["granted"] == {policy_name(SQS): granted(SQS)}
    assert result["execution_role_policies"][0]["granted_destinations"] == [SQS]
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
    expect_usage(stubber, **{policy_name(SQS): granted(SQS)})
    expect_policy(stubber, SQS, granted(SQS))  # the read just before the delete
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
        "after the Lambda writes: Failed to revoke the execution role's grants (iam:DeleteRolePolicy)"
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
    expect_policy(stubber, SQS, granted(SQS))
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
    expect_confirm(stubber, SQS)
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
            "PolicyInputList": [json.dumps(destination_policy(SQS))],
        },
    )
    result = run_module(module, task(SQS, validate_destinations=True), check_mode=False)
    all_done(stubber)  # no IAM nor Lambda write was stubbed
    assert result["failed"] is True
    assert "even with the grant (the role's permissions boundary does not allow it)" in result["msg"]


def test_an_execution_role_that_does_not_exist_fails_naming_iams_answer(stubber, run_module):
    # The function names a role deleted since: every read of it answers NoSuchEntity (a missing
    # role lists as no policy), and the grant's put fails with IAM's answer, before any Lambda write.
    expect_get_missing(stubber)
    expect_role(stubber)
    iam = stubber.service("iam")
    expect_policy(stubber, SQS, None)
    iam.add_client_error("list_role_policies", service_error_code="NoSuchEntity", http_status_code=404)
    expect_policy(stubber, SQS, None)  # the read just before the put
    iam.add_client_error(
        "put_role_policy",
        service_error_code="NoSuchEntity",
        service_message="The role with name my-fn-exec cannot be found.",
        http_status_code=404,
    )
    result = run_module(module, task(SQS))
    all_done(stubber)
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to grant the execution role its destinations (iam:PutRolePolicy)")
    assert "The role with name my-fn-exec cannot be found." in result["msg"]
    assert result["error"]["code"] == "NoSuchEntity"
    assert result.get("changed", False) is False


def test_a_grant_refused_after_the_role_was_migrated_reports_the_migration_written(stubber, run_module):
    # The role holds an earlier build's policy of BUCKET: the plan folds it into the S3 policy (written),
    # then IAM refuses the SQS policy. The failure says what was written of the role.
    legacy = legacy_role(BUCKET)
    expect_get_missing(stubber)
    expect_role(stubber)
    expect_policy(stubber, SQS, None)
    expect_usage(stubber, **legacy)
    expect_put_policy(stubber, BUCKET)
    for name, document in legacy.items():
        expect_delete_policy(stubber, name, document)
    expect_policy(stubber, SQS, None)  # the read just before the put
    stubber.service("iam").add_client_error(
        "put_role_policy",
        service_error_code="AccessDenied",
        service_message="User is not authorized to perform: iam:PutRolePolicy",
        http_status_code=403,
    )
    result = run_module(module, task(SQS))
    all_done(stubber)  # no Lambda write was stubbed
    assert result["failed"] is True
    assert "(iam:PutRolePolicy)" in result["msg"]
    assert result["changed"] is True  # the role was written
    assert result["execution_role_policies"] == [
        role_change({policy_name(BUCKET): granted(BUCKET)}, deleted=sorted(legacy))
    ]
