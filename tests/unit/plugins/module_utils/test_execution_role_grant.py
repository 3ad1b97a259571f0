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

from ansible_collections.serverless.aws_lambda.plugins.module_utils import execution_role_grant as grants
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError

ROLE = "arn:aws:iam::123456789012:role/shared-exec"
PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"


def queue(name):
    return f"arn:aws:sqs:us-east-1:123456789012:{name}"


class QuotaIAM:
    """IAM's inline policies of roles, with its quota: a PutRolePolicy that takes the role's inline
    policies beyond 10,240 characters (whitespace not counted) answers 409 LimitExceeded, as AWS
    does. Counts calls; thread-safe as IAM is."""

    def __init__(self, held=None):
        self.policies = dict(held or {})
        self.calls = []
        self.lock = threading.Lock()

    def _record(self, operation):
        with self.lock:
            self.calls.append(operation)

    @staticmethod
    def _size(text):
        return len(re.sub(r"\s+", "", text))

    def get_role_policy(self, RoleName, PolicyName):
        self._record("GetRolePolicy")
        if PolicyName not in self.policies:
            raise ClientError({"Error": {"Code": "NoSuchEntity"}}, "GetRolePolicy")
        return {"PolicyDocument": json.loads(self.policies[PolicyName])}

    def list_role_policies(self, RoleName, Marker=None):
        self._record("ListRolePolicies")
        return {"PolicyNames": sorted(self.policies), "IsTruncated": False}

    def put_role_policy(self, RoleName, PolicyName, PolicyDocument):
        self._record("PutRolePolicy")
        with self.lock:
            others = sum(self._size(text) for name, text in self.policies.items() if name != PolicyName)
            if others + self._size(PolicyDocument) > grants.ROLE_INLINE_POLICY_QUOTA:
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

    def usage(self):
        return sum(self._size(text) for text in self.policies.values())


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


def test_a_thousand_configs_on_one_role_fit_within_iams_quota():
    # The common case: a fleet sends its failures to a few queues. One policy per destination.
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    queues = [queue(f"failed-{index}") for index in range(3)]
    errors = run_fleet(task_grants, fleet_configs(1000, lambda i: [], lambda i: [queues[i % 3]]))
    assert errors == []
    assert sorted(iam.policies) == sorted(grants.policy_name(arn) for arn in queues)
    assert iam.usage() == 3 * grants.policy_size(grants.policy_document(queues[0]))  # 363 of 10,240
    assert iam.calls.count("PutRolePolicy") == 3  # each destination granted once, by one item
    assert iam.calls.count("GetRolePolicy") == 3  # each read once for the whole task


def test_a_thousand_configs_swapping_destinations_at_once_stay_within_the_quota():
    # During a swap a config needs the old and the new grant: with one policy per config, 66 items on
    # one role crossed the quota (LimitExceeded) at max_concurrency 10.
    old, new = queue("failed-old"), queue("failed-new")
    iam = QuotaIAM({grants.policy_name(old): json.dumps(grants.policy_document(old))})
    task_grants = grants.TaskGrants(lambda region: iam)
    errors = run_fleet(task_grants, fleet_configs(1000, lambda i: [old], lambda i: [new]), max_concurrency=64)
    assert errors == []
    role = task_grants.roles[ROLE]
    assert role.released == {old}  # revoked at the end of the task, once, if no other config needs it
    role.revoke_unneeded(still_needed={new}, check_mode=True)
    assert role.deleted == [grants.policy_name(old)]


def test_destinations_beyond_the_quota_fail_early_naming_it_and_never_reach_iams_limit():
    # 1,000 configs each with its own queue cannot all be granted on one role: the first ones
    # that do not fit fail before any write, naming the quota and the role's usage.
    iam = QuotaIAM()
    task_grants = grants.TaskGrants(lambda region: iam)
    errors = run_fleet(task_grants, fleet_configs(1000, lambda i: [], lambda i: [queue(f"q-{i:04d}")]))
    size = grants.policy_size(grants.policy_document(queue("q-0000")))
    fitting = grants.ROLE_INLINE_POLICY_QUOTA // size
    assert len(errors) == 1000 - fitting
    assert iam.usage() <= grants.ROLE_INLINE_POLICY_QUOTA
    assert "LimitExceeded" not in iam.calls  # never sent a write IAM would refuse
    assert all("IAM allows 10240 characters of inline policies per role" in e.message for e in errors)
    assert all(f"the role holds {fitting * size} in {fitting} inline policies" in e.message for e in errors)


def test_check_mode_predicts_the_quota_error_and_writes_nothing():
    iam = QuotaIAM({"legacy": json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "x" * 10150}]})})
    role = grants.TaskGrants(lambda region: iam).role(ROLE, "us-east-1")
    with pytest.raises(EventInvokeConfigError, match="IAM allows 10240 characters"):
        role.grant([queue("failed")], check_mode=True)
    assert "PutRolePolicy" not in iam.calls
