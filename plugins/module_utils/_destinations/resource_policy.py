# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a destination's resource policy says about the function's execution role (pure).

IAM's policy simulator cannot weigh a resource policy for a role: SimulatePrincipalPolicy
requires CallerArn with a ResourcePolicy unless PolicySourceArn is an IAM user, and CallerArn
can only be a user (IAM API reference). So the preflight simulates the role's identity
policies and reads the resource policy itself, here, with IAM's documented evaluation
logic for the cases that can be decided without request context:

- an explicit Deny that applies wins;
- within an account, an Allow in either the identity policies or the resource policy
  (naming the role, or "*") grants access;
- across accounts, both must allow (the resource policy naming the role, its account or "*").

A statement with a Condition, NotPrincipal, NotAction or NotResource cannot be decided here:
the answer is then UNDECIDED and the preflight warns instead of refusing.
"""

import json
import re

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn

ALLOW = "allowed"
DENY = "explicitDeny"
NONE = "implicitDeny"
UNDECIDED = "undecided"


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern):
    """IAM's pattern as a regular expression: * matches any run of characters, ? any one, and every
    other character itself ([ and ] too, where fnmatch would read a character class)."""
    return "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)


def _matches(patterns, value, case_sensitive):
    for pattern in _as_list(patterns):
        if not isinstance(pattern, str):
            continue
        flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE
        if re.fullmatch(_wildcard(pattern), value, flags):
            return True
    return False


def _principal_kind(principal, role_arn, account):
    """'role' when the principal names the role (or everyone), 'account' when it names the
    role's account (which delegates to the identity policies), else None."""
    if principal == "*":
        return "role"
    if not isinstance(principal, dict):
        return None
    names = _as_list(principal.get("AWS"))
    if "*" in names or role_arn in names:
        return "role"
    if account in names or any(name == f"arn:{parse_arn(role_arn).partition}:iam::{account}:root" for name in names):
        return "account"
    return None


def statement_effects(policy_text, role_arn, action, resource):
    """[(effect, principal kind or UNDECIDED)] of the statements that apply to role_arn doing
    action on resource; a policy that cannot be parsed gives [(None, UNDECIDED)]."""
    try:
        policy = json.loads(policy_text)
    except (TypeError, ValueError):
        return [(None, UNDECIDED)]
    account = parse_arn(role_arn).account
    effects = []
    for statement in _as_list(policy.get("Statement") if isinstance(policy, dict) else None):
        if not isinstance(statement, dict):
            continue
        if any(key in statement for key in ("Condition", "NotPrincipal", "NotAction", "NotResource")):
            effects.append((statement.get("Effect"), UNDECIDED))
            continue
        if not _matches(statement.get("Action"), action, case_sensitive=False):
            continue
        if "Resource" in statement and not _matches(statement["Resource"], resource, case_sensitive=True):
            continue
        kind = _principal_kind(statement.get("Principal"), role_arn, account)
        if kind is not None:
            effects.append((statement.get("Effect"), kind))
    return effects


def decide(identity_decision, policy_text, role_arn, action, resource, resource_account):
    """The decision for the role doing action on resource, given IAM's simulation of its
    identity policies and the resource's policy (None when it has none).

    resource_account is the account that owns the resource (None when its ARN does not
    say, as for S3 buckets: then it is taken to be the role's).
    """
    if identity_decision == DENY:
        return DENY
    effects = statement_effects(policy_text, role_arn, action, resource) if policy_text else []
    if any(effect == "Deny" and kind != UNDECIDED for effect, kind in effects):
        return DENY
    same_account = resource_account in (None, parse_arn(role_arn).account)
    grants = {kind for effect, kind in effects if effect == "Allow"}
    if same_account:
        allowed = identity_decision == ALLOW or "role" in grants
    else:
        allowed = identity_decision == ALLOW and bool(grants & {"role", "account"})
    # A statement that cannot be decided may deny what is allowed, or allow what is not.
    undecided = {effect for effect, kind in effects if kind == UNDECIDED}
    if allowed:
        return UNDECIDED if undecided - {"Allow"} else ALLOW
    return UNDECIDED if undecided - {"Deny"} else NONE
