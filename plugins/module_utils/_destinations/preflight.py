# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading destinations with their own services: whether one exists (to tell a typo from a
propagating grant when AWS calls a destination invalid), and the preflight of
validate_destinations, which catches before any write, in check mode too, what AWS would
refuse at apply time with a generic "The destination ARN ... is invalid".

For each destination a task would write, the preflight checks that it exists (read with
its own service) and that the function's execution role may send to it: IAM's policy
simulator for the role's identity policies, and the destination's resource policy (see
resource_policy). Where the caller may not make a read, or a policy cannot be decided
without request context, a warning is given and the task goes on: the preflight never
blocks a write that would succeed.
"""

import json

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from botocore.exceptions import HTTPClientError

    # What AWS answered, and a service that could not be reached (connection refused or timed
    # out, read timeout): the preflight's reads warn on these and the task goes on. Any other
    # botocore error (a bad parameter, Stubber's unstubbed call in a unit test) is a bug here
    # and is raised.
    _AWS_ERRORS = (ClientError, BotocoreConnectionError, HTTPClientError)
except ImportError:
    BotoCoreError = ()
    _AWS_ERRORS = ()  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import retrying
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import get_function
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import destination_policy
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import statements_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import slot_destinations
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations import resource_policy

_CALLER_DENIED_CODES = ("AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation", "403")

preflight_retry = retrying(retries=4, delay=1, max_delay=5)

# What a sender to an SQS queue or SNS topic encrypted with a customer-managed KMS key needs on
# that key (SQS's key-management guide; SNS's is the same).
KMS_SENDER_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


class PreflightError(ParameterError):
    """A destination AWS would refuse; raised before any write."""


def _kind(arn):
    return DESTINATION_KINDS[parse_arn(arn).service]


def _client(client_for, arn):
    parts = parse_arn(arn)
    return client_for(parts.service, parts.region or None)


def read_destination(client_for, arn, with_key=False):
    """Read a destination with its own service: (False, None) when its service says it does
    not exist, (True, key) when it does, key being the customer-managed KMS key that encrypts
    it when with_key is asked and its kind can have one (else None); raises botocore's error
    for any other answer."""
    kind = _kind(arn)
    read = kind.read_key if with_key and kind.read_key else kind.read
    try:
        found = preflight_retry(read)(_client(client_for, arn), arn)
    except _AWS_ERRORS as e:
        if error_code(e) in kind.missing_codes:
            return False, None
        raise
    return True, found if read is kind.read_key else None


def _sdk_failure(what, error):
    """Any other botocore error (no answer from AWS, and no unreachable service: say, expired
    SSO credentials) fails the task with a message, and nothing is written."""
    return EventInvokeConfigError(message=f"{what}: {type(error).__name__}", exception=error)


def destination_exists(client_for, arn):
    """True or False when the destination's service tells, None when it cannot be read."""
    try:
        return read_destination(client_for, arn)[0]
    except _AWS_ERRORS:
        return None
    except BotoCoreError as e:
        raise _sdk_failure(f"could not read the destination {arn}", e) from e


def _read_policy(client_for, arn):
    """The destination's resource policy (None when it has none); raises when it cannot be read."""
    kind = _kind(arn)
    try:
        return preflight_retry(kind.read_policy)(_client(client_for, arn), arn)
    except _AWS_ERRORS as e:
        if error_code(e) in kind.no_policy_codes:
            return None
        raise


def check_destination(client_for, slot, arn):
    """Problems with one destination's existence: (problems, warnings)."""
    option = f"destination_config.{slot}.destination {arn}"
    try:
        exists, key = read_destination(client_for, arn, with_key=True)
    except _AWS_ERRORS as e:
        code = error_code(e)
        if code in _CALLER_DENIED_CODES:
            return [], [f"preflight could not check that {arn} exists: the caller may not read it ({code})"]
        return [], [f"preflight could not check that {arn} exists: {e}"]
    if not exists:
        return [f"{option} does not exist (or is in another account or region)"], []
    if key:
        # What SQS and SNS document for a sender to an encrypted queue or topic; the key's own
        # policy decides too, and the preflight reads no KMS key.
        return [], [
            f"{option} is encrypted with the KMS key {key}: the function's execution role also needs "
            f"{' and '.join(KMS_SENDER_ACTIONS)} on that key (in its policy, and the key policy must allow it); "
            "the preflight does not check KMS"
        ]
    return [], []


