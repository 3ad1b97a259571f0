# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The integration setup helper's paths that only AWS takes (LocalStack never answers them):
a new role Lambda cannot assume yet, and a function that is Pending before it is Active."""

import importlib.util
import os

import boto3
import pytest
from botocore.stub import Stubber

HELPER = os.path.join(
    os.path.dirname(__file__), "..", "integration", "targets", "setup_lambda_function", "files", "aws_config.py"
)
ROLE = "arn:aws:iam::123456789012:role/ansible-test-1-exec"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:ansible-test-1-fn"
NOT_YET = "The role defined for the function cannot be assumed by Lambda."


@pytest.fixture
def helper(mocker):
    spec = importlib.util.spec_from_file_location("aws_config", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.sleeps = mocker.patch.object(module.time, "sleep")
    return module


@pytest.fixture
def stubber():
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="secret")
    with Stubber(client) as stub:
        yield stub
    stub.assert_no_pending_responses()


def created():
    return {"FunctionName": "ansible-test-1-fn", "FunctionArn": ARN, "Version": "1", "State": "Pending"}


def test_creation_is_retried_while_the_new_role_cannot_be_assumed(helper, stubber):
    for dummy in range(2):
        stubber.add_client_error("create_function", "InvalidParameterValueException", NOT_YET, 400)
    stubber.add_response("create_function", created())
    result = helper.create_function("", "us-east-1", "ansible-test-1-fn", ROLE, True, stubber.client)
    assert result == {"arn": ARN, "version": "1"}
    assert helper.sleeps.call_count == 2


def test_any_other_invalid_parameter_fails_at_once(helper, stubber):
    stubber.add_client_error("create_function", "InvalidParameterValueException", "The runtime is not supported", 400)
    with pytest.raises(helper.ClientError, match="runtime"):
        helper.create_function("", "us-east-1", "ansible-test-1-fn", ROLE, True, stubber.client)
    assert helper.sleeps.call_count == 0


def expect_state(stubber, state):
    stubber.add_response(
        "get_function_configuration", {"FunctionArn": ARN, "State": state}, {"FunctionName": "ansible-test-1-fn"}
    )


def test_a_pending_function_is_waited_for_until_active(helper, stubber):
    expect_state(stubber, "Pending")
    expect_state(stubber, "Pending")
    expect_state(stubber, "Active")
    helper.wait_created(stubber.client, "ansible-test-1-fn", emulated=False)
    assert helper.sleeps.call_count == 2


def test_a_failed_function_fails_the_setup_on_aws_and_not_on_an_emulator(helper, stubber):
    expect_state(stubber, "Failed")
    with pytest.raises(RuntimeError, match="Failed, not Active"):
        helper.wait_created(stubber.client, "ansible-test-1-fn", emulated=False)
    expect_state(stubber, "Failed")
    helper.wait_created(stubber.client, "ansible-test-1-fn", emulated=True)
