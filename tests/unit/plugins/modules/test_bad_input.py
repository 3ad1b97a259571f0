# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every bad-input case of the integration target's table (one table, read from there) that fails
before reaching AWS, through each module's main(), in check mode and for real: a clean failure
naming the option or the resource, no traceback, and no AWS call (the Stubber has nothing queued,
so a call would fail the module with a stub error instead of the case's message). The cases AWS
must answer run in the integration target, and against AWS's recorded answers in
test_recorded_answers.py."""

import os

import pytest
import yaml
from jinja2 import Environment

from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info

TABLE = os.path.join(
    os.path.dirname(__file__), *[".."] * 3, "integration", "targets", "lambda_event_invoke_config_bad_input"
)
# What the target's variables stand for here.
VARIABLES = {
    "bad_function": "my-fn",
    "resource_prefix": "ansible-test-1",
    "aws_region": "us-east-1",
    "bad_queue": "arn:aws:sqs:us-east-1:123456789012:ansible-test-1-dlq",
}


def render(value, environment):
    if isinstance(value, str):
        return environment.from_string(value).render(VARIABLES)
    if isinstance(value, list):
        return [render(item, environment) for item in value]
    if isinstance(value, dict):
        return {key: render(item, environment) for key, item in value.items()}
    return value


def cases(table, module):
    with open(os.path.join(TABLE, "defaults", "main.yml"), encoding="utf-8") as source:
        defaults = yaml.safe_load(source)
    environment = Environment(keep_trailing_newline=True)
    return [
        pytest.param(module, render(case["args"], environment), render(case["expect"], environment), id=case["expect"])
        for case in defaults[table]
        if not case.get("aws")
    ]


ALL_CASES = cases("bad_core_cases", lambda_event_invoke_config) + cases(
    "bad_info_cases", lambda_event_invoke_config_info
)


def test_the_table_has_every_kind_of_case():
    assert len(ALL_CASES) >= 45


@pytest.mark.parametrize("check_mode", [True, False], ids=["check mode", "real"])
@pytest.mark.parametrize("module, args, expect", ALL_CASES)
def test_bad_input_fails_cleanly_naming_it_before_any_aws_call(stubber, run_module, module, args, expect, check_mode):
    result = run_module(module, dict({"function_name": "my-fn"}, **args), check_mode=check_mode)
    assert result.get("failed") is True, result
    assert not result.get("changed")
    assert expect in result["msg"]
    assert "Traceback" not in result["msg"]
    assert "exception" not in result
    assert "stub" not in result["msg"].lower()  # an AWS call would have met the empty Stubber
