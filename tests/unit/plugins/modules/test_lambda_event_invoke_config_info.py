# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Call sequences of lambda_event_invoke_config_info, checked with botocore's Stubber."""

from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info as module
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config

SQS = "arn:aws:sqs:us-east-1:123456789012:failed"


def test_lists_every_config_across_all_pages(stubber, run_module):
    qualifiers = ["$LATEST"] + [str(n) for n in range(1, 120)]
    pages = [qualifiers[0:50], qualifiers[50:100], qualifiers[100:]]
    for index, page in enumerate(pages):
        response = {"FunctionEventInvokeConfigs": [api_config(q, retry=index) for q in page]}
        request = {"FunctionName": "my-fn", "MaxItems": 50}
        if index:
            request["Marker"] = f"page-{index}"
        if index < len(pages) - 1:
            response["NextMarker"] = f"page-{index + 1}"
        stubber.add_response("list_function_event_invoke_configs", response, request)
    result = run_module(module, {"function_name": "my-fn"})
    stubber.assert_no_pending_responses()
    configs = result["event_invoke_configs"]
    assert [config["qualifier"] for config in configs] == qualifiers
    assert configs[-1]["maximum_retry_attempts"] == 2
    assert result["changed"] is False


def test_items_carry_module_params_that_describe_them(stubber, run_module):
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [api_config("prod", retry=0, on_failure=SQS)]},
        {"FunctionName": ARN, "MaxItems": 50},
    )
    result = run_module(module, {"function_name": ARN})
    assert result["event_invoke_configs"][0]["module_params"] == {
        "function_name": ARN,
        "qualifier": "prod",
        "maximum_retry_attempts": 0,
        "destination_config": {"on_failure": {"destination": SQS}},
        "purge_destinations": True,
    }


def test_function_without_configs_gives_an_empty_list(stubber, run_module):
    stubber.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": []})
    result = run_module(module, {"function_name": "my-fn"})
    assert result["event_invoke_configs"] == []


def test_one_qualifier_is_one_read(stubber, run_module):
    stubber.add_response(
        "get_function_event_invoke_config", api_config("prod", retry=1), {"FunctionName": "my-fn", "Qualifier": "prod"}
    )
    result = run_module(module, {"function_name": "my-fn:prod"})
    stubber.assert_no_pending_responses()
    assert [config["qualifier"] for config in result["event_invoke_configs"]] == ["prod"]


def test_qualifier_without_config_gives_an_empty_list(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"FunctionName": "my-fn", "Qualifier": "7"},
    )
    stubber.add_response("get_function", {}, {"FunctionName": "my-fn", "Qualifier": "7"})
    result = run_module(module, {"function_name": "my-fn", "qualifier": "7"})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_configs"] == []


def test_missing_function_is_a_clear_failure(stubber, run_module):
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found",
        http_status_code=404,
    )
    result = run_module(module, {"function_name": "nope"})
    assert result["failed"] is True
    assert (
        "Failed to list event invoke configs of nope (the function, version or alias does not exist)" in result["msg"]
    )


def test_missing_function_with_qualifier_is_a_clear_failure(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config", service_error_code="ResourceNotFoundException", http_status_code=404
    )
    for request in ({"FunctionName": "nope", "Qualifier": "prod"}, {"FunctionName": "nope"}):
        stubber.add_client_error(
            "get_function",
            service_error_code="ResourceNotFoundException",
            service_message="Function not found",
            http_status_code=404,
            expected_params=request,
        )
    result = run_module(module, {"function_name": "nope:prod"})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["msg"] == "Failed to get event invoke config of nope:prod: the function nope does not exist"
    assert result["error"]["code"] == "ResourceNotFoundException"  # AWS's answer, though the message is ours


def test_bad_function_name_fails_before_any_call(stubber, run_module):
    result = run_module(module, {"function_name": "no spaces please"})
    assert result["failed"] is True
    assert "function_name" in result["msg"]


PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"


def function_config(function, **settings):
    answer = api_config(**settings)
    answer["FunctionArn"] = answer["FunctionArn"].replace("my-fn", function)
    return answer


def test_without_a_function_every_config_of_the_region_is_listed(stubber, run_module):
    # Every function ($LATEST of ListFunctions, all pages), each function's configs; one deleted while
    # it is read is left out.
    functions = [{"FunctionName": name, "FunctionArn": PREFIX + name} for name in ("protected", "gone", "bare")]
    stubber.add_response("list_functions", {"Functions": functions[:2], "NextMarker": "p2"}, {"MaxItems": 50})
    stubber.add_response("list_functions", {"Functions": functions[2:]}, {"MaxItems": 50, "Marker": "p2"})
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [function_config("protected", on_failure=SQS)]},
        {"FunctionName": "protected", "MaxItems": 50},
    )
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="ResourceNotFoundException",
        service_message="The function doesn't exist.",
        http_status_code=404,
        expected_params={"FunctionName": "gone", "MaxItems": 50},
    )
    stubber.add_response(
        "list_function_event_invoke_configs",
        {
            "FunctionEventInvokeConfigs": [
                function_config("bare", qualifier="live", on_failure=SQS),
                function_config("bare", retry=1),
            ]
        },
        {"FunctionName": "bare", "MaxItems": 50},
    )
    result = run_module(module, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert [config["function_arn"] for config in result["event_invoke_configs"]] == [
        PREFIX + "protected:$LATEST",
        PREFIX + "bare:live",
        PREFIX + "bare:$LATEST",
    ]
    assert result["event_invoke_configs"][2]["module_params"]["function_name"] == PREFIX + "bare"
    assert "failure_audit" not in result  # the audit is lambda_failure_handling_info's


def test_the_audit_options_are_the_audit_modules_now(stubber, run_module):
    result = run_module(module, {"regions": ["us-east-1"]})
    assert result["failed"] is True
    assert "regions" in result["msg"]
