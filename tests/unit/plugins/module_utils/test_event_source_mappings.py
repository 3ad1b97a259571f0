# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The judging of an event source mapping (event_source_mappings.unhandled_reason), from what was read."""

import json

from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.mappings import unhandled_reason

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
TABLE_STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-01T00:00:00.000"
MSK = "arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd1234-ab12-cd34-ef56-abcdef123456-1"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
DLQ = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"


def mapping(source, **fields):
    return dict({"UUID": "u1", "EventSourceArn": source}, **fields)


def test_a_stream_mapping_with_an_on_failure_destination_keeps_its_records():
    on_failure = {"DestinationConfig": {"OnFailure": {"Destination": DLQ}}}
    for source in (STREAM, TABLE_STREAM, MSK):
        assert unhandled_reason(mapping(source, **on_failure)) is None


def test_a_stream_mapping_without_one_discards_after_its_limits():
    reason = unhandled_reason(mapping(STREAM, MaximumRetryAttempts=2, MaximumRecordAgeInSeconds=3600))
    assert reason == (
        "no on-failure destination: a batch of its Kinesis stream that keeps failing is discarded after 2 retries "
        "or when its records are 3600 s old"
    )
    # AWS's answer for an empty DestinationConfig is {"OnFailure": {}}.
    reason = unhandled_reason(mapping(TABLE_STREAM, DestinationConfig={"OnFailure": {}}, MaximumRetryAttempts=1))
    assert reason.endswith("DynamoDB stream that keeps failing is discarded after 1 retry")


def test_infinite_retries_still_end_with_the_streams_retention():
    reason = unhandled_reason(mapping(STREAM, MaximumRetryAttempts=-1, MaximumRecordAgeInSeconds=-1))
    assert reason.endswith("is discarded when the retention of its records ends")


def test_kafka_mappings_msk_and_self_managed_are_judged_too():
    assert "MSK topic" in unhandled_reason(mapping(MSK))
    self_managed = {"UUID": "u2", "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b1:9092"]}}}
    assert "self-managed Kafka topic" in unhandled_reason(self_managed)


def test_an_sqs_mapping_is_kept_by_its_queues_redrive_policy_only():
    policy = json.dumps({"deadLetterTargetArn": DLQ, "maxReceiveCount": 5})
    assert unhandled_reason(mapping(QUEUE), redrive_policy=policy) is None
    assert unhandled_reason(mapping(QUEUE), redrive_policy=None).startswith("its queue has no redrive policy")
    # An on-failure destination is not how an SQS mapping keeps messages.
    sqs_with_destination = mapping(QUEUE, DestinationConfig={"OnFailure": {"Destination": DLQ}})
    assert unhandled_reason(sqs_with_destination).startswith("its queue has no redrive policy")


def test_an_unreadable_queue_is_reported_with_the_error():
    assert unhandled_reason(mapping(QUEUE), queue_error="AccessDenied") == (
        "the redrive policy of its queue could not be read (AccessDenied): failed messages may be lost"
    )


def test_sources_the_audit_does_not_judge_are_left_out():
    assert unhandled_reason(mapping("arn:aws:mq:us-east-1:123456789012:broker:b:b-1234")) is None
