#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create what the demo configures, on LocalStack: the orders function (version 1 and
alias live), an SQS queue, an SNS topic and an EventBridge bus; and, for the audit of the
region, three more functions: payments (nothing set, so its failed events are dropped),
emails (a dead-letter queue) and reports (a failure destination). For the report of the last
step, an SQS queue feeding payments (no redrive policy) and, since LocalStack publishes no Lambda
metric, the async metrics of the last days as Lambda would have published them: reports failed
to deliver 3 records to its queue, emails 2 to its dead-letter queue.
Usage: demo_resources.py ENDPOINT_URL"""

import datetime
import sys

from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from lambda_fixtures import execution_role

REGION = "us-east-1"


def client(service, endpoint):
    return aws_client(service, endpoint, REGION)


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
    inbox = sqs.create_queue(QueueName="payments-in")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(FunctionName="payments", EventSourceArn=inbox_arn)
    seed_metrics(
        client("cloudwatch", endpoint),
        {
            "orders": {"AsyncEventsReceived": 240},
            "payments": {"AsyncEventsReceived": 120, "AsyncEventsDropped": 6},
            "emails": {"AsyncEventsReceived": 40, "AsyncEventsDropped": 2, "DeadLetterErrors": 2},
            "reports": {"AsyncEventsReceived": 15, "AsyncEventsDropped": 3, "DestinationDeliveryFailures": 3},
        },
    )
    print(f"  function  {function['FunctionArn']} (version {function['Version']}, alias live)")
    print("  functions payments (nothing set), emails (a dead-letter queue), reports (a failure destination)")
    print(f"  queue     {queue}")
    print(f"  topic     {topic}")
    print(f"  event bus {bus}")
    print(f"  queue     {inbox} feeding payments (an event source mapping, no redrive policy)")
    print("  metrics   the async metrics of the last two days, seeded (LocalStack publishes none)")


def seed_metrics(cloudwatch, sums):
    """Each function's async metrics, half yesterday and half today, as Lambda publishes them."""
    now = datetime.datetime.now(datetime.timezone.utc)
    data = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": "FunctionName", "Value": function}],
            "Value": value / 2,
            "Timestamp": now - datetime.timedelta(days=days, minutes=5),
            "Unit": "Count",
        }
        for function, metrics in sums.items()
        for name, value in metrics.items()
        for days in (0, 1)
    ]
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data)


if __name__ == "__main__":
    main(sys.argv[1])
