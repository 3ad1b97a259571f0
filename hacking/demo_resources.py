#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create what the demo configures, on LocalStack: the orders function (version 1 and
alias live), an SQS queue, an SNS topic and an EventBridge bus; and, for the audit of the
region, three more functions: payments (nothing set, so its failed events are dropped),
emails (a dead-letter queue) and reports (a failure destination).
Usage: demo_resources.py ENDPOINT_URL"""

import sys

import boto3
from lambda_fixtures import create_echo_function
from lambda_fixtures import execution_role

REGION = "us-east-1"


def client(service, endpoint):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def main(endpoint):
    role = execution_role(client("iam", endpoint), "orders-exec")
    lam = client("lambda", endpoint)
    sqs = client("sqs", endpoint)
    queue = sqs.create_queue(QueueName="orders-failed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = client("sns", endpoint).create_topic(Name="orders-succeeded")["TopicArn"]
    bus = client("events", endpoint).create_event_bus(Name="orders-events")["EventBusArn"]

    def create_function(name, **extra):
        return create_echo_function(lam, name, role, **extra)

    function = create_function("orders", Publish=True)
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion=function["Version"])
    create_function("payments")
    create_function("emails", DeadLetterConfig={"TargetArn": queue_arn})
    create_function("reports")
    lam.put_function_event_invoke_config(
        FunctionName="reports", DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    print(f"  function  {function['FunctionArn']} (version {function['Version']}, alias live)")
    print("  functions payments (nothing set), emails (a dead-letter queue), reports (a failure destination)")
    print(f"  queue     {queue}")
    print(f"  topic     {topic}")
    print(f"  event bus {bus}")


if __name__ == "__main__":
    main(sys.argv[1])
