# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The execution-role grants of a task (grant_destinations) around its Lambda writes: a config's
grant read before its write, and the task's end (revoke what no config on a role needs, check that
no other writer took away what the task granted, each role's policies in the result).

The grant itself (policies, IAM's quota, which configs need what) is role_grant's and policies';
this file ties it to a task, as the core's TaskFeatures.grants (_config/state.py).
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import unless_missing
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import get_function
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.role_configs import configs_on_role
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.role_grant import ConfigGrant
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.role_grant import TaskGrants


def read_grant(client, task_grants, ref, warn=None):
    """The grant of the config at ref (its function's execution role, read with GetFunction: an
    alias's is the role of the version it points to), or None when the function, version or alias
    does not exist. The IAM client is of the function's region, so of its partition."""
    function = unless_missing(get_function, client, ref)
    if function is None:
        return None
    configuration = function["Configuration"]
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


def revoke_released(task_grants, client_for, check_mode, warn):
    """End of a task: on each role, revoke the destinations the task's configs stopped naming that
    no config on the role still names (the task's own configs as the task leaves them). When the
    configs on a role cannot be read, its grants are kept and a warning says so."""
    for role in task_grants.roles.values():
        if not role.released:
            continue
        try:
            configs = configs_on_role(role, client_for)
        except EventInvokeConfigError as e:
            if error_code(e.exception) is None:
                raise  # not AWS's answer (no credentials, a bug): the task fails, naming it
            kept = sorted(role.released)
            role.kept += kept
            role.released = set()
            warn(
                f"grant_destinations kept the grants of {', '.join(kept)} on {role.role_arn}: could not read which "
                f"configs on the role still need them ({e.message}: {error_code(e.exception) or e.exception})"
            )
            continue
        configs.update(role.configs)
        role.revoke_unneeded({arn for destinations in configs.values() for arn in destinations}, check_mode)


def confirm_grants(task_grants, check_mode):
    """End of a task: each role's policies the task put still grant its configs' destinations
    (another writer's put may have replaced them: put back once, then the task fails)."""
    for role in task_grants.roles.values():
        role.confirm(check_mode)


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


class DestinationGrants:
    """The grants of one task, as the core's TaskFeatures.grants: the execution roles' TaskGrants,
    each config's grant read before its write, the task's end."""

    def __init__(self, client_for):
        self.task_grants = TaskGrants(lambda region: client_for("iam", region))

    def read(self, client, ref, warn):
        return read_grant(client, self.task_grants, ref, warn)

    def changed(self):
        return any(role.changed() for role in self.task_grants.roles.values())

    def report(self, result):
        return report_roles(self.task_grants, result)

    def finish(self, client_for, check_mode, warn, result):
        return finish_grants(self.task_grants, client_for, check_mode, warn, result)


def asks_grants(params):
    """Whether a task (its top level or an item of configs) asks grant_destinations."""
    return bool(params.get("grant_destinations")) or any(
        item.get("grant_destinations") for item in params.get("configs") or []
    )
