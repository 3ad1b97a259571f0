#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read or delete an event invoke config with plain boto3, independently of the collection,
and make or remove the destinations the tests send records to.

The integration tests assert what AWS holds through this script, not through the modules
under test. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN), which the targets fill from the cloud config; ENDPOINT '' means AWS itself.

Usage: aws_config.py setup|cleanup ENDPOINT REGION SPEC_JSON
       aws_config.py read|delete|delete-function|list ENDPOINT REGION FUNCTION [QUALIFIER]
       aws_config.py read-each ENDPOINT REGION FUNCTION...
       aws_config.py set-on-failure ENDPOINT REGION FUNCTION DESTINATION_ARN
       aws_config.py create-function ENDPOINT REGION FUNCTION ROLE_ARN
       aws_config.py create-queue|delete-queue ENDPOINT REGION QUEUE_NAME
       aws_config.py create-destination ENDPOINT REGION sqs|sns|events NAME
       aws_config.py delete-destination ENDPOINT REGION ARN
       aws_config.py leftovers ENDPOINT REGION PREFIX
       aws_config.py publish-alias ENDPOINT REGION FUNCTION ALIAS
       aws_config.py put-async-metrics ENDPOINT REGION FUNCTION QUALIFIER METRICS_JSON
       aws_config.py mappings ENDPOINT REGION FUNCTION
       aws_config.py inline-policies|delete-inline-policies ENDPOINT REGION ROLE_NAME
       aws_config.py put-legacy-grants ENDPOINT REGION ROLE_NAME DESTINATION_ARNS_JSON
       aws_config.py can ENDPOINT REGION ROLE_ARN ACTION RESOURCE
