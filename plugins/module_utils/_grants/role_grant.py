# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the function's execution role gets exactly what the destinations of its
configs need, as AWS CDK, SAM and the Serverless Framework grant it, within IAM's quota.

A grant belongs to a role and a destination, not to a config: a thousand configs that send to
one queue share one grant. The grants of a role are merged into one inline policy per destination
service (policies says how, and how the policies of earlier builds are folded in), so a
role holds about 160 SQS queues (of 60-character ARNs) within IAM's 10,240 characters.

Granting is idempotent: a destination is added when the role does not hold it, after a check that
the role's inline policies then still fit IAM's quota (an error naming the quota, the role's usage
and what the destination needs otherwise, in check mode too). Revoking must never take away what
another config needs: a destination a config stops naming is revoked at the end of the task, once
per role, only when no config of any function that runs with the role still names it (read from
Lambda: ListFunctions of every version, then the configs of the functions on the role, the task's
own configs as the task leaves them). When that cannot be read, the grant is kept, with a warning.
KMS keys are not granted: a key's own policy must allow the role as well, which a role policy
cannot do; the preflight warns of them (validate_destinations).

IAM has no conditional write, and another task may write the same role: a policy is only ever put
whole, read just before (the put lays the task's additions and removals over what that read found),
and at the end of the task each policy it put is read again; a destination of the task's configs
that another writer's put took away is put back once, and a second loss fails the task naming it.

Everything about one role goes through its RoleGrant, under its lock. The items of a configs task
that share a role queue their destinations, and whichever item holds the lock grants every queued
one in one put: 100 items granting 100 queues on one role make a handful of writes, not 100.
TaskGrants holds the RoleGrants of a task; it is shared by the task's threads.
"""

import threading

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import role_name
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_versions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.iam import delete_role_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.iam import get_role_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.iam import list_role_policies
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.iam import put_role_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import ROLE_INLINE_POLICY_QUOTA
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import SERVICE_POLICY_PREFIX
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import RolePlan
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import collection_policies
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import destinations_held
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import grant_document
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import policy_size
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import service_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import service_policy_name


def other_account_destinations(role_arn, destinations):
    """Destinations in another account than the role's: their resource policy must allow it too."""
    account = parse_arn(role_arn).account
    return [arn for arn in destinations if parse_arn(arn).account not in (None, account)]


def quota_error(role_arn, plan, destination):
    """The failure of a grant that IAM would refuse with LimitExceeded, before any write of it."""
    used, count = plan.used()
    merged = service_policy_name(service_of(destination))
    current = plan.held.get(merged, set())
    needed = policy_size(grant_document(current | {destination})) - plan.sizes.get(merged, 0)
    granted = len(plan.granted())
    advice = "grant further destinations with a managed policy, or give the functions more than one role"
    if plan.unfolded:
        policies, lacking = plan.unfolded
        advice = (
            f"the role still holds {policies} policies of one destination each (an earlier build's), which merged "
            f"would leave room, but folding them without a moment ungranted needs room for one more ARN: free "
            f"{lacking} more characters of the role's inline policies and run again"
        )
    return EventInvokeConfigError(
        message=(
            f"Failed to grant the execution role {role_arn} {destination} (grant_destinations): IAM allows "
            f"{ROLE_INLINE_POLICY_QUOTA} characters of inline policies per role (whitespace not counted); the role "
            f"holds {used} in {count} inline policies, this collection's grants of {granted} destinations among "
            f"them, leaving {plan.room()}, and this destination needs {needed}. Nothing was granted for this "
            f"config; {advice}"
        )
    )


def lost_race_error(role_arn, name, lost):
    return EventInvokeConfigError(
        message=(
            f"Failed to keep the execution role {role_arn}'s grant of {', '.join(sorted(lost))} in its inline policy "
            f"{name} (grant_destinations): another writer replaced the policy twice while this task granted on the "
            "role (IAM has no conditional write); run the task again once the other writer is done"
        )
    )


class RoleGrant:
    """The grants of one execution role in a task: every read and write of the role goes through
    it, under its lock, so that the items sharing the role read each policy once and write one
    after the other, several items' grants in one write.

    documents: {policy name: document or None (no such policy)}, as read or written; every inline
    policy of the role once a quota check or a revoke needed them (listed).
    outcome: {destination: True (granted by the task), False (held already) or the error that
    refused it}. The task's changes are kept for its result: put {name: document}, deleted
    [names]; granted, revoked and kept [destinations].
    """

    def __init__(self, iam, role_arn):
        self.iam = iam
        self.role_arn = role_arn
        self.role = role_name(role_arn)
        self.lock = threading.Lock()
        self._settled = threading.Condition()  # guards _queue, _writing and outcome
        self._queue = {}  # destinations asked for and not settled yet, in the order asked
        self._writing = False  # an item is granting the queued destinations
        self.outcome = {}
        self.documents = {}
        self.listed = False
        self.before = {}  # {name: document or None} of each policy the task changes, as it was
        self.put, self.deleted = {}, []
        self.granted, self.revoked, self.kept = [], [], []
        self.released = set()  # destinations some config of the task stopped naming
        self.configs = {}  # {qualified function ARN: destinations}, the task's configs as it leaves them
        self.clients = {}  # {region: Lambda client} of the task's configs on the role, for the revoke

    def _document(self, name):
        if name not in self.documents:
            self.documents[name] = get_role_policy(self.iam, self.role, name)
        return self.documents[name]

    def _read_all(self):
        """Every inline policy of the role (the quota counts them all), each read once a task."""
        if not self.listed:
            for name in sorted(list_role_policies(self.iam, self.role) or []):
                self._document(name)
            self.listed = True

    def _held(self):
        return set().union(*collection_policies(self.documents).values())

    def _has_strays(self):
        """Whether the role holds grants outside the merged policies (an earlier build's)."""
        return any(not name.startswith(SERVICE_POLICY_PREFIX) for name in collection_policies(self.documents))

    def _missing(self, wanted):
        # The merged policies of the destinations' services alone answer a rerun; the rest of the
        # role is read only when one is missing there (it may be in an earlier build's policy).
        for service in sorted({service_of(arn) for arn in wanted}):
            self._document(service_policy_name(service))
        held = self._held()
        if not set(wanted) <= held:
            self._read_all()
            held = self._held()
        return [arn for arn in wanted if arn not in held]

    def would_change(self, destinations):
        """Whether granting the destinations writes the role: one is missing, or the role's grants
        are still in an earlier build's policies (folded in on this run)."""
        with self.lock:
            return bool(self._missing(list(dict.fromkeys(destinations)))) or self._has_strays()

    def grant(self, destinations, check_mode):
        """Grant the destinations the role lacks, with whatever other items of the task queued;
        the destinations granted (or, in check mode, that would be). Raises the error that refused
        one (quota_error before any write of it, or IAM's answer).

        An item queues its destinations, then waits while another item writes the role; the first
        item to find no write under way writes everything queued (a group commit): the items that
        waited then find theirs granted, without a write of their own."""
        wanted = list(dict.fromkeys(destinations))
        batch = []
        with self._settled:
            for arn in wanted:
                if arn not in self.outcome:
                    self._queue.setdefault(arn, None)
            # One writer at a time: an item's unsettled destination is queued or in the writer's batch.
            while not all(arn in self.outcome for arn in wanted):
                if not self._writing:
                    batch = [arn for arn in self._queue if arn not in self.outcome]
                    self._queue = {}
                    self._writing = bool(batch)
                    break
                self._settled.wait()
        if batch:
            try:
                with self.lock:
                    self._settle(batch, check_mode)
            finally:
                with self._settled:
                    self._writing = False
                    self._settled.notify_all()
        with self._settled:
            for arn in wanted:
                if isinstance(self.outcome[arn], Exception):
                    raise self.outcome[arn]
            return [arn for arn in wanted if self.outcome[arn] is True]

    def _settle(self, batch, check_mode):
        """Grant the batch's destinations the role lacks, in one plan; each destination's outcome
        is set whatever happens, for the items waiting on it."""
        outcome = {}
        try:
            missing = self._missing(batch)
            outcome.update((arn, False) for arn in batch if arn not in missing)
            if missing or self._has_strays():
                plan = RolePlan(self.documents, add=missing)
                outcome.update((arn, quota_error(self.role_arn, plan, arn)) for arn in plan.refused)
                try:
                    self._run(plan.steps, check_mode)
                except EventInvokeConfigError as e:
                    held = self._held()
                    outcome.update((arn, arn in held or e) for arn in missing if arn not in outcome)
                outcome.update((arn, True) for arn in missing if arn not in outcome)
                self.granted += [arn for arn in missing if outcome[arn] is True]
        except EventInvokeConfigError as e:  # a read of the role failed: nothing of the batch was granted
            outcome.update((arn, e) for arn in batch if arn not in outcome)
        finally:
            unknown = EventInvokeConfigError(
                message=f"Failed to grant the execution role {self.role_arn} its destinations (grant_destinations): "
                "another item's grant failed unexpectedly"
            )
            with self._settled:
                self.outcome.update((arn, outcome.get(arn, unknown)) for arn in batch)

    def _run(self, steps, check_mode):
        """Carry out a RolePlan's steps (in check mode, only record them)."""
        for name, before, after in steps:
            document = self._write(name, before, after) if not check_mode else grant_document(after) if after else None
            self.before.setdefault(name, self.documents.get(name))
            self.documents[name] = document
            if document is None:
                self.put.pop(name, None)
                if name not in self.deleted:
                    self.deleted.append(name)
            else:
                self.put[name] = document
                if name in self.deleted:
                    self.deleted.remove(name)

    def _write(self, name, before, after):
        """Put the policy name as after, laid over a read made just before (what another writer
        changed since the task's first read is kept); the document written, or None (deleted)."""
        fresh_document = get_role_policy(self.iam, self.role, name)
        fresh = destinations_held(fresh_document) if fresh_document is not None else set()
        if fresh is None:
            raise EventInvokeConfigError(
                message=f"Failed to grant the execution role {self.role_arn} its destinations (grant_destinations): "
                f"another writer changed its inline policy {name} into one this collection does not write; it was "
                "left as it is"
            )
        target = (fresh - (before - after)) | (after - before)
        if target:
            document = grant_document(target)
            put_role_policy(self.iam, self.role, name, document)
            return document
        if fresh_document is not None:
            delete_role_policy(self.iam, self.role, name)
        return None

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
        """The inline policies that grant any of the destinations now."""
        with self.lock:
            wanted = set(destinations)
            return [name for name, held in sorted(collection_policies(self.documents).items()) if held & wanted]

    def revoke_unneeded(self, still_needed, check_mode):
        """Revoke each released destination that no config needs (still_needed: the destinations
        the role's configs name); the others are kept."""
        with self.lock:
            released, self.released = sorted(self.released), set()
            self.kept += [arn for arn in released if arn in still_needed]
            dropped = [arn for arn in released if arn not in still_needed]
            if not dropped:
                return
            self._read_all()
            dropped = [arn for arn in dropped if arn in self._held()]
            if dropped:
                self._run(RolePlan(self.documents, remove=dropped).steps, check_mode)
                self.revoked += dropped

    def confirm(self, check_mode):
        """The end of a task: read again each policy the task put; a destination of the task's
        configs that another writer's put took away is put back, once."""
        if check_mode:
            return
        with self.lock:
            relied = set().union(*self.configs.values()) if self.configs else set()
            for name, document in sorted(self.put.items()):
                expected = (destinations_held(document) or set()) & relied
                if not expected:
                    continue
                for attempt in range(2):
                    fresh = destinations_held(get_role_policy(self.iam, self.role, name)) or set()
                    lost = expected - fresh
                    if not lost:
                        break
                    if attempt:
                        raise lost_race_error(self.role_arn, name, lost)
                    self.put[name] = self.documents[name] = self._write(name, frozenset(), frozenset(lost))

    def changed(self):
        return bool(self.put or self.deleted)

    def summary(self):
        """What the task did to the role (predicted in check mode), for the task's result; sorted,
        as the items of a task may grant in any order."""
        return {
            "role_arn": self.role_arn,
            "granted": dict(sorted(self.put.items())),
            "revoked": sorted(self.deleted),
            "granted_destinations": sorted(self.granted),
            "revoked_destinations": sorted(self.revoked),
            "kept_destinations": sorted(self.kept),
        }


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
        return self.role.would_change(destinations)

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
