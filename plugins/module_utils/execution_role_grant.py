# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the function's execution role gets exactly what the destinations of its
configs need, as AWS CDK, SAM and the Serverless Framework grant it, within IAM's quota.

IAM allows 10,240 characters (whitespace not counted) of inline policies per role, all of them
together, and one role often serves hundreds of functions. So a grant belongs to a role and a
destination, not to a config: the role holds one inline policy per destination, named from the
destination's ARN, with the permissions of its kind (destination_kinds) on exactly that
destination, never a wildcard resource. A thousand configs that send to one queue share one
policy of about 130 characters; a role has room for about 75 distinct destinations. A policy
per destination, rather than one document that every config edits, also means that two tasks
granting two destinations on one role never overwrite each other's grant (IAM has no
conditional write).

Granting is idempotent: a destination's policy is put when the role does not hold it, after a
check that the role's inline policies then still fit IAM's quota (an error naming the quota and
the role's usage otherwise, in check mode too). Revoking must never take away what another
config needs: a destination a config stops naming is revoked at the end of the task, once per
role, only when no config of any function that runs with the role still names it (read from
Lambda: ListFunctions of every version, then the configs of the functions on the role, the
task's own configs as the task leaves them). When that cannot be read, the policy is kept, with
a warning. KMS keys are not granted: a key's own policy must allow the role as well, which a
role policy cannot do; the preflight warns of them (validate_destinations).

Everything about one role goes through its RoleGrant, under its lock: the items of a configs
task that share a role read it once and write it one after the other. TaskGrants holds the
RoleGrants of a task; it is shared by the task's threads.
"""

import hashlib
import json
import re
import threading

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_kinds import statements_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import from_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_aliases
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    list_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_versions
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import qualifier_from_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import role_name
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils.throttling import iam_retry

POLICY_PREFIX = "event-invoke-config-"
_POLICY_NAME_MAX = 128  # IAM's limit for an inline policy name
_NOT_IN_A_POLICY_NAME = re.compile(r"[^\w+=,.@-]+")
POLICY_VERSION = "2012-10-17"
# IAM's quota of inline policy characters per role, all its inline policies together, whitespace
# not counted (IAM and STS quotas: "Role policy size"); beyond it PutRolePolicy answers
# LimitExceeded "Maximum policy size of 10240 bytes exceeded for role NAME".
ROLE_INLINE_POLICY_QUOTA = 10240


def policy_name(destination):
    """The name of the inline policy that grants a role the destination ARN: readable (the
    destination's service and resource) and unique (a digest of the whole ARN, which holds its
    partition, region and account)."""
    parts = parse_arn(destination)
    readable = _NOT_IN_A_POLICY_NAME.sub("-", f"{parts.service}-{parts.resource}")
    digest = hashlib.sha256(destination.encode("utf-8")).hexdigest()[:12]
    room = _POLICY_NAME_MAX - len(POLICY_PREFIX) - len(digest) - 1
    return f"{POLICY_PREFIX}{readable[:room]}-{digest}"


def policy_document(destination):
    """The policy that lets a role send to one destination."""
    return {"Version": POLICY_VERSION, "Statement": statements_for(destination)}


def policy_size(document):
    """A policy's size as IAM counts it against the role's quota: its JSON without whitespace."""
    if document is None:
        return 0
    return len(re.sub(r"\s+", "", json.dumps(document, separators=(",", ":"))))


def statements_of(document):
    """The statements of a policy document (as IAM returns it: a single statement may be a dict)."""
    if not document:
        return []
    statements = document.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def same_policy(one, other):
    """Whether two policy documents grant the same statements (their order aside)."""

    def key(statement):
        return sorted((name, str(value)) for name, value in statement.items())

    if (one is None) != (other is None):
        return False
    return sorted(map(key, statements_of(one))) == sorted(map(key, statements_of(other)))


def other_account_destinations(role_arn, destinations):
    """Destinations in another account than the role's: their resource policy must allow it too."""
    account = parse_arn(role_arn).account
    return [arn for arn in destinations if parse_arn(arn).account not in (None, account)]


def quota_error(role_arn, used, count, destination, needed):
    """The failure of a grant that IAM would refuse with LimitExceeded, before any write."""
    return EventInvokeConfigError(
        message=(
            f"Failed to grant the execution role {role_arn} {destination} (grant_destinations): IAM allows "
            f"{ROLE_INLINE_POLICY_QUOTA} characters of inline policies per role (whitespace not counted); the role "
            f"holds {used} in {count} inline policies and this grant needs {needed} more. Nothing was written for "
            "this config; grant these destinations with a managed policy, or give the functions more than one role"
        )
    )


class GrantErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = EventInvokeConfigError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


@GrantErrorHandler.list_error_handler("read the execution role's grants (iam:GetRolePolicy)")
@iam_retry
def get_role_policy(client, role, name):
    """The inline policy's document (botocore decodes it), or None when the role has none of that name."""
    return client.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


@GrantErrorHandler.list_error_handler("list the execution role's inline policies (iam:ListRolePolicies)")
def list_role_policies(client, role):
    """The names of every inline policy of the role, all pages."""
    names, marker = [], None
    while True:
        page = _role_policies_page(client, role, marker)
        names += page.get("PolicyNames", [])
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return names


@iam_retry
def _role_policies_page(client, role, marker):
    return client.list_role_policies(RoleName=role, **({"Marker": marker} if marker else {}))


@GrantErrorHandler.common_error_handler("grant the execution role a destination (iam:PutRolePolicy)")
@iam_retry
def put_role_policy(client, role, name, document):
    client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


@GrantErrorHandler.deletion_error_handler("revoke the execution role's grant of a destination (iam:DeleteRolePolicy)")
@iam_retry
def delete_role_policy(client, role, name):
    client.delete_role_policy(RoleName=role, PolicyName=name)
    return True


class RoleGrant:
    """The grants of one execution role in a task: every read and write of the role goes through
    it, under its lock, so that the items sharing the role read each policy once and write one
    after the other.

    held: {policy name: document or None (the role has no such policy)}, as read or written.
    The task's changes are kept for its result: put {name: document}, deleted and kept [names].
    """

    def __init__(self, iam, role_arn):
        self.iam = iam
        self.role_arn = role_arn
        self.role = role_name(role_arn)
        self.lock = threading.Lock()
        self.held = {}
        self.before = {}  # {name: document or None} of each policy the task changes, as it was
        self._names = None  # every inline policy of the role, once the quota needed them
        self.put, self.deleted, self.kept = {}, [], []
        self.released = set()  # destinations some config of the task stopped naming
        self.configs = {}  # {qualified function ARN: destinations}, the task's configs as it leaves them
        self.clients = {}  # {region: Lambda client} of the task's configs on the role, for the revoke

    def _held(self, name):
        if name not in self.held:
            self.held[name] = get_role_policy(self.iam, self.role, name)
        return self.held[name]

    def _usage(self):
        """(characters, policies) of the role's inline policies now."""
        if self._names is None:
            self._names = set(list_role_policies(self.iam, self.role))
        sizes = [policy_size(self._held(name)) for name in sorted(self._names)]
        return sum(sizes), len(self._names)

    def missing(self, destinations):
        """The destinations whose policy the role does not hold as it should."""
        with self.lock:
            return [arn for arn in destinations if not same_policy(self._held(policy_name(arn)), policy_document(arn))]

    def grant(self, destinations, check_mode):
        """Put the policy of each destination the role lacks; the destinations put (or, in check
        mode, that would be). Raises quota_error, before writing anything, when one would not fit."""
        with self.lock:
            wanted = [(policy_name(arn), arn) for arn in dict.fromkeys(destinations)]
            missing = [(name, arn) for name, arn in wanted if not same_policy(self._held(name), policy_document(arn))]
            if missing:
                used, count = self._usage()
                for name, arn in missing:
                    needed = policy_size(policy_document(arn)) - policy_size(self._held(name))
                    if used + needed > ROLE_INLINE_POLICY_QUOTA:
                        raise quota_error(self.role_arn, used, count, arn, needed)
                    used += needed
                    count += 0 if self._held(name) is not None else 1
            for name, arn in missing:
                document = policy_document(arn)
                if not check_mode:
                    put_role_policy(self.iam, self.role, name, document)
                self.before.setdefault(name, self.held[name])
                self.held[name] = document
                self.put[name] = document
                if self._names is not None:
                    self._names.add(name)
            return [arn for dummy, arn in missing]

    def release(self, destinations, region, client):
        """Record destinations that a config no longer needs on this role (it runs with another
        now), for the end of the task, which revokes them unless a config on the role needs them."""
        with self.lock:
            self.clients.setdefault(region, client)
            self.released.update(destinations)

    def leave(self, function_arn, region, client, before, after):
        """Record that the config at function_arn goes from the destinations before to after:
        those it stops naming are revoked at the end of the task unless another config needs them."""
        with self.lock:
            self.configs[function_arn] = list(after)
            self.clients.setdefault(region, client)
            self.released.update(arn for arn in before if arn not in after)

    def names(self, destinations):
        return [policy_name(arn) for arn in destinations]

    def revoke_unneeded(self, still_needed, check_mode):
        """Delete the policy of each released destination that no config needs (still_needed:
        the destinations the role's configs name); the others are kept."""
        with self.lock:
            for arn in sorted(self.released):
                name = policy_name(arn)
                if arn in still_needed:
                    self.kept.append(name)
                    continue
                if self._held(name) is None:
                    continue
                if not check_mode:
                    delete_role_policy(self.iam, self.role, name)
                self.before.setdefault(name, self.held[name])
                self.held[name] = None
                self.deleted.append(name)
                self.put.pop(name, None)
            self.released = set()

    def changed(self):
        return bool(self.put or self.deleted)

    def summary(self):
        """What the task did to the role (predicted in check mode), for the task's result."""
        return {"role_arn": self.role_arn, "granted": dict(self.put), "revoked": list(self.deleted), "kept": self.kept}


class TaskGrants:
    """The RoleGrants of one task, one per execution role, shared by the task's threads."""

    def __init__(self, iam_for):
        self._iam_for = iam_for  # iam_for(region) -> an IAM client of the region's partition
        self._lock = threading.Lock()
        self.roles = {}

    def role(self, role_arn, region):
        with self._lock:
            if role_arn not in self.roles:
                self.roles[role_arn] = RoleGrant(self._iam_for(region), role_arn)
            return self.roles[role_arn]


class ConfigGrant:
    """The grant of one config: the RoleGrant of the execution role it runs with (role_arn), in the
    task's TaskGrants, and the config's qualified ARN (function_arn), region and Lambda client."""

    def __init__(self, task_grants, role_arn, function_arn, region, client, warn=None):
        self.task_grants = task_grants
        self.role = task_grants.role(role_arn, region)
        self.role_arn = role_arn
        self.function_arn = function_arn
        self.region = region
        self.client = client
        self.warn = warn or (lambda message: None)

    def other_account_destinations(self, destinations):
        return other_account_destinations(self.role_arn, destinations)

    def would_change(self, destinations):
        return bool(self.role.missing(destinations))

    def before_write(self, destinations, check_mode, already_named=()):
        """Grant the destinations before the Lambda write; True when something new was granted.

        A destination the config already named that its role lacks means the config now runs
        with another role (an alias moved to a version with another role, $LATEST's role changed)
        or is granted for the first time: it is released on the function's other roles, whose
        grants of it the end of the task revokes unless a config running with them needs them."""
        granted = self.role.grant(destinations, check_mode)
        moved = [arn for arn in granted if arn in already_named]
        if moved:
            self._release_on_other_roles(moved)
        return bool(granted)

    def _release_on_other_roles(self, destinations):
        function = unqualified_function_arn(self.function_arn)
        try:
            versions = list_versions(self.client, function)
        except EventInvokeConfigError as e:
            if error_code(e.exception) is None:
                raise  # not AWS's answer (no credentials, a bug): the task fails, naming it
            self.warn(
                f"grant_destinations could not list the versions of {function} to revoke its former role's grants "
                f"of {', '.join(destinations)} ({error_code(e.exception) or e.exception}); they stay"
            )
            return
        for role_arn in sorted({version.get("Role") for version in versions} - {self.role_arn, None}):
            self.task_grants.role(role_arn, self.region).release(destinations, self.region, self.client)

    def after_write(self, before, after):
        self.role.leave(self.function_arn, self.region, self.client, before, after)

    def view(self, destinations):
        """The config's grant as its result shows it: the role and the policies of its destinations."""
        return {"role_arn": self.role_arn, "policy_names": self.role.names(destinations)}


def _destinations_of(api_config):
    return [entry["destination"] for entry in from_api(api_config)["destination_config"].values()]


def _runs_with(qualifier, roles, aliases):
    """The execution roles a config's qualifier runs with: a version's ($LATEST's) own, an alias's
    those of the versions it points to (two for a weighted alias). An alias not found (created
    since the listing) is counted as running with every role of the function, so nothing it may
    need is revoked."""
    if qualifier in roles:
        return {roles[qualifier]}
    versions = aliases().get(qualifier)
    return {roles.get(version) for version in versions} if versions else set(roles.values())


def configs_on_role(role, client_for):
    """{qualified function ARN: destinations} of every config that runs with the role, in the
    regions of the task's configs on it and of the destinations it releases: every version of the
    region's functions (each with its role), then the configs of the functions with a version on
    the role, each counted where it runs (an alias where its versions do)."""
    regions = set(role.clients) | {parse_arn(arn).region for arn in role.released if parse_arn(arn).region}
    found = {}
    for region in sorted(regions):
        client = role.clients.get(region) or client_for("lambda", region)
        roles_by_function = {}
        for version in list_functions(client, all_versions=True):
            roles_by_function.setdefault(version["FunctionName"], {})[version.get("Version")] = version.get("Role")
        for name, roles in sorted(roles_by_function.items()):
            if role.role_arn not in roles.values():
                continue
            try:
                configs = list_event_invoke_configs(client, parse_function_ref(name))
            except EventInvokeConfigError as e:
                if error_code(e.exception) == "ResourceNotFoundException":
                    continue  # deleted since it was listed
                raise
            aliases = _once(lambda name=name: list_aliases(client, name))
            for config in configs:
                if role.role_arn in _runs_with(qualifier_from_arn(config["FunctionArn"]), roles, aliases):
                    found[config["FunctionArn"]] = _destinations_of(config)
    return found


def _once(read):
    """read(), called at most once, on first use."""
    cache = []

    def value():
        if not cache:
            cache.append(read())
        return cache[0]

    return value


def revoke_released(task_grants, client_for, check_mode, warn):
    """End of a task: on each role, revoke the destinations the task's configs stopped naming that
    no config on the role still names (the task's own configs as the task leaves them). When the
    configs on a role cannot be read, its policies are kept and a warning says so."""
    for role in task_grants.roles.values():
        if not role.released:
            continue
        try:
            configs = configs_on_role(role, client_for)
        except EventInvokeConfigError as e:
            if error_code(e.exception) is None:
                raise  # not AWS's answer (no credentials, a bug): the task fails, naming it
            names = role.names(sorted(role.released))
            role.kept += names
            role.released = set()
            warn(
                f"grant_destinations kept {', '.join(names)} on {role.role_arn}: could not read which configs on the "
                f"role still need them ({e.message}: {error_code(e.exception) or e.exception})"
            )
            continue
        configs.update(role.configs)
        role.revoke_unneeded({arn for destinations in configs.values() for arn in destinations}, check_mode)