@preflight_retry
def _simulate(client, role_arn, action, resource, planned=None):
    """IAM's simulation of the role's identity policies (with the planned policy document added,
    when given): its EvaluationResult for the action on the resource."""
    kwargs = {"PolicySourceArn": role_arn, "ActionNames": [action], "ResourceArns": [resource]}
    if planned is not None:
        kwargs["PolicyInputList"] = [json.dumps(planned)]
    results = client.simulate_principal_policy(**kwargs)["EvaluationResults"]
    return results[0] if results else {"EvalDecision": resource_policy.NONE}


def planned_denial(result):
    """Why IAM's simulation with the planned grant added still refuses (the grant cannot lift it):
    the role's permissions boundary, an SCP, or a statement that explicitly denies; None when it
    allows, or refuses without naming why (LocalStack ignores PolicyInputList and answers
    explicitDeny for a role without an Allow: that is no deny to act on)."""
    if result.get("EvalDecision") == resource_policy.ALLOW:
        return None
    if (result.get("PermissionsBoundaryDecisionDetail") or {}).get("AllowedByPermissionsBoundary") is False:
        return "the role's permissions boundary does not allow it"
    if (result.get("OrganizationsDecisionDetail") or {}).get("AllowedByOrganizations") is False:
        return "a service control policy of the organization does not allow it"
    sources = sorted({match.get("SourcePolicyId") or "?" for match in result.get("MatchedStatements") or []})
    if result.get("EvalDecision") == resource_policy.DENY and sources:
        return f"explicitly denied by {', '.join(sources)}"
    return None


def _policy_once(client_for, arn):
    """A reader of the destination's resource policy that reads it at most once (a kind with two
    permissions weighs both against it), raising its error again on each call (functools.lru_cache
    would read again after an error)."""
    read = []

    def policy():
        if not read:
            try:
                read.append((_read_policy(client_for, arn), None))
            except _AWS_ERRORS as e:
                read.append((None, e))
        text, error = read[0]
        if error is not None:
            raise error
        return text

    return policy


def _role_decision(iam, role_arn, arn, permission, read_policy, planned=False):
    """(decision, warnings, why) for the role having one permission on destination arn: its
    identity policies as IAM's simulator answers, weighed with the destination's resource policy.
    planned (grant_destinations): the grant's policy is added to the simulation, and only what the
    grant cannot lift refuses (why says what)."""
    action, resource = permission.action, permission.resource(arn)
    result = _simulate(iam, role_arn, action, resource, destination_policy(arn) if planned else None)
    identity = result.get("EvalDecision")
    if planned:
        why = planned_denial(result)
        if why is not None:
            return resource_policy.DENY, [], why
        if identity != resource_policy.ALLOW:
            return (
                resource_policy.UNDECIDED,
                [
                    f"IAM's policy simulator answered {identity} for {role_arn} to {action} with the grant added, "
                    "naming no statement, permissions boundary or service control policy that denies it; the write "
                    "goes ahead"
                ],
                None,
            )
    if identity == resource_policy.DENY:
        return identity, [], None  # an explicit deny wins whatever the resource policy says
    if identity == resource_policy.ALLOW and parse_arn(arn).account in (None, parse_arn(role_arn).account):
        return identity, [], None  # within an account, the identity policies suffice
    try:
        policy = read_policy()
    except _AWS_ERRORS as e:
        # The grant may be in the policy we cannot read: warn, never refuse on a guess.
        return (
            resource_policy.UNDECIDED,
            [
                f"preflight could not read the resource policy of {arn} ({error_code(e) or e}), so it cannot tell "
                f"whether {role_arn} may {action}; the write goes ahead"
            ],
            None,
        )
    decision = resource_policy.decide(identity, policy, role_arn, action, resource, parse_arn(arn).account)
    if decision == resource_policy.UNDECIDED:
        return (
            decision,
            [
                f"preflight could not decide whether the resource policy of {arn} lets {role_arn} {action} "
                "(it has conditions or Not* elements); the write goes ahead"
            ],
            None,
        )
    return decision, [], None