Prints JSON: setup {"account", "role_arn", "package", "function_arns", "destination_arns"} (what
tasks/main.yml documents); cleanup {"failed": [step, error]...} (every step is tried); read {"exists",
"function_arn", "retry", "age", "on_success", "on_failure", "last_modified"}; read-each {"configs": [as
read, of each FUNCTION's unqualified config, in order]} (one run for many: each run costs a process);
delete, delete-function, delete-queue, delete-destination {"deleted": bool}; create-* {"arn"};
set-on-failure (another tool's write: Update of the on_failure destination alone) as read;
create-function {"arn", "version"} (a function that echoes its event, retried while a new role is
not yet usable, without waiting for it to be active:
LocalStack without Docker turns it Failed, which amazon.aws.lambda's waiter may catch);
leftovers {"functions", "roles", "queues", "topics", "buses"} named with PREFIX; publish-alias
{"version"} (publishes a version of FUNCTION as it is, its dead-letter queue too, and points a new
alias at it); put-async-metrics {"put": count} (seeds Lambda's async metrics of FUNCTION, or of its
alias or version QUALIFIER ('' for the function's own series), from METRICS_JSON
[{"name", "value", "days_ago"}]: LocalStack publishes none, and AWS refuses PutMetricData into AWS/,
so only emulator_only targets use it); mappings {"mappings": [{"uuid", "event_source_arn",
"on_failure"}]} of FUNCTION; inline-policies {"policies": {name: document}, "sizes": {name: characters
as IAM counts them}} of ROLE_NAME; put-legacy-grants {"put": count} (the per-destination policies
that earlier builds of grant_destinations put); can {"decision"} (IAM's policy simulator).

setup also makes, after the role's policy, the event source mappings of spec "mappings"
([{function, source, on_failure}], destination names), retried while the role's new permissions
propagate; a destination {kind: kinesis} is a stream (waited until active), and {kind: sqs,
redrive_to: NAME} a queue whose redrive policy sends to the queue NAME made before it. cleanup
deletes the functions' mappings first.

delete-function is cleanup: LocalStack cannot run functions without Docker, and its
DeleteFunction then answers InternalError, which amazon.aws.lambda retries for minutes.
"""

import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(service, endpoint, region, attempts=3):
    return boto3.client(
        service,
        endpoint_url=endpoint or None,
        region_name=region,
        config=Config(retries={"max_attempts": attempts, "mode": "standard"}),
    )


def queue(action, endpoint, region, name):
    """Create (printing its ARN) or delete an SQS queue."""
    sqs = client("sqs", endpoint, region)
    if action == "delete-queue":
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
        return {"deleted": True}
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return {"arn": sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]}


def create_stream(endpoint, region, name):
    kinesis = client("kinesis", endpoint, region)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 90})
    return {"arn": kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]}


def create_destination(endpoint, region, kind, name):
    if kind == "sqs":
        return queue("create-queue", endpoint, region, name)
    if kind == "kinesis":
        return create_stream(endpoint, region, name)
    if kind == "sns":
        return {"arn": client("sns", endpoint, region).create_topic(Name=name)["TopicArn"]}
    if kind == "events":
        return {"arn": client("events", endpoint, region).create_event_bus(Name=name)["EventBusArn"]}
    if kind == "s3":
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client("s3", endpoint, region).create_bucket(Bucket=name, **where)
        return {"arn": f"arn:aws:s3:::{name}"}
    raise ValueError(f"unknown destination kind {kind}")


def delete_destination(endpoint, region, arn):
    service, resource = arn.split(":")[2], arn.split(":", 5)[5]
    try:
        if service == "sqs":
            queue("delete-queue", endpoint, region, resource)
        elif service == "sns":
            client("sns", endpoint, region).delete_topic(TopicArn=arn)
        elif service == "events":
            client("events", endpoint, region).delete_event_bus(Name=resource.split("/", 1)[1])
        elif service == "s3":
            client("s3", endpoint, region).delete_bucket(Bucket=resource)
        elif service == "kinesis":
            client("kinesis", endpoint, region).delete_stream(StreamName=resource.split("/", 1)[1])
        else:
            raise ValueError(f"unknown destination {arn}")
    except ClientError as e:
        return {"deleted": False, "error": e.response["Error"]["Code"]}
    return {"deleted": True}


HANDLER = "def handler(event, context):\n    return event\n"
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return buffer.getvalue()


def create_function(endpoint, region, name, role, publish=False, lambda_client=None):
    lambda_client = lambda_client or client("lambda", endpoint, region)
    kwargs = dict(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler", Publish=publish)
    # A new role takes a few seconds to be usable by Lambda on AWS ("cannot be assumed").
    deadline = time.monotonic() + 90
    while True:
        try:
            created = lambda_client.create_function(Code={"ZipFile": package()}, **kwargs)
            break
        except ClientError as e:
            propagating = "cannot be assumed" in e.response["Error"].get("Message", "")
            if not propagating or time.monotonic() > deadline:
                raise
            time.sleep(3)
    return {"arn": created["FunctionArn"], "version": created.get("Version")}


def wait_created(lambda_client, name, emulated):
    """Wait while the function is Pending. On AWS it must turn Active; LocalStack without Docker
    turns it Failed, which still takes event invoke configs and aliases."""
    deadline = time.monotonic() + 300
    while True:
        state = lambda_client.get_function_configuration(FunctionName=name).get("State")
        if state not in ("Pending", None) or time.monotonic() > deadline:
            break
        time.sleep(1)
    if state != "Active" and not emulated:
        raise RuntimeError(f"function {name} is {state}, not Active")


def setup(endpoint, region, spec):
    """The execution role, the functions (each creation publishes version 1), their aliases, the
    destinations and the role's policy for them, in one run (each step as a task cost a module run)."""
    account = client("sts", endpoint, region).get_caller_identity()["Account"]
    iam = client("iam", endpoint, region)
    role_name = f"{spec['prefix']}-exec"
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    iam.get_waiter("role_exists").wait(RoleName=role_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    package_dir = tempfile.mkdtemp(suffix="lambda")
    with open(os.path.join(package_dir, "package.zip"), "wb") as handle:
        handle.write(package())

    lambda_client = client("lambda", endpoint, region)
    function_arns = {}
    for name in spec["names"]:
        created = create_function(endpoint, region, name, role_arn, publish=True, lambda_client=lambda_client)
        function_arns[name] = f"{created['arn']}:{created['version']}"
    for name in spec["names"]:
        wait_created(lambda_client, name, emulated=bool(endpoint))
    for alias in spec["aliases"]:
        lambda_client.create_alias(
            FunctionName=alias["function"], Name=alias["name"], FunctionVersion=str(alias["version"])
        )
    destination_arns = {}
    for d in spec["destinations"]:
        destination_arns[d["name"]] = create_destination(endpoint, region, d["kind"], d["name"])["arn"]
        if d.get("redrive_to"):
            set_redrive(endpoint, region, d["name"], destination_arns[d["redrive_to"]])

    unqualified = [arn.rsplit(":", 1)[0] for arn in function_arns.values()]
    grants = [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": unqualified + [f"{arn}:*" for arn in unqualified],
        }
    ]
    if spec["grant_to_role"]:
        grants += [
            {"Effect": "Allow", "Action": spec["actions"][d["kind"]], "Resource": destination_arns[d["name"]]}
            for d in spec["destinations"]
        ]
    if function_arns and spec["grant_to_role"]:
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName="test-destinations",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": grants}),
        )
    for mapping in spec.get("mappings", []):
        create_mapping(lambda_client, mapping, destination_arns)
    return {
        "account": account,
        "role_arn": role_arn,
        "package": os.path.join(package_dir, "package.zip"),
        "function_arns": function_arns,
        "destination_arns": destination_arns,
    }


def set_redrive(endpoint, region, name, dead_letter_arn):
    sqs = client("sqs", endpoint, region)
    policy = json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": 5})
    sqs.set_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"], Attributes={"RedrivePolicy": policy}
    )


def create_mapping(lambda_client, mapping, destination_arns):
    """An event source mapping, retried while the role's fresh permissions propagate (AWS checks the
    role may read the source when the mapping is created)."""
    kwargs = {"FunctionName": mapping["function"], "EventSourceArn": destination_arns[mapping["source"]]}
    if ":kinesis:" in kwargs["EventSourceArn"]:
        kwargs.update(StartingPosition="LATEST", MaximumRetryAttempts=2)
    if mapping.get("on_failure"):
        kwargs["DestinationConfig"] = {"OnFailure": {"Destination": destination_arns[mapping["on_failure"]]}}
    deadline = time.monotonic() + 120
    while True:
        try:
            return lambda_client.create_event_source_mapping(**kwargs)["UUID"]
        except ClientError as e:
            if e.response["Error"]["Code"] != "InvalidParameterValueException" or time.monotonic() > deadline:
                raise
            time.sleep(5)


def function_mappings(lambda_client, name):
    pages = lambda_client.get_paginator("list_event_source_mappings").paginate(FunctionName=name)
    return pages.build_full_result().get("EventSourceMappings", [])


def delete_mappings(endpoint, region, name):
    lambda_client = client("lambda", endpoint, region)
    for mapping in function_mappings(lambda_client, name):
        lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])
    return {"deleted": True}


def put_async_metrics(endpoint, region, function_name, qualifier, metrics):
    """Lambda's async metrics of one series, as the emulator does not publish them."""
    dimensions = [{"Name": "FunctionName", "Value": function_name}]
    if qualifier:
        dimensions.append({"Name": "Resource", "Value": f"{function_name}:{qualifier}"})
    now = time.time()
    data = [
        {
            "MetricName": metric["name"],
            "Dimensions": dimensions,
            "Value": metric["value"],
            "Timestamp": now - metric.get("days_ago", 0) * 86400 - 60,
            "Unit": "Count",
        }
        for metric in metrics
    ]
    client("cloudwatch", endpoint, region).put_metric_data(Namespace="AWS/Lambda", MetricData=data)
    return {"put": len(data)}


def destination_arn(partition, account, region, kind, name):
    """The ARN of a destination setup made, from its kind and name (setup may have failed before
    it printed them)."""
    if kind == "s3":
        return f"arn:{partition}:s3:::{name}"
    resource = {"events": f"event-bus/{name}", "kinesis": f"stream/{name}"}.get(kind, name)
    return f"arn:{partition}:{kind}:{region}:{account}:{resource}"


def absent(error):
    """Whether an error of a delete says there was nothing to delete."""
    return any(word in error for word in ("NonExistent", "NotFound", "NoSuch"))


def cleanup(endpoint, region, spec):
    """Remove what setup made and the functions a target added: every step is tried, so one
    failure does not leave the rest behind; the failures are reported."""
    failed = []

    def attempt(step, action, *args):
        try:
            result = action(*args)
        except (ClientError, ValueError) as e:
            failed.append([step, str(e)])
            return
        if isinstance(result, dict) and result.get("deleted") is False and not absent(result.get("error") or ""):
            failed.append([step, result.get("error")])

    for function in spec["names"] + spec["extra_functions"]:
        function = function if isinstance(function, dict) else {"name": function}  # a name, or {name, region}
        where = function.get("region") or region
        attempt(f"mappings of {function['name']}", delete_mappings, endpoint, where, function["name"])
        attempt(f"function {function['name']}", main, "delete-function", endpoint, where, function["name"])
    caller = client("sts", endpoint, region).get_caller_identity()
    partition, account = caller["Arn"].split(":")[1], caller["Account"]
    for destination in spec["destinations"]:
        arn = destination_arn(partition, account, region, destination["kind"], destination["name"])
        attempt(f"destination {arn}", delete_destination, endpoint, region, arn)
    role_name = f"{spec['prefix']}-exec"
    attempt("the role's inline policies", inline_policies, endpoint, region, role_name, True)
    attempt("the role", delete_role, endpoint, region, role_name)
    if spec.get("package"):
        shutil.rmtree(os.path.dirname(spec["package"]), ignore_errors=True)
    return {"failed": failed}


def delete_role(endpoint, region, role_name):
    try:
        client("iam", endpoint, region).delete_role(RoleName=role_name)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise


def leftovers(endpoint, region, prefix):
    """What a run left behind, by name prefix: the check that cleanup cleaned up."""
    functions = client("lambda", endpoint, region).get_paginator("list_functions").paginate().build_full_result()
    roles = client("iam", endpoint, region).get_paginator("list_roles").paginate().build_full_result()
    queues = client("sqs", endpoint, region).list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    topics = client("sns", endpoint, region).get_paginator("list_topics").paginate().build_full_result()
    buses = client("events", endpoint, region).list_event_buses(NamePrefix=prefix).get("EventBuses", [])
    buckets = client("s3", endpoint, region).list_buckets().get("Buckets", [])
    streams = client("kinesis", endpoint, region).list_streams().get("StreamNames", [])
    mappings = client("lambda", endpoint, region).get_paginator("list_event_source_mappings").paginate()
    return {
        "mappings": [
            m["UUID"]
            for m in mappings.build_full_result().get("EventSourceMappings", [])
            if m.get("FunctionArn", "").split(":")[6].startswith(prefix)
        ],
        "streams": [name for name in streams if name.startswith(prefix)],
        "functions": [
            f["FunctionName"] for f in functions.get("Functions", []) if f["FunctionName"].startswith(prefix)
        ],
        "roles": [r["RoleName"] for r in roles.get("Roles", []) if r["RoleName"].startswith(prefix)],
        "queues": queues,
        "topics": [t["TopicArn"] for t in topics.get("Topics", []) if t["TopicArn"].split(":")[5].startswith(prefix)],
        "buses": [b["Name"] for b in buses],
        "buckets": [b["Name"] for b in buckets if b["Name"].startswith(prefix)],
    }


def can(endpoint, region, role_arn, action, resource):
    """What IAM's policy simulator answers for the role doing action on resource."""
    results = client("iam", endpoint, region).simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource]
    )["EvaluationResults"]
    return {"decision": results[0]["EvalDecision"]}


