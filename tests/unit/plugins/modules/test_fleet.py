# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""configs (many configs in one task), checked with botocore's Stubber.

max_concurrency=1 makes the call order deterministic, which the Stubber needs; the
concurrency itself is tested in module_utils/test_event_invoke_config_fleet.py.
"""

import json

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.policies import grant_document
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import destinations

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"
PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"


def config_of(function, **settings):
    answer = api_config(**settings)
    answer["FunctionArn"] = answer["FunctionArn"].replace("my-fn", function)
    return answer


def expect_get(stubber, function, answer=None):
    if answer is None:
        stubber.add_client_error(
            "get_function_event_invoke_config",
            service_error_code="ResourceNotFoundException",
            service_message=f"The function {PREFIX}{function}:$LATEST doesn't have an EventInvokeConfig",
            http_status_code=404,
            expected_params={"FunctionName": function},
        )
    else:
        stubber.add_response("get_function_event_invoke_config", answer, {"FunctionName": function})


def expect_put(stubber, function, **settings):
    request = {"FunctionName": function, "DestinationConfig": destinations(on_failure=settings.get("on_failure"))}
    if settings.get("retry") is not None:
        request["MaximumRetryAttempts"] = settings["retry"]
    stubber.add_response("put_function_event_invoke_config", config_of(function, **settings), request)


def expect_update(stubber, function, **settings):
    # An existing config gets only what changes: here the retries.
    request = {"FunctionName": function, "MaximumRetryAttempts": settings["retry"]}
    stubber.add_response("update_function_event_invoke_config", config_of(function, **settings), request)


def fleet_args(**extra):
    args = {
        "configs": [
            {"function_name": "a"},
            {"function_name": "b"},
            {"function_name": "c", "maximum_retry_attempts": 2},
        ],
        "maximum_retry_attempts": 0,
        "destination_config": {"on_failure": {"destination": QUEUE}},
        "max_concurrency": 1,
    }
    args.update(extra)
    return args


def test_each_item_is_brought_to_its_state_with_the_single_config_floor(stubber, run_module):
    expect_get(stubber, "a")  # create: a read and a write
    expect_put(stubber, "a", retry=0, on_failure=QUEUE)
    expect_get(stubber, "b", config_of("b", retry=0, on_failure=QUEUE))  # no-op: one read
    expect_get(stubber, "c", config_of("c", retry=1, on_failure=QUEUE))  # update: a read and a write
    expect_update(stubber, "c", retry=2, on_failure=QUEUE)
    result = run_module(module, fleet_args(), diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    entries = result["event_invoke_configs"]
    # Each config stands once: an entry that did not fail is its config (whose ARN names it), in
    # the shape of the info module's entries, with changed.
    assert [(e["function_arn"], e["changed"]) for e in entries] == [
        (PREFIX + "a:$LATEST", True),
        (PREFIX + "b:$LATEST", False),
        (PREFIX + "c:$LATEST", True),
    ]
    assert all(
        sorted(entry)
        == [
            "changed",
            "destination_config",
            "function_arn",
            "last_modified",
            "maximum_event_age_in_seconds",
            "maximum_retry_attempts",
            "qualifier",
        ]
        for entry in entries
    )
    assert entries[2]["maximum_retry_attempts"] == 2
    # What --diff prints: each changed item, headed by it, with what changes; the whole config
    # after is only in its entry (each config once in the result).
    assert "diff" not in entries[2]
    assert [d["before_header"] for d in result["diff"]] == ["a", "c"]
    assert result["diff"][0]["before"] == {}
    assert result["diff"][0]["after"] == {
        "maximum_retry_attempts": 0,
        "destination_config": {"on_failure": {"destination": QUEUE}},
    }
    assert result["diff"][1] == {
        "before": {"maximum_retry_attempts": 1},
        "after": {"maximum_retry_attempts": 2},
        "before_header": "c",
    }
    assert "failed" not in result


def test_check_mode_reads_and_never_writes(stubber, run_module):
    expect_get(stubber, "a")
    stubber.add_response("get_function", {}, {"FunctionName": "a"})  # no config: is the function there?
    expect_get(stubber, "b", config_of("b", retry=0, on_failure=QUEUE))
    expect_get(stubber, "c", config_of("c", retry=1, on_failure=QUEUE))
    result = run_module(module, fleet_args(), check_mode=True)
    stubber.assert_no_pending_responses()
    assert [e["changed"] for e in result["event_invoke_configs"]] == [True, False, True]
    assert "diff" not in result["event_invoke_configs"][0]
    assert "diff" not in result


def test_a_failed_item_is_named_and_the_others_are_applied(stubber, run_module):
    expect_get(stubber, "a")
    expect_put(stubber, "a", retry=0, on_failure=QUEUE)
    expect_get(stubber, "b")
    stubber.add_client_error(
        "put_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        service_message="The function doesn't exist.",
        http_status_code=404,
    )
    stubber.add_client_error(
        "get_function",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"FunctionName": "b"},
    )
    expect_get(stubber, "c", config_of("c", retry=1, on_failure=QUEUE))
    expect_update(stubber, "c", retry=2, on_failure=QUEUE)
    result = run_module(module, fleet_args())
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["msg"] == (
        "1 of 3 configs failed (the others were applied): b: Failed to put event invoke config: "
        "the function b does not exist"
    )
    assert [e.get("failed", False) for e in result["event_invoke_configs"]] == [False, True, False]


def test_a_throttled_item_is_retried(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config", service_error_code="TooManyRequestsException", http_status_code=429
    )
    expect_get(stubber, "a", config_of("a", retry=0, on_failure=QUEUE))
    result = run_module(module, fleet_args(configs=[{"function_name": "a"}]))
    stubber.assert_no_pending_responses()
    assert result["changed"] is False
    assert stubber.sleeps.call_count == 1


def test_a_bad_item_fails_the_task_before_any_call(stubber, run_module):
    result = run_module(
        module, fleet_args(configs=[{"function_name": "a"}, {"function_name": "b", "maximum_event_age_in_seconds": 5}])
    )
    assert result["failed"] is True
    assert result["msg"] == "configs[1] (b): maximum_event_age_in_seconds must be between 60 and 21600, got 5"
    assert "event_invoke_configs" not in result


def test_two_items_for_one_config_fail_the_task_before_any_call(stubber, run_module):
    result = run_module(module, fleet_args(configs=[{"function_name": "a"}, {"function_name": "a:$LATEST"}]))
    assert result["failed"] is True
    assert result["msg"] == "configs[1] (a:$LATEST) addresses the same config as configs[0] (a); give each config once"


def test_items_delete_with_state_absent(stubber, run_module):
    expect_get(stubber, "a", config_of("a", retry=0))
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "a"})
    result = run_module(module, {"configs": [{"function_name": "a", "state": "absent"}], "max_concurrency": 1})
    stubber.assert_no_pending_responses()
    # No config after the task: the entry names the one it deleted, and holds no setting.
    assert result["event_invoke_configs"] == [
        {"function_arn": PREFIX + "a:$LATEST", "qualifier": "$LATEST", "changed": True}
    ]


def test_function_name_and_configs_are_mutually_exclusive(stubber, run_module):
    result = run_module(module, {"function_name": "a", "configs": [{"function_name": "b"}]})
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]


def test_max_concurrency_is_bounded(stubber, run_module):
    result = run_module(module, fleet_args(max_concurrency=0))
    assert result["failed"] is True
    assert result["msg"] == "max_concurrency must be between 1 and 64, got 0"


def test_a_client_that_cannot_be_made_fails_the_task_once_before_any_item(stubber, run_module, mocker):
    # amazon.aws's connection code fails the module when it cannot make a client.
    made = []

    def client(self, service, **kwargs):
        made.append(service)
        self.fail_json(msg="The lambda_event_invoke_config module requires a region")

    mocker.patch.object(AnsibleAWSModule, "client", client)
    result = run_module(module, fleet_args(max_concurrency=4))
    assert result["failed"] is True
    assert result["msg"] == "The lambda_event_invoke_config module requires a region"
    assert "event_invoke_configs" not in result
    assert made == ["lambda"]


def test_a_client_that_cannot_be_made_in_a_worker_thread_fails_only_its_item(stubber, run_module, mocker):
    # The preflight's SQS client is first wanted inside a worker thread.
    made = mocker.patch.object(AnsibleAWSModule, "client", autospec=True, wraps=AnsibleAWSModule.client)

    def client(self, service, **kwargs):
        if service == "sqs":
            self.fail_json(msg="Couldn't connect to AWS: the profile (sqs) could not be found")
        return stubber.services["lambda"].client

    made.side_effect = client
    expect_get(stubber, "a", config_of("a", retry=1))
    result = run_module(
        module,
        {
            "configs": [{"function_name": "a"}],
            "validate_destinations": True,
            "destination_config": {"on_failure": {"destination": QUEUE}},
        },
    )
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["msg"] == "1 of 1 configs failed: a: Couldn't connect to AWS: the profile (sqs) could not be found"


def test_items_sharing_a_role_and_a_destination_share_one_grant_read_and_written_once(stubber, run_module):
    role = "arn:aws:iam::123456789012:role/shared-exec"
    iam = stubber.service("iam")
    name = "event-invoke-config-destinations-sqs"
    read = {"RoleName": "shared-exec", "PolicyName": name}
    for function in ("a", "b"):
        expect_get(stubber, function)
        stubber.add_response(
            "get_function",
            {"Configuration": {"FunctionArn": PREFIX + function, "Role": role}},
            {"FunctionName": function},
        )
        if function == "a":  # the role's merged policy, its usage, the read before the put, the put: once
            iam.add_client_error("get_role_policy", service_error_code="NoSuchEntity", http_status_code=404)
            iam.add_response(
                "list_role_policies", {"PolicyNames": [], "IsTruncated": False}, {"RoleName": "shared-exec"}
            )
            iam.add_client_error("get_role_policy", service_error_code="NoSuchEntity", http_status_code=404)
            iam.add_response("put_role_policy", {}, dict(read, PolicyDocument=json.dumps(grant_document({QUEUE}))))
        expect_put(stubber, function, retry=0, on_failure=QUEUE)
    # The end of the task: the policy put still grants the queue.
    iam.add_response("get_role_policy", dict(read, PolicyDocument=json.dumps(grant_document({QUEUE}))), read)
    args = fleet_args(grant_destinations=True)
    args["configs"] = args["configs"][:2]
    result = run_module(module, args)
    for each in stubber.services.values():
        each.assert_no_pending_responses()
    assert [entry["execution_role_grant"] for entry in result["event_invoke_configs"]] == [
        {"role_arn": role, "policy_names": [name]}
    ] * 2
    assert result["execution_role_policies"] == [
        {
            "role_arn": role,
            "granted": {name: grant_document({QUEUE})},
            "revoked": [],
            "granted_destinations": [QUEUE],
            "revoked_destinations": [],
            "kept_destinations": [],
        }
    ]


def test_a_deleted_items_entry_names_its_config(stubber, run_module):
    expect_get(stubber, "a", config_of("a", retry=0))
    stubber.add_response("delete_function_event_invoke_config", {}, {"FunctionName": "a"})
    expect_get(stubber, "b")  # none: no change, still named
    result = run_module(
        module, {"configs": [{"function_name": "a"}, {"function_name": "b"}], "state": "absent", "max_concurrency": 1}
    )
    stubber.assert_no_pending_responses()
    assert result["event_invoke_configs"] == [
        {"changed": True, "function_arn": PREFIX + "a:$LATEST", "qualifier": "$LATEST"},
        {"changed": False, "function_arn": PREFIX + "b:$LATEST", "qualifier": "$LATEST"},
    ]


def expect_function_missing(stubber, function):
    stubber.add_client_error(
        "get_function",
        service_error_code="ResourceNotFoundException",
        service_message=f"Function not found: {PREFIX}{function}",
        http_status_code=404,
        expected_params={"FunctionName": function},
    )


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_item_whose_function_does_not_exist_carries_awss_error_code(stubber, run_module, check_mode):
    # AWS answers the Put with ResourceNotFoundException; the module words the message itself after
    # reading the function again, and keeps AWS's code; check mode reads the function and fails alike.
    expect_get(stubber, "ghost")
    if not check_mode:
        stubber.add_client_error(
            "put_function_event_invoke_config",
            service_error_code="ResourceNotFoundException",
            service_message=f"Function not found: {PREFIX}ghost",
            http_status_code=404,
        )
    expect_function_missing(stubber, "ghost")
    result = run_module(module, fleet_args(configs=[{"function_name": "ghost"}]), check_mode=check_mode)
    stubber.assert_no_pending_responses()
    entry = result["event_invoke_configs"][0]
    assert entry["msg"] == "Failed to put event invoke config: the function ghost does not exist"
    assert entry["error_code"] == "ResourceNotFoundException"


def test_a_failed_entry_carries_the_aws_error_code_and_its_message_without_the_hint(stubber, run_module):
    expect_get(stubber, "a")
    stubber.add_client_error(
        "put_function_event_invoke_config",
        service_error_code="InvalidParameterValueException",
        service_message=f"The destination ARN {QUEUE} is invalid.",
        http_status_code=400,
    )
    # The queue exists (so the answer is a grant not yet propagated), and no wait is allowed.
    stubber.service("sqs").add_response(
        "get_queue_url", {"QueueUrl": "https://q"}, {"QueueName": "failed", "QueueOwnerAWSAccountId": "123456789012"}
    )
    result = run_module(
        module, fleet_args(configs=[{"function_name": "a"}], iam_propagation_timeout=0, maximum_retry_attempts=None)
    )
    stubber.assert_no_pending_responses()
    entry = result["event_invoke_configs"][0]
    assert entry["error_code"] == "InvalidParameterValueException"
    # The entry names the item: its message does not name it again (nor give the hint, which the task message has)
    assert entry["msg"] == f"Failed to put event invoke config: The destination ARN {QUEUE} is invalid."
    # The hint, once for its kind of failure, in the task's message.
    assert "InvalidParameterValueException 1 (check that each destination exists" in result["msg"]