def check_role_permissions(client_for, ref, lambda_client, destinations, planned=False):
    """Problems with the execution role's permissions to send to each destination (planned: with
    the grant_destinations policy added, so only what the grant cannot lift)."""
    try:
        role_arn = get_function(lambda_client, ref)["Configuration"]["Role"]
    except EventInvokeConfigError as e:
        if not isinstance(e.exception, _AWS_ERRORS):
            raise  # as every read of the preflight: only AWS's answer or an unreachable service warns
        if error_code(e.exception) == "ResourceNotFoundException":
            return [f"function {ref.describe()} does not exist"], []
        return [], [f"preflight could not read the execution role of {ref.describe()} ({error_code(e.exception) or e})"]
    problems, warnings = [], []
    iam = client_for("iam", ref.region) if destinations else None  # the function's region: its partition's IAM
    for slot, arn in destinations:
        missing, read_policy = [], _policy_once(client_for, arn)
        for permission in _kind(arn).permissions:
            try:
                decision, cannot, why = _role_decision(iam, role_arn, arn, permission, read_policy, planned)
            except _AWS_ERRORS as e:
                warnings.append(
                    f"preflight could not simulate {permission.action} for {role_arn} ({error_code(e) or e})"
                )
                continue
            warnings += cannot
            if why is not None:
                problems.append(
                    f"destination_config.{slot}.destination {arn}: the function's execution role {role_arn} may not "
                    f"{permission.action} even with the grant ({why}); grant_destinations cannot lift that"
                )
            elif decision not in (resource_policy.ALLOW, resource_policy.UNDECIDED):
                missing.append((permission, decision))
        if missing:
            refused = " or ".join(f"{permission.action} ({decision})" for permission, decision in missing)
            statements = json.dumps(statements_for(arn, [permission for permission, _decision in missing]))
            problems.append(
                f"destination_config.{slot}.destination {arn}: the function's execution role {role_arn} may not "
                f"{refused}; add to its policy: {statements}"
            )
    return problems, warnings


def preflight_destinations(client_for, ref, lambda_client, desired, warn, planned=False):
    """Check every destination of desired settings; raise PreflightError listing all problems.

    client_for(service, region) returns a boto3 client; lambda_client is the client of the
    function's region; warn(message) reports a check that could not be made. Kinds AWS
    never delivers to and the function itself are refused earlier, by validation. Without
    planned (grant_destinations grants the role what it needs), the role is simulated with the grant
    added, so that what the grant cannot lift (an explicit deny, a permissions boundary, an SCP)
    fails before any write instead of the write waiting out iam_propagation_timeout.
    """
    try:
        _preflight(client_for, ref, lambda_client, desired, warn, planned)
    except BotoCoreError as e:
        raise _sdk_failure(f"preflight of {ref.describe()} (validate_destinations) failed", e) from e


def _preflight(client_for, ref, lambda_client, desired, warn, planned):
    destinations = slot_destinations(desired)
    if not destinations:
        return
    problems, warnings, existing = [], [], []
    for slot, arn in destinations:
        found, cannot = check_destination(client_for, slot, arn)
        problems += found
        warnings += cannot
        if not found:
            existing.append((slot, arn))  # a missing one needs no permission check
    found, cannot = check_role_permissions(client_for, ref, lambda_client, existing, planned)
    problems += found
    warnings += cannot
    for message in warnings:
        warn(message)
    if problems:
        raise PreflightError(f"AWS would refuse the event invoke config of {ref.describe()}: " + "; ".join(problems))
