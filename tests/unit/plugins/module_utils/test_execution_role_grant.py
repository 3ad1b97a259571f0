# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The grants of a role shared by many configs, against a fake IAM that enforces IAM's real quota
(10,240 characters of inline policies per role in all, whitespace not counted: LocalStack does not),
from many threads at once, as a configs task runs them."""

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import destination_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants import role_grant as grants
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import ROLE_INLINE_POLICY_QUOTA
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import grant_document
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.task import confirm_grants
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import legacy_policy_name

ROLE = "arn:aws:iam::123456789012:role/shared-exec"
PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"
SQS_POLICY = "event-invoke-config-destinations-sqs"


def queue(name):
    return f"arn:aws:sqs:us-east-1:123456789012:{name}"


def dlq(index):
    # A per-function DLQ as real accounts name them: about 60 characters of ARN.
    return queue(f"orders-service-fn-{index:04d}-dlq")


class QuotaIAM:
    """IAM's inline policies of one role, with its quota: a PutRolePolicy that takes the role's
    inline policies beyond 10,240 characters (whitespace not counted) answers 409 LimitExceeded, as
    AWS does. Counts calls; thread-safe as IAM is. After every write it records which SQS queues
    the role may send to (an Allow of sqs:SendMessage on the queue, in any of its policies)."""

    def __init__(self, held=None):
        self.policies = dict(held or {})
        self.calls = []
        self.lock = threading.Lock()
        self.granted_after_each_write = [self.sendable()]

    def _record(self, operation):
        with self.lock:
            self.calls.append(operation)

    @staticmethod
    def _size(text):
        return len(re.sub(r"\s+", "", text))

    def sendable(self):
        queues = set()
        for text in self.policies.values():
            statements = json.loads(text)["Statement"]
            for statement in [statements] if isinstance(statements, dict) else statements:
                if statement.get("Effect") == "Allow" and statement.get("Action") == "sqs:SendMessage":
                    resources = statement["Resource"]
                    queues.update([resources] if isinstance(resources, str) else resources)
        return queues

    def get_role_policy(self, RoleName, PolicyName):
        self._record("GetRolePolicy")
        with self.lock:
            if PolicyName not in self.policies:
                raise ClientError({"Error": {"Code": "NoSuchEntity"}}, "GetRolePolicy")
            return {"PolicyDocument": json.loads(self.policies[PolicyName])}

    def list_role_policies(self, RoleName, Marker=None):
        self._record("ListRolePolicies")
        with self.lock:
            return {"PolicyNames": sorted(self.policies), "IsTruncated": False}

    def put_role_policy(self, RoleName, PolicyName, PolicyDocument):
        self._record("PutRolePolicy")
        with self.lock:
            others = sum(self._size(text) for name, text in self.policies.items() if name != PolicyName)
            if others + self._size(PolicyDocument) > ROLE_INLINE_POLICY_QUOTA:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "LimitExceeded",
                            "Message": f"Maximum policy size of 10240 bytes exceeded for role {RoleName}",
                        },
                        "ResponseMetadata": {"HTTPStatusCode": 409},
                    },
                    "PutRolePolicy",
                )
            self.policies[PolicyName] = PolicyDocument
            self.granted_after_each_write.append(self.sendable())

    def delete_role_policy(self, RoleName, PolicyName):
        self._record("DeleteRolePolicy")
        with self.lock:
            if PolicyName not in self.policies:
                raise ClientError({"Error": {"Code": "NoSuchEntity"}}, "DeleteRolePolicy")
            del self.policies[PolicyName]
            self.granted_after_each_write.append(self.sendable())

    def usage(self):
        return sum(self._size(text) for text in self.policies.values())

    def merged(self, name=SQS_POLICY):
        return set(json.loads(self.policies[name])["Statement"][0]["Resource"])


def run_fleet(task_grants, configs, max_concurrency=10):
    """Each (function ARN, destinations before, after) as a configs task does: grant, write, release;
    then the end of the task. The configs on the role are read from what the task leaves."""
    errors = []

    def item(config):
        function_arn, before, after = config
        grant = grants.ConfigGrant(task_grants, ROLE, function_arn, "us-east-1", None)
        try:
            grant.before_write(after, check_mode=False)
            grant.after_write(before, after)
        except EventInvokeConfigError as e:
            errors.append(e)

    with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
        list(pool.map(item, configs))
    return errors


def fleet_configs(count, before, after):
    return [(f"{PREFIX}fn-{index}:$LATEST", before(index), after(index)) for index in range(count)]


def leave_room(iam, room):
    """Another team's inline policy on the role, sized so that the role has room characters left."""
    iam.policies["other-team"] = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": ""}]})
    sid = "y" * (ROLE_INLINE_POLICY_QUOTA - room - iam.usage())
    iam.policies["other-team"] = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": sid}]})
    assert ROLE_INLINE_POLICY_QUOTA - iam.usage() == room


def legacy_role(destinations):
    """A role as earlier builds left it: a policy per destination."""
    return {legacy_policy_name(arn): json.dumps(destination_policy(arn)) for arn in destinations}


