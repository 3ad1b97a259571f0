# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""grant_destinations: the function's execution role gets exactly what the destinations of one
config need, as AWS CDK, SAM and the Serverless Framework grant it.

The grant is an inline policy of the execution role that one config owns: its name is made from
the config's qualified function ARN, so two qualifiers of a function, two functions sharing a
role, or one function name in two regions never take or change each other's grants. It holds,
for each destination, the permissions of its kind (destination_kinds) on exactly that
destination, never a wildcard resource; no destination left means no policy.

A change is made in two steps, so that a destination swapped is never one the role may not
send to while the config still names it: before the Lambda write the policy holds the old and
the new destinations' statements, after it only the new ones. KMS keys are not granted: a key's
own policy must allow the role as well, which a role policy cannot do; the preflight warns of
them (validate_destinations).

Pure functions (names, documents, the plan) and thin IAM wrappers that name the IAM action in
their failure, before any Lambda write.
"""

import hashlib
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_kinds import statements_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_arn

POLICY_PREFIX = "event-invoke-config-"
_POLICY_NAME_MAX = 128  # IAM's limit for an inline policy name
_NOT_IN_A_POLICY_NAME = re.compile(r"[^\w+=,.@-]")
POLICY_VERSION = "2012-10-17"


def policy_name(function_arn):
    """The name of the inline policy that the config at this qualified function ARN owns:
    readable (function name and qualifier) and unique (a digest of the whole ARN, which holds
    the region, the account and the qualifier; "$LATEST" and an alias "LATEST" differ)."""
    parts = parse_arn(function_arn)
    readable = _NOT_IN_A_POLICY_NAME.sub("", parts.resource.split(":", 1)[1].replace(":", "-"))
    digest = hashlib.sha256(function_arn.encode("utf-8")).hexdigest()[:12]
    room = _POLICY_NAME_MAX - len(POLICY_PREFIX) - len(digest) - 1
    return f"{POLICY_PREFIX}{readable[:room]}-{digest}"


def role_name(role_arn):
    """A role's name from its ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME)."""
    return parse_arn(role_arn).resource.rsplit("/", 1)[-1]


def destination_statements(arns):
    """The statements that let a role send to each destination, in the order given, each once."""
    statements = []
    for arn in arns:
        statements += [statement for statement in statements_for(arn) if statement not in statements]
    return statements


def policy_document(statements):
    """An IAM policy of these statements, or None when there are none (no policy at all)."""
    return {"Version": POLICY_VERSION, "Statement": list(statements)} if statements else None


def statements_of(document):
    """The statements of a policy document (as IAM returns it: a dict, a single statement a dict)."""
    if not document:
        return []
    statements = document.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def same_policy(one, other):
    """Whether two policy documents grant the same statements (their order aside)."""

    def key(statement):
        return sorted((name, str(value)) for name, value in statement.items())

    return sorted(map(key, statements_of(one))) == sorted(map(key, statements_of(other)))


def plan(current_document, destinations):
    """(during, after): the policy to hold while the Lambda write is made (the current
    statements and the new ones) and after it (only the new ones); None is no policy."""
    wanted = destination_statements(destinations)
    during = statements_of(current_document) + [s for s in wanted if s not in statements_of(current_document)]
    return policy_document(during), policy_document(wanted)


def other_account_destinations(role_arn, destinations):
    """Destinations in another account than the role's: their resource policy must allow it too."""
    account = parse_arn(role_arn).account
    return [arn for arn in destinations if parse_arn(arn).account not in (None, account)]


class GrantErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = EventInvokeConfigError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


@GrantErrorHandler.list_error_handler("read the execution role's grant (iam:GetRolePolicy)")
@AWSRetry.jittered_backoff()
def get_role_policy(client, role, name):
    """The inline policy's document (botocore decodes it), or None when the role has none of that name."""
    return client.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


@GrantErrorHandler.common_error_handler("grant the execution role its destinations (iam:PutRolePolicy)")
@AWSRetry.jittered_backoff()
def put_role_policy(client, role, name, document):
    client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


@GrantErrorHandler.deletion_error_handler("revoke the execution role's grant (iam:DeleteRolePolicy)")
@AWSRetry.jittered_backoff()
def delete_role_policy(client, role, name):
    client.delete_role_policy(RoleName=role, PolicyName=name)
    return True


class DestinationGrant:
    """The grant of one config: read once, then applied in its two steps around the Lambda write.

    role_arn is the function's execution role; function_arn the config's qualified ARN; iam an
    IAM client. Nothing is written in check mode.
    """

    def __init__(self, iam, role_arn, function_arn):
        self.iam = iam
        self.role_arn = role_arn
        self.role = role_name(role_arn)
        self.name = policy_name(function_arn)
        self.current = get_role_policy(iam, self.role, self.name)
        self.held = self.current
        self.after = self.current

    def view(self, document):
        """The grant as the diff and the result show it."""
        return {"role_arn": self.role_arn, "policy_name": self.name, "policy_document": document}

    def _hold(self, document, check_mode):
        if same_policy(self.held, document):
            return False
        if not check_mode:
            if document is None:
                delete_role_policy(self.iam, self.role, self.name)
            else:
                put_role_policy(self.iam, self.role, self.name, document)
        self.held = document
        return True

    def would_change(self, destinations):
        """Whether the grant for these destinations differs from what the role holds."""
        return not same_policy(self.current, plan(self.current, destinations)[1])

    def before_write(self, destinations, check_mode):
        """Grant the new destinations (keeping the current ones until the write); True when it
        granted something new (the Lambda write then waits for IAM to propagate it)."""
        during, self.after = plan(self.current, destinations)
        return self._hold(during, check_mode)

    def revoke(self, check_mode):
        """Delete the config's grant (state absent); True when there was one."""
        self.after = None
        return self._hold(None, check_mode)

    def after_write(self, check_mode):
        """Drop what the config no longer names; True when the policy changed."""
        return self._hold(self.after, check_mode)
