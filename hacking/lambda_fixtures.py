# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The harness's one boto3 client factory, and what its scripts make in LocalStack for a config to sit
on: an execution role Lambda may assume and functions of a handler that echoes its event (never invoked).
The demo (demo_resources.py), the benchmark (bench/bench.py) and the AWX check
(runner_check.py) share it. The integration targets have their own, in
tests/integration/targets/setup_lambda_function/files/aws_config.py: they run without hacking/,
against any account."""

import io
import json
import zipfile

import boto3

TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def aws_client(service, endpoint, region, access_key="test", secret_key="test", config=None):
    """A boto3 client of LocalStack (or of the proxy in front of it) at endpoint. LocalStack puts everything in
    the account of a 12-digit access key, else in its default account."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def echo_package():
    """The zip of a handler that returns its event."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def execution_role(iam, name):
    """The ARN of the role name that Lambda may assume, made unless a run before this one made it."""
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def create_echo_function(lam, name, role_arn, **extra):
    """CreateFunction of an echo function (extra: Publish, DeadLetterConfig...); its answer."""
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": echo_package()},
        **extra,
    )
