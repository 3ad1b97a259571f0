# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The result as ansible-core itself formats it (no exit_json patched): the echo of the task's
arguments (invocation), which ansible-core 2.17 to 2.20 add to every result and 2.21 adds when
INJECT_INVOCATION is set, and the no_log masking that applies to it. AWX drops a job event's
whole result beyond 700,000 characters (hacking/runner_check.py measures whole tasks)."""

import json

import pytest

from ansible.module_utils.common import parameters

from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.modules.conftest import patch_module_args
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.modules.test_fleet import expect_get

SECRET = "unit-secret-9d41"


@pytest.fixture
def formatted_run(capsys):
    """Runs a module as Ansible does and returns the JSON it prints, echo included."""

    def run(args, check_mode=False, diff=False):
        args = dict(args, region="us-east-1", _ansible_check_mode=check_mode, _ansible_diff=diff)
        if "inject_invocation" in parameters.PASS_VARS:  # ansible-core 2.21: the echo only when asked for
            args["_ansible_inject_invocation"] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return run


def test_a_fleet_echo_counts_the_items_and_masks_the_secret(stubber, formatted_run):
    for function in ("a", "b"):
        expect_get(stubber, function)
    args = {
        "configs": [{"function_name": "a"}, {"function_name": "b", "maximum_retry_attempts": 2}],
        "maximum_event_age_in_seconds": 3600,
        "max_concurrency": 1,
        "secret_key": SECRET,
    }
    result = formatted_run(args, check_mode=True, diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    module_args = result["invocation"]["module_args"]
    # ansible-core's own echo gives every item each of its 7 options, unset ones as null: the
    # result gives each item already, as it is after the task.
    assert module_args["configs"] == "2 items, each in event_invoke_configs"
    assert [entry["function_arn"] for entry in result["event_invoke_configs"]] == [
        "arn:aws:lambda:us-east-1:123456789012:function:a:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:b:$LATEST",
    ]
    assert module_args["maximum_event_age_in_seconds"] == 3600
    assert module_args["secret_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert SECRET not in json.dumps(result)


def test_a_failed_fleet_task_echoes_the_same(stubber, formatted_run):
    stubber.add_client_error("get_function_event_invoke_config", "AccessDeniedException", "no", 403)
    args = {"configs": [{"function_name": "a"}], "maximum_retry_attempts": 1, "secret_key": SECRET}
    result = formatted_run(args)
    assert result["failed"] is True
    assert result["invocation"]["module_args"]["configs"] == "1 item, in event_invoke_configs"
    assert SECRET not in json.dumps(result)


def test_a_single_config_echo_is_ansibles_own(stubber, formatted_run):
    expect_get(stubber, "a")
    result = formatted_run({"function_name": "a", "maximum_retry_attempts": 1, "secret_key": SECRET}, check_mode=True)
    module_args = result["invocation"]["module_args"]
    assert module_args["function_name"] == "a"
    assert module_args["qualifier"] is None  # not a fleet: the arguments as Ansible gives them
    assert module_args["secret_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
