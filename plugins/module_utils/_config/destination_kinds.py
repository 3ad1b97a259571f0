# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kinds of destination an event invoke config can send records to: one entry each.

Everything this collection knows about a kind lives in its entry: the slots AWS accepts it
in, what its resource part looks like, what AWS takes and then never delivers to, the
permissions the function's execution role needs (each an action on a resource derived from
the ARN: an S3 bucket needs two, on the bucket and on its objects), how to read the
destination, the KMS key it is encrypted with and its resource policy with its own service,
and which error codes of that service mean "it does not exist". Validation, preflight, the answer to AWS's
"The destination ARN ... is invalid" and the docs' tables are all built from this table,
so a new kind of destination is one entry.

The readers are thin calls on a boto3 client of the destination's service and region;
they raise botocore's errors for the caller to classify.
"""

import re
from collections import namedtuple

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import FUNCTION_RESOURCE_RE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn

POLICY_VERSION = "2012-10-17"  # IAM's current policy language

DestinationKind = namedtuple(
    "DestinationKind",
    [
        "service",  # the ARN's service part
        "noun",  # what users call it, for messages
        "slots",  # the destination_config slots AWS accepts it in
        "resource_re",  # the ARN's resource part (full match)
        "has_location",  # whether the ARN carries a region and an account
        "example",  # an ARN to show in a message
        "undeliverable",  # (pattern on the resource, why AWS never delivers there) or None
        "permissions",  # (Permission, ...): what the execution role needs to send to it
        "read",  # read(client, arn): raises when it does not exist
        "read_key",  # read_key(client, arn) -> its customer-managed KMS key or None, raising as read; or None
        "read_policy",  # read_policy(client, arn) -> the resource policy (JSON text) or None
        "missing_codes",  # error codes of its service that mean "does not exist"
        "no_policy_codes",  # error codes of read_policy that mean "has no resource policy"
    ],
)


# An action the execution role needs, on the resource resource(arn) of a destination ARN.
Permission = namedtuple("Permission", ["action", "resource"])


def _the_arn(arn):
    return arn


def _resource(arn):
    return parse_arn(arn).resource


def _queue_url(client, arn):
    parts = parse_arn(arn)
    return client.get_queue_url(QueueName=parts.resource, QueueOwnerAWSAccountId=parts.account)["QueueUrl"]


def queue_attribute(client, arn, name):
    """One attribute of the queue of an SQS ARN (None when unset), read with a client of its region."""
    url = _queue_url(client, arn)
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=[name]).get("Attributes", {}).get(name)


def _queue_policy(client, arn):
    return queue_attribute(client, arn, "Policy")


def customer_key(key_id):
    """The KMS key a queue or topic names, unless it is none or the service's AWS-managed key
    (alias/aws/sqs, alias/aws/sns), which the account's principals use through the service
    without a grant of their own."""
    return None if not key_id or key_id.startswith("alias/aws/") else key_id


def _queue_key(client, arn):
    return customer_key(queue_attribute(client, arn, "KmsMasterKeyId"))


def _topic_attributes(client, arn):
    return client.get_topic_attributes(TopicArn=arn).get("Attributes", {})


def _topic_policy(client, arn):
    return _topic_attributes(client, arn).get("Policy")


def _topic_key(client, arn):
    return customer_key(_topic_attributes(client, arn).get("KmsMasterKeyId"))


def _function_policy(client, arn):
    return client.get_policy(FunctionName=arn).get("Policy")


def _bus_policy(client, arn):
    return client.describe_event_bus(Name=arn).get("Policy")


def _bucket_policy(client, arn):
    return client.get_bucket_policy(Bucket=_resource(arn)).get("Policy")


_FIFO = (
    re.compile(r".*\.fifo"),
    "a FIFO {noun}: AWS accepts it but never delivers invocation records to it, so they would be lost",
)

DESTINATION_KINDS = {
    kind.service: kind
    for kind in (
        DestinationKind(
            service="sqs",
            noun="SQS queue",
            slots=("on_success", "on_failure"),
            resource_re=re.compile(r"[a-zA-Z0-9_-]{1,80}(?:\.fifo)?"),
            has_location=True,
            example="arn:aws:sqs:REGION:ACCOUNT:QUEUE",
            undeliverable=_FIFO,
            permissions=(Permission("sqs:SendMessage", _the_arn),),
            read=_queue_url,
            read_key=_queue_key,
            read_policy=_queue_policy,
            missing_codes=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
            no_policy_codes=(),
        ),
        DestinationKind(
            service="sns",
            noun="SNS topic",
            slots=("on_success", "on_failure"),
            resource_re=re.compile(r"[a-zA-Z0-9_-]{1,256}(?:\.fifo)?"),
            has_location=True,
            example="arn:aws:sns:REGION:ACCOUNT:TOPIC",
            undeliverable=_FIFO,
            permissions=(Permission("sns:Publish", _the_arn),),
            read=_topic_attributes,
            read_key=_topic_key,
            read_policy=_topic_policy,
            missing_codes=("NotFound", "NotFoundException"),
            no_policy_codes=(),
        ),
        DestinationKind(
            service="lambda",
            noun="Lambda function",
            slots=("on_success", "on_failure"),
            resource_re=FUNCTION_RESOURCE_RE,
            has_location=True,
            example="arn:aws:lambda:REGION:ACCOUNT:function:NAME",
            undeliverable=None,
            permissions=(Permission("lambda:InvokeFunction", _the_arn),),
            read=lambda client, arn: client.get_function(FunctionName=arn),
            read_key=None,
            read_policy=_function_policy,
            missing_codes=("ResourceNotFoundException",),
            no_policy_codes=("ResourceNotFoundException",),
        ),
        DestinationKind(
            service="events",
            noun="EventBridge event bus",
            slots=("on_success", "on_failure"),
            resource_re=re.compile(r"event-bus/[a-zA-Z0-9/._-]{1,256}"),
            has_location=True,
            example="arn:aws:events:REGION:ACCOUNT:event-bus/NAME",
            undeliverable=None,
            permissions=(Permission("events:PutEvents", _the_arn),),
            read=_bus_policy,
            read_key=None,
            read_policy=_bus_policy,
            missing_codes=("ResourceNotFoundException",),
            no_policy_codes=(),
        ),
        DestinationKind(
            service="s3",
            noun="S3 bucket",
            slots=("on_failure",),
            resource_re=re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
            has_location=False,
            example="arn:aws:s3:::BUCKET",
            undeliverable=None,
            # What AWS documents for an S3 failure destination ("Capturing records of Lambda
            # asynchronous invocations"): ListBucket on the bucket, PutObject on its objects.
            permissions=(
                Permission("s3:ListBucket", _the_arn),
                Permission("s3:PutObject", lambda arn: arn + "/*"),
            ),
            read=lambda client, arn: client.head_bucket(Bucket=_resource(arn)),
            read_key=None,
            read_policy=_bucket_policy,
            missing_codes=("404", "NoSuchBucket", "NotFound"),
            no_policy_codes=("NoSuchBucketPolicy",),
        ),
    )
}


def statements_for(arn, permissions=None):
    """The IAM policy statements that let a role send to the destination arn: one per
    permission of its kind (or of the given permissions), each on exactly its resource."""
    kind = DESTINATION_KINDS[parse_arn(arn).service]
    return [
        {"Effect": "Allow", "Action": permission.action, "Resource": permission.resource(arn)}
        for permission in (kind.permissions if permissions is None else permissions)
    ]


def destination_policy(arn):
    """The identity policy that lets a role send to one destination (the preflight simulates the
    role with it; earlier builds of grant_destinations put one per destination)."""
    return {"Version": POLICY_VERSION, "Statement": statements_for(arn)}


def kind_actions(kind):
    """The actions the execution role needs for one kind, in table order."""
    return tuple(permission.action for permission in kind.permissions)


def services_for(slot):
    """The destination services AWS accepts in a slot, in table order."""
    return tuple(kind.service for kind in DESTINATION_KINDS.values() if slot in kind.slots)


def undeliverable_reason(kind, resource):
    """Why AWS would accept this destination and never deliver to it, or None."""
    if kind.undeliverable is None:
        return None
    pattern, reason = kind.undeliverable
    return reason.format(noun=kind.noun) if pattern.fullmatch(resource) else None
