# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit's other half: event source mappings, the other way Lambda discards failed work.

A stream or Kafka mapping (Kinesis, DynamoDB Streams, Amazon MSK, self-managed Kafka) retries a
failing batch until its retries or its records' age run out, then discards it unless the mapping has
an on-failure destination; with neither limit set, the stream's retention ends the retries. An SQS
mapping leaves a failing message in its queue, which keeps it only through the queue's redrive policy
(a dead-letter queue); otherwise the queue deletes it at the end of its retention.

unhandled_reason() judges one mapping from what was read; audit_event_source_mappings reads a region.
"""

import json

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import default_retry
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_event_source_mappings
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import queue_attribute

# The sources whose mapping takes an on-failure destination, by the ARN's service part (a
# self-managed Kafka cluster has no ARN), and what they are called.
STREAM_SOURCES = {"kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream", "kafka": "MSK topic"}
SELF_MANAGED_KAFKA = "self-managed Kafka topic"


def source_kind(mapping):
    """'sqs', a STREAM_SOURCES key, SELF_MANAGED_KAFKA, or None for a source the audit does not judge."""
    arn = parse_arn(mapping.get("EventSourceArn"))
    if arn is None:
        return SELF_MANAGED_KAFKA if mapping.get("SelfManagedEventSource") else None
    return arn.service if arn.service == "sqs" or arn.service in STREAM_SOURCES else None


def _limits(mapping):
    retries, age = mapping.get("MaximumRetryAttempts", -1), mapping.get("MaximumRecordAgeInSeconds", -1)
    limits = []
    if retries is not None and retries >= 0:
        limits.append(f"after {retries} retr{'y' if retries == 1 else 'ies'}")
    if age is not None and age >= 0:
        limits.append(f"when its records are {age} s old")
    return " or ".join(limits)


def unhandled_reason(mapping, redrive_policy=None, queue_error=None):
    """Why a mapping discards records that keep failing, or None when something keeps them.

    redrive_policy: the SQS source queue's RedrivePolicy (JSON text or None); queue_error: the
    error code when the queue could not be read."""
    kind = source_kind(mapping)
    if kind == "sqs":
        if queue_error:
            return f"the redrive policy of its queue could not be read ({queue_error}): failed messages may be lost"
        target = json.loads(redrive_policy).get("deadLetterTargetArn") if redrive_policy else None
        if target:
            return None
        return (
            "its queue has no redrive policy: a message that keeps failing returns to the queue until the queue's "
            "retention period deletes it"
        )
    if kind is None or ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"):
        return None
    noun = STREAM_SOURCES.get(kind, kind)
    limits = _limits(mapping) if kind in ("kinesis", "dynamodb") else ""
    when = limits or "when the retention of its records ends"
    return f"no on-failure destination: a batch of its {noun} that keeps failing is discarded {when}"


def mapping_entry(mapping, reason):
    """One entry of event_source_mappings_without_failure_handling."""
    return {
        "uuid": mapping["UUID"],
        "function_arn": mapping.get("FunctionArn"),
        "event_source_arn": mapping.get("EventSourceArn"),
        "reason": reason,
    }


@default_retry
def _redrive_policy(sqs_client, arn):
    return queue_attribute(sqs_client, arn, "RedrivePolicy")


def _read_queue(sqs_client, arn):
    """(RedrivePolicy or None, None), or (None, the error code) when the queue cannot be read."""
    try:
        return _redrive_policy(sqs_client, arn), None
    except ClientError as e:
        return None, error_code(e)
    except BotoCoreError as e:
        return None, type(e).__name__


def audit_event_source_mappings(lambda_client, sqs_client):
    """The entries of the region's mappings that discard records which keep failing, in AWS's order
    (all pages of ListEventSourceMappings; each SQS source queue's redrive policy, read once)."""
    entries, queues = [], {}
    for mapping in list_event_source_mappings(lambda_client):
        read = (None, None)
        if source_kind(mapping) == "sqs":
            arn = mapping["EventSourceArn"]
            if arn not in queues:
                queues[arn] = _read_queue(sqs_client, arn)
            read = queues[arn]
        reason = unhandled_reason(mapping, *read)
        if reason:
            entries.append(mapping_entry(mapping, reason))
    return entries
