# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The execution-role grants of a task (grant_destinations) around its Lambda writes: a config's
grant read before its write, and the task's end (revoke what no config on
a role needs, each role's policies in the result).

The grant itself (policies, IAM's quota, which configs need what) is execution_role_grant's;
this file only ties it to a task. Only a task with grant_destinations loads either
(event_invoke_config_state.py says why).
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import get_function
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import ConfigGrant
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import confirm_grants
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import revoke_released
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import unqualified_function_arn


def read_grant(client, task_grants, ref, warn=None):
    """The grant of the config at ref (its function's execution role, read with GetFunction: an
    alias's is the role of the version it points to), or None when the function, version or alias
    does not exist. The IAM client is of the function's region, so of its partition."""
    try:
        configuration = get_function(client, ref)["Configuration"]
    except EventInvokeConfigError as e:
        if error_code(e.exception) == "ResourceNotFoundException":
            return None
        raise
    qualified = f"{unqualified_function_arn(configuration['FunctionArn'])}:{ref.qualifier or LATEST}"
    region = ref.region or client.meta.region_name  # a function given by ARN: the ARN's region
    return ConfigGrant(task_grants, configuration["Role"], qualified, region, client, warn)


def report_roles(task_grants, result):
    """Add to a result what the task did to each role (execution_role_policies), in its diff too."""
    roles = [role for role in task_grants.roles.values() if role.changed() or role.kept]
    result["execution_role_policies"] = [role.summary() for role in roles]
    result["changed"] = result.get("changed", False) or any(role.changed() for role in roles)
    changes = [(role.role_arn, role.before, role.documents) for role in roles if role.changed()]
    if not changes:
        return result
    before = {arn: dict(was) for arn, was, dummy in changes}
    after = {arn: {name: held[name] for name in was} for arn, was, held in changes}
    diff = result.setdefault("diff", {"before": {}, "after": {}})
    if isinstance(diff, list):  # a configs task's: one entry more, for the roles
        diff.append({"before": before, "after": after, "before_header": "execution role policies"})
    else:
        diff["before"]["execution_role_policies"] = before
        diff["after"]["execution_role_policies"] = after
    return result


def finish_grants(task_grants, client_for, check_mode, warn, result):
    """The end of a task with grants: revoke what its configs released and no config on the role
    needs, check that no other writer took away what the task granted, and report what the task
    did to each role; a failure there fails the task with the result as it is (the configs
    written, the roles as they now are)."""
    try:
        revoke_released(task_grants, client_for, check_mode, warn)
        confirm_grants(task_grants, check_mode)
    except EventInvokeConfigError as e:
        result["failed"] = True
        failure = f"{e.message}: {e.exception}" if e.exception is not None else e.message
        result["msg"] = "; ".join(filter(None, (result.get("msg"), f"after the Lambda writes: {failure}")))
    return report_roles(task_grants, result)
