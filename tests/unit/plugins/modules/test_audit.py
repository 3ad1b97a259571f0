# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit of a region (lambda_event_invoke_config_info without function_name), checked with
botocore's Stubber: every qualifier judged on its own (failure_audit).

max_concurrency=1 makes the call order deterministic, which the Stubber needs.
"""

from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info as info
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"
PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"
ALL = {"FunctionVersion": "ALL", "MaxItems": 50}


def config_of(function, **settings):
    answer = api_config(**settings)
    answer["FunctionArn"] = answer["FunctionArn"].replace("my-fn", function)
    return answer


def version(name, number="$LATEST", dead_letter=None):
    # ListFunctions with FunctionVersion=ALL: every version, each ARN with its qualifier.
    item = {"FunctionName": name, "FunctionArn": f"{PREFIX}{name}:{number}", "Version": number}
    if dead_letter:
        item["DeadLetterConfig"] = {"TargetArn": dead_letter}
    return item


def alias(name, function_version, weights=None):
    item = {"Name": name, "FunctionVersion": function_version, "AliasArn": f"{PREFIX}x:{name}"}
    if weights:
        item["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return item


def expect_function(stubber, name, configs, aliases=()):
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": configs},
        {"FunctionName": name, "MaxItems": 50},
    )
    stubber.add_response("list_aliases", {"Aliases": list(aliases)}, {"FunctionName": name, "MaxItems": 50})


def test_audit_lists_every_function_and_flags_those_that_drop_failed_events(stubber, run_module):
    stubber.add_response(
        "list_functions",
        {"Functions": [version("protected"), version("dlq", dead_letter=QUEUE)], "NextMarker": "p2"},
        ALL,
    )
    stubber.add_response("list_functions", {"Functions": [version("bare")]}, dict(ALL, Marker="p2"))
    expect_function(stubber, "protected", [config_of("protected", on_failure=QUEUE)])
    expect_function(stubber, "dlq", [])
    expect_function(
        stubber, "bare", [config_of("bare", qualifier="live", on_failure=QUEUE), config_of("bare", retry=1)]
    )
    result = run_module(info, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    # bare:live has its own on_failure destination: only bare's $LATEST is flagged.
    assert result["functions_without_failure_handling"] == [{"function_name": PREFIX + "bare"}]
    assert [c["function_arn"] for c in result["event_invoke_configs"]] == [
        PREFIX + "protected:$LATEST",
        PREFIX + "bare:live",
        PREFIX + "bare:$LATEST",
    ]
    assert result["event_invoke_configs"][2]["module_params"]["function_name"] == PREFIX + "bare"


def test_each_alias_and_configured_version_is_judged_on_its_own(stubber, run_module):
    # orders: $LATEST has an on_failure destination; live runs version 1 (no DLQ) with no config of its own;
    # canary runs 1 and 2 (2 has a DLQ); stable runs 2. Version 1's own config sends failures nowhere.
    stubber.add_response(
        "list_functions",
        {"Functions": [version("orders"), version("orders", "1"), version("orders", "2", dead_letter=DLQ)]},
        ALL,
    )
    expect_function(
        stubber,
        "orders",
        [config_of("orders", on_failure=QUEUE), config_of("orders", qualifier="1", retry=0)],
        [alias("live", "1"), alias("canary", "1", {"2": 0.1}), alias("stable", "2")],
    )
    result = run_module(info, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == [
        {"function_name": PREFIX + "orders", "qualifier": "1"},
        {"function_name": PREFIX + "orders", "qualifier": "canary"},
        {"function_name": PREFIX + "orders", "qualifier": "live"},
    ]


def test_a_throttled_page_is_retried_alone(stubber, run_module):
    # The first page is read once: the retry asks again for the second page only.
    stubber.add_response("list_functions", {"Functions": [version("a")], "NextMarker": "p2"}, ALL)
    stubber.add_client_error(
        "list_functions",
        service_error_code="TooManyRequestsException",
        http_status_code=429,
        expected_params=dict(ALL, Marker="p2"),
    )
    stubber.add_response("list_functions", {"Functions": [version("b")]}, dict(ALL, Marker="p2"))
    expect_function(stubber, "a", [])
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [], "NextMarker": "more"},
        {"FunctionName": "b", "MaxItems": 50},
    )
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="TooManyRequestsException",
        http_status_code=429,
        expected_params={"FunctionName": "b", "MaxItems": 50, "Marker": "more"},
    )
    stubber.add_response(
        "list_function_event_invoke_configs",
        {"FunctionEventInvokeConfigs": [config_of("b", retry=1)]},
        {"FunctionName": "b", "MaxItems": 50, "Marker": "more"},
    )
    stubber.add_response("list_aliases", {"Aliases": []}, {"FunctionName": "b", "MaxItems": 50})
    result = run_module(info, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert stubber.sleeps.call_count == 2
    assert [c["function_arn"] for c in result["event_invoke_configs"]] == [PREFIX + "b:$LATEST"]


def test_audit_leaves_out_a_function_deleted_while_it_is_read(stubber, run_module):
    stubber.add_response("list_functions", {"Functions": [version("gone"), version("bare")]}, ALL)
    stubber.add_client_error(
        "list_function_event_invoke_configs",
        service_error_code="ResourceNotFoundException",
        service_message="The function doesn't exist.",
        http_status_code=404,
    )
    expect_function(stubber, "bare", [])
    result = run_module(info, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == [{"function_name": PREFIX + "bare"}]


def test_audit_leaves_out_a_function_deleted_between_its_configs_and_its_aliases(stubber, run_module):
    stubber.add_response("list_functions", {"Functions": [version("gone")]}, ALL)
    stubber.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": []})
    stubber.add_client_error(
        "list_aliases",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found: " + PREFIX + "gone",
        http_status_code=404,
    )
    result = run_module(info, {"max_concurrency": 1})
    stubber.assert_no_pending_responses()
    assert result["functions_without_failure_handling"] == []
    assert result["event_invoke_configs"] == []
