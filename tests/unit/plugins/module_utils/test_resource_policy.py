# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Weighing a destination's resource policy with IAM's documented evaluation logic."""

import json

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations import resource_policy as rp

ROLE = "arn:aws:iam::123456789012:role/exec"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal=None, action="sqs:SendMessage", resource=QUEUE, **extra):
    statement = {"Effect": "Allow", "Principal": principal or {"AWS": ROLE}, "Action": action}
    if resource is not None:
        statement["Resource"] = resource
    return dict(statement, **extra)


@pytest.mark.parametrize(
    "statement, decision",
    [
        (allow(), rp.ALLOW),
        (allow(action="SQS:send*"), rp.ALLOW),  # actions match case-insensitively, with wildcards
        (allow(action=["sns:Publish", "sqs:*"]), rp.ALLOW),
        (allow(resource="arn:aws:sqs:us-east-1:123456789012:*"), rp.ALLOW),
        (allow(resource=None), rp.ALLOW),  # no Resource: the policy's own resource
        (allow(principal="*"), rp.ALLOW),
        (allow(principal={"AWS": "arn:aws:iam::123456789012:role/other"}), rp.NONE),
        (allow(principal={"Service": "sns.amazonaws.com"}), rp.NONE),
        (allow(action="sqs:ReceiveMessage"), rp.NONE),
        (allow(resource="arn:aws:sqs:us-east-1:123456789012:other"), rp.NONE),
        (allow(resource="arn:aws:sqs:us-east-1:123456789012:?"), rp.ALLOW),  # ? is one character
        (allow(resource="arn:aws:sqs:us-east-1:123456789012:[pq]"), rp.NONE),  # [ is itself, not a class
        (allow(resource="arn:aws:sqs:us-east-1:123456789012:q*", action="sqs:Send[M]essage"), rp.NONE),
        (allow(Condition={"Bool": {"aws:SecureTransport": "true"}}), rp.UNDECIDED),
        (dict(allow(), NotResource="x"), rp.UNDECIDED),
    ],
)
def test_same_account_decision_with_identity_silent(statement, decision):
    assert rp.decide(rp.NONE, policy(statement), ROLE, "sqs:SendMessage", QUEUE, "123456789012") == decision


def test_identity_allow_stands_unless_the_resource_policy_denies():
    deny = dict(allow(), Effect="Deny")
    assert rp.decide(rp.ALLOW, None, ROLE, "sqs:SendMessage", QUEUE, "123456789012") == rp.ALLOW
    assert rp.decide(rp.ALLOW, policy(deny), ROLE, "sqs:SendMessage", QUEUE, "123456789012") == rp.DENY
    conditional_deny = dict(deny, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert rp.decide(rp.ALLOW, policy(conditional_deny), ROLE, "sqs:SendMessage", QUEUE, None) == rp.UNDECIDED


def test_explicit_deny_of_the_identity_policies_wins():
    assert rp.decide(rp.DENY, policy(allow(principal="*")), ROLE, "sqs:SendMessage", QUEUE, None) == rp.DENY


@pytest.mark.parametrize(
    "identity, principal, decision",
    [
        (rp.ALLOW, {"AWS": ROLE}, rp.ALLOW),
        (rp.ALLOW, {"AWS": "123456789012"}, rp.ALLOW),
        (rp.ALLOW, {"AWS": "arn:aws:iam::123456789012:root"}, rp.ALLOW),
        (rp.NONE, {"AWS": ROLE}, rp.NONE),  # across accounts both sides must allow
        (rp.ALLOW, {"AWS": "arn:aws:iam::999999999999:root"}, rp.NONE),
    ],
)
def test_another_accounts_resource_needs_both(identity, principal, decision):
    other = "arn:aws:sqs:us-east-1:210987654321:q"
    text = policy(allow(principal=principal, resource=other))
    assert rp.decide(identity, text, ROLE, "sqs:SendMessage", other, "210987654321") == decision


def test_a_policy_that_cannot_be_parsed_is_undecided():
    assert rp.decide(rp.NONE, "{not json", ROLE, "sqs:SendMessage", QUEUE, None) == rp.UNDECIDED