def test_a_thousand_configs_on_three_queues_share_one_merged_policy():
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    queues = [queue(f"failed-{index}") for index in range(3)]
    errors = run_fleet(task_grants, fleet_configs(1000, lambda i: [], lambda i: [queues[i % 3]]))
    assert errors == []
    assert sorted(iam.policies) == [SQS_POLICY]
    assert iam.merged() == set(queues)
    assert iam.usage() < 250
    assert iam.calls.count("PutRolePolicy") <= 3  # the items queue their grants: at most one write each
    assert iam.calls.count("ListRolePolicies") == 1  # the quota's read, once for the whole task


def test_a_hundred_functions_with_a_queue_each_fit_on_one_role_in_a_few_writes():
    # The fleet: each function's own DLQ, one shared role. A policy per destination left 31 of
    # 100 items failing; merged, the role holds them all in less than two thirds of its quota.
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    errors = run_fleet(task_grants, fleet_configs(100, lambda i: [], lambda i: [dlq(i)]))
    assert errors == []
    assert iam.merged() == {dlq(index) for index in range(100)}
    assert iam.usage() < 6500
    assert iam.calls.count("PutRolePolicy") < 100
    role = task_grants.roles[ROLE]
    assert sorted(role.granted) == sorted(dlq(index) for index in range(100))


def test_beyond_the_quota_the_destinations_that_do_not_fit_fail_early_naming_it():
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    errors = run_fleet(task_grants, fleet_configs(250, lambda i: [], lambda i: [dlq(i)]), max_concurrency=1)
    fitting = 250 - len(errors)
    assert 150 <= fitting < 250  # "about 170 SQS destinations on one role"
    assert iam.merged() == {dlq(index) for index in range(fitting)}  # the first ones, in order
    assert iam.usage() <= ROLE_INLINE_POLICY_QUOTA < iam.usage() + len(dlq(fitting)) + 3  # the next one cannot fit
    assert "LimitExceeded" not in json.dumps([str(e.exception) for e in errors])  # never sent a refused write
    message = errors[0].message
    assert "IAM allows 10240 characters of inline policies per role" in message
    assert f"the role holds {iam.usage()} in 1 inline policies" in message
    assert f"this collection's grants of {fitting} destinations among them" in message
    assert f"leaving {ROLE_INLINE_POLICY_QUOTA - iam.usage()}, and this destination needs" in message


def test_revoking_half_of_a_full_role_leaves_exactly_the_other_half():
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    assert run_fleet(task_grants, fleet_configs(150, lambda i: [], lambda i: [dlq(i)])) == []
    full = iam.usage()
    # A second task: the even functions stop sending to their queue.
    task_grants = grants.TaskGrants(lambda region: iam)
    run_fleet(task_grants, fleet_configs(150, lambda i: [dlq(i)], lambda i: [] if i % 2 == 0 else [dlq(i)]))
    role = task_grants.roles[ROLE]
    assert role.released == {dlq(index) for index in range(0, 150, 2)}
    role.revoke_unneeded({dlq(index) for index in range(1, 150, 2)}, check_mode=False)
    assert iam.merged() == {dlq(index) for index in range(1, 150, 2)}
    assert sorted(role.revoked) == sorted(dlq(index) for index in range(0, 150, 2))
    assert iam.usage() < full / 2 + 100
    assert iam.calls.count("DeleteRolePolicy") == 0  # one put of the smaller policy


def test_a_thousand_configs_swapping_destinations_at_once_stay_within_the_quota():
    old, new = queue("failed-old"), queue("failed-new")
    iam = QuotaIAM({SQS_POLICY: json.dumps(grant_document({old}))})
    task_grants = grants.TaskGrants(lambda region: iam)
    errors = run_fleet(task_grants, fleet_configs(1000, lambda i: [old], lambda i: [new]), max_concurrency=64)
    assert errors == []
    role = task_grants.roles[ROLE]
    assert role.released == {old}  # revoked at the end of the task, once, if no other config needs it
    role.revoke_unneeded(still_needed={new}, check_mode=True)
    assert role.revoked == [old]
    assert iam.merged() == {old, new}  # check mode: nothing written


def test_a_full_role_of_per_destination_policies_is_migrated_without_a_moment_ungranted():
    # The role: 69 per-destination policies of the old layout and another team's policy leave
    # 97 characters, too few for a merged policy; 31 more functions wait for their queue.
    legacy = [queue(f"fn-{index:04d}-dlq") for index in range(69)]
    iam = QuotaIAM(legacy_role(legacy))
    leave_room(iam, 97)
    task_grants = grants.TaskGrants(lambda region: iam)
    new = [dlq(index) for index in range(69, 100)]
    errors = run_fleet(task_grants, fleet_configs(100, lambda i: legacy[i:][:1], lambda i: legacy[i:][:1] or [dlq(i)]))
    assert errors == []
    assert sorted(iam.policies) == [SQS_POLICY, "other-team"]  # the legacy policies are gone
    assert iam.merged() == set(legacy) | set(new)
    for before, after in zip(iam.granted_after_each_write, iam.granted_after_each_write[1:]):
        assert before <= after  # no write ever took a destination away
    summary = task_grants.roles[ROLE].summary()
    assert sorted(summary["revoked"]) == sorted(legacy_policy_name(arn) for arn in legacy)
    assert sorted(summary["granted_destinations"]) == sorted(new)  # the 69 were moved, not granted


