# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's main() against a botocore Stubber.

The Stubber checks every request against AWS's service model and answers only the
calls queued, in order: an extra call fails the module run, a missing one fails
assert_no_pending_responses(). That is how these tests pin exact call sequences.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19: the module reads its arguments from basic._ANSIBLE_ARGS
    import contextlib
    import json

    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        original = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = serialized
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = original


from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(ModuleExit):
    pass


@pytest.fixture
def stubber(mocker):
    """The Stubber of the lambda client; stubber.service(name) gives another service's."""
    stubbers = {}

    def make_client(service):
        client = boto3.client(
            service, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret"
        )
        stubbers[service] = Stubber(client)
        stubbers[service].activate()
        return client

    clients = {"lambda": make_client("lambda")}
    regions = []

    def client(self, service, **kwargs):
        regions.append((service, kwargs.get("region")))
        if service not in clients:
            clients[service] = make_client(service)
        return clients[service]

    mocker.patch.object(AnsibleAWSModule, "client", client)

    def service(name):
        client(None, name)
        return stubbers[name]

    stub = stubbers["lambda"]
    stub.service = service
    stub.services = stubbers
    stub.regions = regions  # (service, region asked for) of each client the module created
    # Retries sleep through AWSRetry's jittered backoff: record the sleeps instead of waiting.
    stub.sleeps = mocker.patch.object(cloud.time, "sleep")
    yield stub
    for each in stubbers.values():
        each.deactivate()


@pytest.fixture
def run_module(mocker):
    # The echo of the task's arguments (invocation) is left out, as ansible-core 2.21 does by
    # default; test_result_size.py runs it through ansible-core's own result formatting.
    def exit_json(self, **kwargs):
        kwargs.pop("invocation", None)
        raise ModuleExit(kwargs)

    def fail_json(self, **kwargs):
        kwargs.pop("invocation", None)
        raise ModuleFail(kwargs)

    mocker.patch.object(basic.AnsibleModule, "exit_json", exit_json)
    mocker.patch.object(basic.AnsibleModule, "fail_json", fail_json)

    def run(module, args, check_mode=False, diff=False):
        args = dict(args, region="us-east-1", _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args):
            try:
                module.main()
            except ModuleFail as failure:
                failure.result["failed"] = True
                return failure.result
            except ModuleExit as done:
                return done.result
        raise AssertionError("the module returned without exit_json or fail_json")

    return run