def inline_policies(endpoint, region, role_name, delete=False):
    """A role's inline policies ({name: document}), deleted too when asked (cleanup)."""
    iam = client("iam", endpoint, region)
    try:
        names = iam.get_paginator("list_role_policies").paginate(RoleName=role_name).build_full_result()["PolicyNames"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return {"policies": {}}
    policies = {name: iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"] for name in names}
    for name in names if delete else []:
        iam.delete_role_policy(RoleName=role_name, PolicyName=name)
    # Each policy's size as IAM counts it against the role's 10,240 characters: whitespace left out.
    sizes = {name: len(re.sub(r"\s+", "", json.dumps(document))) for name, document in policies.items()}
    return {"policies": policies, "sizes": sizes}


def put_legacy_grants(endpoint, region, role_name, destinations):
    """The policies earlier builds of grant_destinations put: one per destination, named
    event-invoke-config-SERVICE-RESOURCE-DIGEST (the next run of the module folds them in)."""
    iam = client("iam", endpoint, region)
    for arn in destinations:
        service, resource = arn.split(":")[2], arn.split(":", 5)[5]
        readable = re.sub(r"[^\w+=,.@-]+", "-", f"{service}-{resource}")
        digest = hashlib.sha256(arn.encode("utf-8")).hexdigest()[:12]
        name = f"event-invoke-config-{readable[:95]}-{digest}"
        action = {"sqs": "sqs:SendMessage", "sns": "sns:Publish"}[service]
        statement = {"Effect": "Allow", "Action": action, "Resource": arn}
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName=name,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    return {"put": len(destinations)}


def main(action, endpoint, region, function_name, qualifier=None, *more):
    if action in ("setup", "cleanup"):
        return (setup if action == "setup" else cleanup)(endpoint, region, json.loads(function_name))
    if action == "can":
        return can(endpoint, region, function_name, qualifier, *more)
    if action == "put-legacy-grants":
        return put_legacy_grants(endpoint, region, function_name, json.loads(qualifier))
    if action in ("inline-policies", "delete-inline-policies"):
        return inline_policies(endpoint, region, function_name, delete=action.startswith("delete"))
    if action in ("create-queue", "delete-queue"):
        return queue(action, endpoint, region, function_name)
    if action == "create-destination":
        return create_destination(endpoint, region, function_name, qualifier)
    if action == "delete-destination":
        return delete_destination(endpoint, region, function_name)
    if action == "leftovers":
        return leftovers(endpoint, region, function_name)
    if action == "create-function":
        return create_function(endpoint, region, function_name, qualifier)
    if action == "put-async-metrics":
        return put_async_metrics(endpoint, region, function_name, qualifier, json.loads(more[0]))
    if action == "mappings":
        found = function_mappings(client("lambda", endpoint, region), function_name)
        return {
            "mappings": [
                {
                    "uuid": m["UUID"],
                    "event_source_arn": m.get("EventSourceArn"),
                    "on_failure": ((m.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
                }
                for m in found
            ]
        }
    if action == "read-each":
        lambda_client = client("lambda", endpoint, region)
        names = [function_name] + ([qualifier] if qualifier else []) + list(more)
        return {"configs": [read(lambda_client, FunctionName=name) for name in names]}
    lambda_client = client("lambda", endpoint, region, attempts=1 if action == "delete-function" else 3)
    kwargs = {"FunctionName": function_name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        if action == "delete":
            lambda_client.delete_function_event_invoke_config(**kwargs)
            return {"deleted": True}
        if action == "delete-function":
            lambda_client.delete_function(FunctionName=function_name)
            return {"deleted": True}
        if action == "publish-alias":
            version = lambda_client.publish_version(FunctionName=function_name)["Version"]
            lambda_client.create_alias(FunctionName=function_name, Name=qualifier, FunctionVersion=version)
            return {"version": version}
        if action == "set-on-failure":
            config = lambda_client.update_function_event_invoke_config(
                FunctionName=function_name, DestinationConfig={"OnFailure": {"Destination": qualifier}}
            )
            return described(config)
        if action == "list":
            pages = lambda_client.get_paginator("list_function_event_invoke_configs").paginate(
                FunctionName=function_name
            )
            configs = pages.build_full_result().get("FunctionEventInvokeConfigs", [])
            for config in configs:
                config.pop("LastModified", None)
            return {"configs": sorted(configs, key=lambda config: config["FunctionArn"])}
        return read(lambda_client, **kwargs)
    except ClientError as e:
        if action == "delete-function":
            return {"deleted": False, "error": e.response["Error"]["Code"]}
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return {"deleted": False} if action == "delete" else {"exists": False}


def read(lambda_client, **kwargs):
    """What one config holds (as described), or {"exists": False}."""
    try:
        return described(lambda_client.get_function_event_invoke_config(**kwargs))
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return {"exists": False}


def described(config):
    destinations = config.get("DestinationConfig") or {}
    return {
        "exists": True,
        "function_arn": config["FunctionArn"],
        "retry": config.get("MaximumRetryAttempts"),
        "age": config.get("MaximumEventAgeInSeconds"),
        "on_success": (destinations.get("OnSuccess") or {}).get("Destination"),
        "on_failure": (destinations.get("OnFailure") or {}).get("Destination"),
        # Every write stamps it: two reads with the same stamp saw no write in between.
        "last_modified": config["LastModified"].isoformat(),
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