def migrate_with_room(room):
    legacy = [queue(f"fn-{index:04d}-dlq") for index in range(69)]
    iam = QuotaIAM(legacy_role(legacy))
    leave_room(iam, room)
    task_grants = grants.TaskGrants(lambda region: iam)
    configs = fleet_configs(100, lambda i: legacy[i:][:1], lambda i: legacy[i:][:1] or [dlq(i)])
    return iam, run_fleet(task_grants, configs)


def test_a_role_too_full_to_migrate_without_a_gap_is_left_as_it_is_naming_what_to_free():
    # 28 characters left: one more ARN in any policy does not fit, so no step keeps every destination
    # granted. Nothing is written; the message says how many characters to free, and that is exact.
    iam, errors = migrate_with_room(28)
    assert len(errors) == 31
    assert "PutRolePolicy" not in iam.calls and "DeleteRolePolicy" not in iam.calls
    assert "leaving 28" in errors[0].message
    assert "69 policies of one destination each (an earlier build's)" in errors[0].message
    lacking = int(re.search(r"free (\d+) more characters of the role's inline policies", errors[0].message).group(1))
    iam, errors = migrate_with_room(28 + lacking - 1)
    assert len(errors) == 31 and "PutRolePolicy" not in iam.calls
    iam, errors = migrate_with_room(28 + lacking)
    assert errors == []
    assert sorted(iam.policies) == [SQS_POLICY, "other-team"]
    for before, after in zip(iam.granted_after_each_write, iam.granted_after_each_write[1:]):
        assert before <= after


def test_a_rerun_on_a_migrated_role_reads_one_policy():
    iam = QuotaIAM()
    assert run_fleet(grants.TaskGrants(lambda region: iam), fleet_configs(50, lambda i: [], lambda i: [dlq(i)])) == []
    iam.calls = []
    task_grants = grants.TaskGrants(lambda region: iam)
    assert run_fleet(task_grants, fleet_configs(50, lambda i: [dlq(i)], lambda i: [dlq(i)])) == []
    assert iam.calls == ["GetRolePolicy"]
    assert not task_grants.roles[ROLE].changed()


def test_check_mode_predicts_the_quota_error_and_writes_nothing():
    iam = QuotaIAM({"legacy": json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "x" * 10150}]})})
    role = grants.TaskGrants(lambda region: iam).role(ROLE, "us-east-1")
    with pytest.raises(EventInvokeConfigError, match="IAM allows 10240 characters"):
        role.grant([queue("failed")], check_mode=True)
    assert "PutRolePolicy" not in iam.calls


MINE, THEIRS = queue("mine"), queue("theirs")


def granted_then_overtaken():
    """A task granted MINE; another task that read the policy before that put puts its own version
    after it, holding only THEIRS."""
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    assert run_fleet(task_grants, fleet_configs(1, lambda i: [], lambda i: [MINE])) == []
    iam.policies[SQS_POLICY] = json.dumps(grant_document({THEIRS}))
    return iam, task_grants


def test_another_writers_put_that_drops_the_tasks_grant_is_detected_and_put_back():
    iam, task_grants = granted_then_overtaken()
    confirm_grants(task_grants, check_mode=False)
    assert iam.merged() == {MINE, THEIRS}  # put back, the other writer's grant kept


def test_a_grant_lost_twice_to_another_writer_fails_the_task_naming_it():
    iam, task_grants = granted_then_overtaken()
    original = iam.put_role_policy

    def put_then_replaced(**kwargs):
        # The other writer's next put overtakes ours again.
        original(**kwargs)
        iam.policies[kwargs["PolicyName"]] = json.dumps(grant_document({THEIRS}))

    iam.put_role_policy = put_then_replaced
    with pytest.raises(EventInvokeConfigError, match=f"grant of {MINE} in its inline policy {SQS_POLICY}"):
        confirm_grants(task_grants, check_mode=False)


def test_every_item_of_a_busy_role_is_granted_or_fails_never_neither():
    # Many threads queueing on one role while others' grants are written: an item whose grant was
    # refused must fail, and one that returns must hold its grant (a race once let an item return
    # without either, its grant refused by another item's write).
    for dummy in range(5):
        iam = QuotaIAM()
        task_grants = grants.TaskGrants(lambda region: iam)
        returned, failed = [], []

        def item(index):
            grant = grants.ConfigGrant(task_grants, ROLE, f"{PREFIX}fn-{index}:$LATEST", "us-east-1", None)
            try:
                grant.before_write([dlq(index)], check_mode=False)
                returned.append(dlq(index))
            except EventInvokeConfigError:
                failed.append(dlq(index))

        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(item, range(250)))
        assert sorted(returned) == sorted(iam.merged())
        assert len(returned) + len(failed) == 250 and failed
