#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read or delete an event invoke config with plain boto3, independently of the collection.

The integration tests assert what AWS holds through this script, not through the
modules under test. Prints JSON: {"exists": bool, "function_arn", "retry", "age",
"on_success", "on_failure"} (read), or {"deleted": bool} (delete, delete-function).
Usage: aws_config.py read|delete|delete-function|list ENDPOINT REGION FUNCTION [QUALIFIER]
       aws_config.py create-queue|delete-queue ENDPOINT REGION QUEUE_NAME
       aws_config.py queue-policy ENDPOINT REGION QUEUE_NAME POLICY_JSON ('' removes it)

delete-function is cleanup: LocalStack cannot run functions without Docker, and its
DeleteFunction then answers InternalError, which amazon.aws.lambda retries for minutes.
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def queue(action, endpoint, region, name, policy=None):
    """Create (printing its ARN) or delete an SQS queue, or set its policy, for the preflight tests."""
    sqs = boto3.client(
        "sqs", endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    )
    if action == "delete-queue":
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
        return {"deleted": True}
    if action == "queue-policy":
        sqs.set_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"], Attributes={"Policy": policy})
        return {"policy": policy}
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return {"arn": sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]}


def main(action, endpoint, region, function_name, qualifier=None):
    if action in ("create-queue", "delete-queue", "queue-policy"):
        return queue(action, endpoint, region, function_name, qualifier)
    client = boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1 if action == "delete-function" else 3}),
    )
    kwargs = {"FunctionName": function_name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        if action == "delete":
            client.delete_function_event_invoke_config(**kwargs)
            return {"deleted": True}
        if action == "delete-function":
            client.delete_function(FunctionName=function_name)
            return {"deleted": True}
        if action == "list":
            pages = client.get_paginator("list_function_event_invoke_configs").paginate(FunctionName=function_name)
            configs = pages.build_full_result().get("FunctionEventInvokeConfigs", [])
            for config in configs:
                config.pop("LastModified", None)
            return {"configs": sorted(configs, key=lambda config: config["FunctionArn"])}
        config = client.get_function_event_invoke_config(**kwargs)
    except ClientError as e:
        if action == "delete-function":
            return {"deleted": False, "error": e.response["Error"]["Code"]}
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return {"deleted": False} if action == "delete" else {"exists": False}
    destinations = config.get("DestinationConfig") or {}
    return {
        "exists": True,
        "function_arn": config["FunctionArn"],
        "retry": config.get("MaximumRetryAttempts"),
        "age": config.get("MaximumEventAgeInSeconds"),
        "on_success": (destinations.get("OnSuccess") or {}).get("Destination"),
        "on_failure": (destinations.get("OnFailure") or {}).get("Destination"),
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
