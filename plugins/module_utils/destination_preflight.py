# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight for destinations: catch, before any write and in check mode too, what AWS
would refuse at apply time with a generic "The destination ARN ... is invalid".

For each destination a task would write: it must exist and be a kind AWS accepts (read
with its own service), and the function's execution role must be allowed to send to it
(IAM's policy simulator). Where the caller may not run a preflight read, a warning is
given and the task goes on: preflight never blocks a write that would succeed.
"""

import json

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import error_code

# The action each destination type needs on the function's execution role, and the
# resource that action is checked against.
DESTINATION_ACTIONS = {
    "sqs": "sqs:SendMessage",
    "sns": "sns:Publish",
    "lambda": "lambda:InvokeFunction",
    "events": "events:PutEvents",
    "s3": "s3:PutObject",
}
_CALLER_DENIED_CODES = ("AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation", "403")
_MISSING_CODES = (
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
    "NoSuchBucket",
    "404",
)

preflight_retry = AWSRetry.jittered_backoff(retries=4, delay=1, max_delay=5)


class PreflightError(ParameterError):
    """A destination AWS would refuse; raised before any write."""


def action_for(arn):
    """The action the execution role needs to send to this destination."""
    return DESTINATION_ACTIONS[parse_aws_arn(arn)["service"]]


def simulated_resource(arn):
    """The resource s3:PutObject is checked against is an object in the bucket."""
    return arn + "/*" if parse_aws_arn(arn)["service"] == "s3" else arn


def fix_statement(arn):
    """The policy statement that lets the execution role send to this destination."""
    return {"Effect": "Allow", "Action": action_for(arn), "Resource": simulated_resource(arn)}


@preflight_retry
def _read_queue(client, arn):
    parts = parse_aws_arn(arn)
    url = client.get_queue_url(QueueName=parts["resource"], QueueOwnerAWSAccountId=parts["account_id"])["QueueUrl"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"]).get("Attributes", {})
    return "a FIFO queue, which AWS does not accept as a destination" if attributes.get("FifoQueue") == "true" else None


@preflight_retry
def _read_topic(client, arn):
    attributes = client.get_topic_attributes(TopicArn=arn).get("Attributes", {})
    return "a FIFO topic, which AWS does not accept as a destination" if attributes.get("FifoTopic") == "true" else None


@preflight_retry
def _read_function(client, arn):
    client.get_function(FunctionName=arn)
    return None


@preflight_retry
def _read_event_bus(client, arn):
    client.describe_event_bus(Name=arn)
    return None


@preflight_retry
def _read_bucket(client, arn):
    client.head_bucket(Bucket=parse_aws_arn(arn)["resource"])
    return None


_READERS = {"sqs": _read_queue, "sns": _read_topic, "lambda": _read_function, "events": _read_event_bus, "s3": _read_bucket}


@preflight_retry
def _execution_role(client, ref):
    return client.get_function_configuration(**ref.api_kwargs())["Role"]


@preflight_retry
def _simulate(client, role_arn, arn):
    results = client.simulate_principal_policy(
        PolicySourceArn=role_arn,
        ActionNames=[action_for(arn)],
        ResourceArns=[simulated_resource(arn)],
    )["EvaluationResults"]
    return results[0]["EvalDecision"] if results else "implicitDeny"


def check_destination(client_for, ref, slot, arn):
    """Problems with one destination's existence or kind: (problems, warnings)."""
    parts = parse_aws_arn(arn)
    service = parts["service"]
    option = f"destination_config.{slot}.destination {arn}"
    # A lambda destination's resource is function:NAME[:QUALIFIER].
    if service == "lambda" and parts["resource"].split(":")[1] == ref.name:
        return [f"{option} is the function itself; it cannot be its own destination"], []
    try:
        kind_problem = _READERS[service](client_for(service, parts["region"] or None), arn)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        code = error_code(e)
        if code in _MISSING_CODES:
            return [f"{option} does not exist (or is in another account or region)"], []
        if code in _CALLER_DENIED_CODES:
            return [], [f"preflight could not check that {arn} exists: the caller may not read it ({code})"]
        return [], [f"preflight could not check that {arn} exists: {e}"]
    return ([f"{option} is {kind_problem}"] if kind_problem else []), []


def check_role_permissions(client_for, ref, destinations):
    """Problems with the execution role's permission to send to each destination."""
    try:
        role_arn = _execution_role(client_for("lambda", None), ref)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        if error_code(e) == "ResourceNotFoundException":
            return [f"function {ref.describe()} does not exist"], []
        return [], [f"preflight could not read the execution role of {ref.describe()} ({error_code(e) or e})"]
    problems, warnings = [], []
    iam = client_for("iam", None)
    for slot, arn in destinations:
        try:
            decision = _simulate(iam, role_arn, arn)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            warnings.append(
                f"preflight could not simulate {action_for(arn)} for {role_arn} ({error_code(e) or e})"
            )
            continue
        if decision != "allowed":
            statement = json.dumps(fix_statement(arn))
            problems.append(
                f"destination_config.{slot}.destination {arn}: the function's execution role {role_arn} may not "
                f"{action_for(arn)} ({decision}); add to its policy: {statement}"
            )
    return problems, warnings


def preflight_destinations(client_for, ref, desired, warn):
    """Check every destination of desired settings; raise PreflightError listing all problems.

    client_for(service, region) returns a boto3 client; warn(message) reports a check that
    could not be made.
    """
    destinations = [(slot, entry["destination"]) for slot, entry in sorted(desired["destination_config"].items())]
    if not destinations:
        return
    problems, warnings = [], []
    for slot, arn in destinations:
        found, cannot = check_destination(client_for, ref, slot, arn)
        problems += found
        warnings += cannot
    found, cannot = check_role_permissions(client_for, ref, destinations)
    problems += found
    warnings += cannot
    for message in warnings:
        warn(message)
    if problems:
        raise PreflightError(
            f"AWS would refuse the event invoke config of {ref.describe()}: " + "; ".join(problems)
        )
