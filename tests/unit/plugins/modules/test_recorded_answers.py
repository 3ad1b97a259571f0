# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the modules do with the answers real AWS gave (data/README.md), one test per recorded
behaviour that touches their logic. The codes and messages quoted here are AWS's, as recorded."""

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import error_hint
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info as info
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_recorded import FUNCTION_ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_recorded import RECORDED
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_recorded import answer
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_recorded import error

NO_DESTINATIONS = {"OnSuccess": {}, "OnFailure": {}}
SINK = FUNCTION_ARN + "-sink"
ROLE = "arn:aws:iam::111111111111:role/my-fn-exec"
FUNCTION = {"Configuration": {"FunctionName": "my-fn", "FunctionArn": FUNCTION_ARN, "Role": ROLE}}


def request(qualifier=None, **extra):
    params = {"FunctionName": "my-fn"}
    if qualifier:
        params["Qualifier"] = qualifier
    return dict(params, **extra)


def test_the_recorded_facts_these_tests_rely_on():
    # Get answers alike for a missing function, a missing version and a missing config.
    for name in (
        "not_found_exception",
        "version_not_found_exception",
        "get_qualifier_doesnotexist",
        "get_eventinvokeconfig_doesnotexist",
    ):
        assert RECORDED[name]["Error"]["Code"] == "ResourceNotFoundException"
        assert RECORDED[name]["Error"]["Message"].endswith("doesn't have an EventInvokeConfig")
    assert RECORDED["put_functionname_name_notfound"]["Error"]["Message"] == "The function doesn't exist."
    assert RECORDED["put_alias_doesnotexist"]["Error"]["Message"] == "The function doesn't exist."
    assert RECORDED["put_destination_success_no_destination_arn"]["DestinationConfig"] == NO_DESTINATIONS


# Missing function / version / alias / config: check mode fails as the real run does.


@pytest.mark.parametrize(
    "qualifier, get_answer, put_answer, missing",
    [
        (None, "not_found_exception", "put_functionname_name_notfound", "the function my-fn does not exist"),
        (
            "1221",
            "version_not_found_exception",
            "put_alias_doesnotexist",
            "the function my-fn has no version or alias '1221'",
        ),
        (
            "doesnotexist",
            "get_qualifier_doesnotexist",
            "put_alias_doesnotexist",
            "the function my-fn has no version or alias 'doesnotexist'",
        ),
    ],
)
def test_missing_target_fails_alike_in_check_mode_and_for_real(
    stubber, run_module, qualifier, get_answer, put_answer, missing
):
    args = {"function_name": "my-fn", "qualifier": qualifier, "maximum_retry_attempts": 1}

    def expect_target_reads():
        stubber.add_client_error("get_function", expected_params=request(qualifier), **error("not_found_exception"))
        if qualifier:
            if "has no version" in missing:
                stubber.add_response("get_function", FUNCTION, request())
            else:
                stubber.add_client_error("get_function", expected_params=request(), **error("not_found_exception"))

    stubber.add_client_error(
        "get_function_event_invoke_config", expected_params=request(qualifier), **error(get_answer)
    )
    expect_target_reads()
    checked = run_module(module, args, check_mode=True)
    stubber.assert_no_pending_responses()

    stubber.add_client_error(
        "get_function_event_invoke_config", expected_params=request(qualifier), **error(get_answer)
    )
    stubber.add_client_error("put_function_event_invoke_config", **error(put_answer))
    expect_target_reads()
    real = run_module(module, args)
    stubber.assert_no_pending_responses()

    assert checked["failed"] is True and real["failed"] is True
    assert checked["msg"] == real["msg"]
    assert (
        checked["msg"] == f"Failed to put event invoke config of my-fn{':' + qualifier if qualifier else ''}: {missing}"
    )
    # The message is the module's, worded after a second read; the code is AWS's answer to the Put.
    assert checked["error"] == real["error"] == {"code": RECORDED[put_answer]["Error"]["Code"]}


def test_missing_config_of_an_existing_alias_is_predicted_as_a_create(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config",
        expected_params=request("eventinvokealias"),
        **error("get_eventinvokeconfig_doesnotexist"),
    )
    stubber.add_response("get_function", FUNCTION, request("eventinvokealias"))
    result = run_module(
        module, {"function_name": "my-fn:eventinvokealias", "maximum_retry_attempts": 1}, check_mode=True
    )
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    # The ARN AWS names in its answer: the config's function_arn, predicted without another call.
    assert result["event_invoke_config"]["function_arn"] == FUNCTION_ARN + ":eventinvokealias"


def test_create_makes_no_extra_read_for_real(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config",
        expected_params=request(),
        **error("update_eventinvokeconfig_config_doesnotexist_without_qualifier"),
    )
    stubber.add_response(
        "put_function_event_invoke_config",
        answer("put_invokeconfig_retries_0"),
        request(MaximumRetryAttempts=0, DestinationConfig=NO_DESTINATIONS),
    )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"]["maximum_retry_attempts"] == 0


def test_check_mode_warns_and_predicts_when_the_function_cannot_be_read(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    stubber.add_client_error("get_function_event_invoke_config", **error("not_found_exception"))
    stubber.add_client_error("get_function", service_error_code="AccessDeniedException", http_status_code=403)
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 1}, check_mode=True)
    assert result["changed"] is True
    assert "could not check that my-fn exists (AccessDeniedException)" in warn.call_args.args[0]


# Wrong region


def test_function_arn_of_another_region_is_addressed_in_that_region(stubber, run_module):
    other = "arn:aws:lambda:us-west-2:111111111111:function:my-fn"
    stubber.add_response(
        "get_function_event_invoke_config",
        dict(answer("get_invokeconfig"), FunctionArn=other + ":$LATEST"),
        {"FunctionName": other},
    )
    result = run_module(
        module, {"function_name": other, "maximum_retry_attempts": 1, "maximum_event_age_in_seconds": 60}
    )
    stubber.assert_no_pending_responses()
    assert ("lambda", "us-west-2") in stubber.regions
    assert result["changed"] is False
    assert result["event_invoke_config"]["function_arn"] == other + ":$LATEST"


def test_wrong_region_answer_gets_no_misleading_hint():
    # Recorded: ResourceNotFoundException "Functions from 'us-west-2' are not reachable in
    # this region ('us-east-1')". It says what is wrong; "does not exist" would not be true.
    assert error_hint(client_error("get_function_event_invoke_config", "wrong_region_exception")) is None
    assert error_hint(client_error("get_function_event_invoke_config", "not_found_exception")) == (
        "the function, version or alias does not exist"
    )


def client_error(operation, name):
    import botocore.exceptions

    recorded = error(name)
    return botocore.exceptions.ClientError(
        {"Error": {"Code": recorded["service_error_code"], "Message": recorded["service_message"]}}, operation
    )


# Qualifier conflicts


@pytest.mark.parametrize(
    "function_name, qualifier",
    [
        ("my-fn:eventinvokealias", "1"),
        (FUNCTION_ARN + ":eventinvokealias", "$LATEST"),
        ("my-fn:$LATEST", "1"),
    ],
)
def test_qualifier_conflict_fails_before_any_call(stubber, run_module, function_name, qualifier):
    # AWS: InvalidParameterValueException "The derived qualifier from the function name does
    # not match the specified qualifier." The module says so before any call.
    assert RECORDED["put_alias_shorthand_qualifierconflict"]["Error"]["Code"] == "InvalidParameterValueException"
    result = run_module(module, {"function_name": function_name, "qualifier": qualifier, "maximum_retry_attempts": 1})
    assert result["failed"] is True
    assert "differs from qualifier" in result["msg"]


@pytest.mark.parametrize(
    "name",
    ["put_alias_shorthand_qualifierconflict", "put_destination_recursive", "put_destination_invalid_service_arn"],
)
def test_refusals_that_say_what_is_wrong_get_no_hint(name):
    assert error_hint(client_error("put_function_event_invoke_config", name)) is None


# Empty destination slots: a config with no settings


def test_config_with_no_settings_is_listed_and_adopted_without_change(stubber, run_module):
    empty = answer("put_destination_success_no_destination_arn")
    stubber.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": [empty]})
    listed = run_module(info, {"function_name": "my-fn"})["event_invoke_configs"]
    assert listed[0]["module_params"] == {
        "function_name": FUNCTION_ARN,
        "qualifier": "$LATEST",
        "destination_config": {},
        "purge_destinations": True,
    }
    stubber.add_response(
        "get_function_event_invoke_config", empty, {"FunctionName": FUNCTION_ARN, "Qualifier": "$LATEST"}
    )
    adopted = run_module(module, listed[0]["module_params"])
    stubber.assert_no_pending_responses()
    assert adopted["changed"] is False
    assert "failed" not in adopted


@pytest.mark.parametrize("check_mode", [False, True])
def test_removing_the_last_destinations_leaves_an_empty_config(stubber, run_module, check_mode):
    stubber.add_response("get_function_event_invoke_config", dict(answer("put_destination_other_lambda")), request())
    if not check_mode:
        # read again right before the Put
        stubber.add_response(
            "get_function_event_invoke_config", dict(answer("put_destination_other_lambda")), request()
        )
        stubber.add_response(
            "put_function_event_invoke_config",
            answer("put_destination_failure_no_destination_arn"),
            request(DestinationConfig=NO_DESTINATIONS),
        )
    result = run_module(module, {"function_name": "my-fn", "destination_config": {}}, check_mode=check_mode, diff=True)
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["diff"]["before"]["destination_config"] == {"on_success": {"destination": SINK}}
    assert result["event_invoke_config"]["destination_config"] == {}
    assert result["event_invoke_config"]["maximum_retry_attempts"] is None


def test_no_settings_at_all_without_a_config_is_refused_as_aws_would(stubber, run_module):
    # AWS: "You must specify at least one of error handling or destination setting."
    assert RECORDED["put_functionname_nootherargs"]["Error"]["Code"] == "InvalidParameterValueException"
    stubber.add_client_error("get_function_event_invoke_config", **error("not_found_exception"))
    result = run_module(module, {"function_name": "my-fn"})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "has no event invoke config yet" in result["msg"]


# The function as its own destination


def test_self_destination_by_arn_is_refused_before_any_call(stubber, run_module):
    result = run_module(
        module,
        {
            "function_name": FUNCTION_ARN,
            "qualifier": "1",
            "destination_config": {"on_success": {"destination": FUNCTION_ARN + ":live"}},
        },
    )
    assert result["failed"] is True
    assert "is the function itself" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_self_destination_by_name_is_refused_after_the_first_read(stubber, run_module, check_mode):
    # The name gives no account; AWS's answer to the read names the function's ARN.
    stubber.add_client_error("get_function_event_invoke_config", **error("not_found_exception"))
    result = run_module(
        module,
        {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": FUNCTION_ARN}}},
        check_mode=check_mode,
    )
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert "is the function itself" in result["msg"]


def test_aws_refusal_of_a_self_destination_is_passed_through_without_hints(stubber, run_module):
    # When the first read names no ARN (LocalStack's "Function not found"), AWS decides.
    stubber.add_client_error(
        "get_function_event_invoke_config",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found",
        http_status_code=404,
    )
    stubber.add_client_error("put_function_event_invoke_config", **error("put_destination_recursive"))
    result = run_module(
        module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": FUNCTION_ARN}}}
    )
    assert result["failed"] is True
    assert result["msg"] == (
        "Failed to put event invoke config of my-fn: An error occurred (InvalidParameterValueException)"
        " when calling the PutFunctionEventInvokeConfig operation: You can't specify the function "
        "as a destination for itself."
    )


# Invalid destination: a typo fails at once, a propagating grant is waited for. The answer is
# the one AWS recorded for a Put; a destination added to an existing config goes by Update,
# which checks destinations as Put does.


def test_missing_destination_fails_at_once_naming_it(stubber, run_module):
    missing = FUNCTION_ARN.replace("my-fn", "doesnotexist")
    stubber.add_response("get_function_event_invoke_config", answer("get_invokeconfig"), request())
    stubber.add_client_error("update_function_event_invoke_config", **error("put_destination_lambda_doesntexist"))
    stubber.add_client_error("get_function", expected_params={"FunctionName": missing}, **error("not_found_exception"))
    result = run_module(
        module, {"function_name": "my-fn", "destination_config": {"on_failure": {"destination": missing}}}
    )
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["msg"].startswith(
        f"Failed to update event invoke config of my-fn: destination_config.on_failure.destination "
        f"{missing} does not exist"
    )
    assert stubber.sleeps.call_count == 0


def test_existing_destination_called_invalid_is_a_propagating_grant(stubber, run_module):
    missing = FUNCTION_ARN.replace("my-fn", "doesnotexist")
    stubber.add_response("get_function_event_invoke_config", answer("get_invokeconfig"), request())
    stubber.add_client_error("update_function_event_invoke_config", **error("put_destination_lambda_doesntexist"))
    stubber.add_response("get_function", FUNCTION, {"FunctionName": missing})
    stubber.add_client_error("update_function_event_invoke_config", **error("put_destination_lambda_doesntexist"))
    stubber.add_response("update_function_event_invoke_config", answer("put_destination_other_lambda"))
    result = run_module(
        module, {"function_name": "my-fn", "destination_config": {"on_success": {"destination": missing}}}
    )
    stubber.assert_no_pending_responses()  # the destination was read once, not per retry
    assert result["changed"] is True
    assert [call.args[0] for call in stubber.sleeps.call_args_list] == [2, 4]


# Overwrite vs merge


def test_update_merges_so_the_module_sends_only_what_changes(stubber, run_module):
    # Recorded: after pre_update_response (retries 2, age 60), an Update of retries 0 alone
    # keeps the age (update_response), where a Put of retries 0 alone drops it
    # (put_pre_overwrite, then put_post_overwrite). So the module sends only the retries: an
    # age another tool sets between its read and its write is not sent back as it was read.
    assert "MaximumEventAgeInSeconds" not in RECORDED["put_post_overwrite"]
    assert RECORDED["pre_update_response"]["MaximumEventAgeInSeconds"] == 60
    assert RECORDED["update_response"]["MaximumEventAgeInSeconds"] == 60
    stubber.add_response("get_function_event_invoke_config", answer("pre_update_response"), request())
    stubber.add_response(
        "update_function_event_invoke_config", answer("update_response"), request(MaximumRetryAttempts=0)
    )
    result = run_module(module, {"function_name": "my-fn", "maximum_retry_attempts": 0})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_config"]["maximum_event_age_in_seconds"] == 60
    assert result["event_invoke_config"]["maximum_retry_attempts"] == 0


def test_a_removed_destination_is_a_put_of_what_the_config_keeps(stubber, run_module):
    # Neither AWS's recorded answers nor its documentation say that Update clears a
    # destination, so a removal is a Put, which replaces the config: it carries the numbers.
    current = dict(
        answer("pre_update_response"), DestinationConfig={"OnSuccess": {}, "OnFailure": {"Destination": SINK}}
    )
    for dummy in range(2):  # the read, and the read again right before the Put
        stubber.add_response("get_function_event_invoke_config", current, request())
    stubber.add_response(
        "put_function_event_invoke_config",
        answer("put_pre_overwrite"),
        request(MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60, DestinationConfig=NO_DESTINATIONS),
    )
    result = run_module(module, {"function_name": "my-fn", "destination_config": {}})
    stubber.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["event_invoke_config"]["destination_config"] == {}


# Listing


def test_list_answer_is_returned_whole_with_module_params(stubber, run_module):
    stubber.add_response(
        "list_function_event_invoke_configs", answer("list_configs"), {"FunctionName": "my-fn", "MaxItems": 50}
    )
    configs = run_module(info, {"function_name": "my-fn"})["event_invoke_configs"]
    assert [config["qualifier"] for config in configs] == ["$LATEST", "1", "eventinvokealias"]
    assert configs[1]["module_params"]["maximum_retry_attempts"] == 1
    assert "maximum_event_age_in_seconds" not in configs[1]["module_params"]


def test_info_fails_for_a_missing_function(stubber, run_module):
    stubber.add_client_error("list_function_event_invoke_configs", **error("list_function_doesnotexist"))
    result = run_module(info, {"function_name": "my-fn"})
    assert result["failed"] is True
    assert "the function, version or alias does not exist" in result["msg"]


def test_info_fails_for_a_missing_alias(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config",
        expected_params=request("doesnotexist"),
        **error("get_qualifier_doesnotexist"),
    )
    stubber.add_client_error("get_function", expected_params=request("doesnotexist"), **error("not_found_exception"))
    stubber.add_response("get_function", FUNCTION, request())
    result = run_module(info, {"function_name": "my-fn", "qualifier": "doesnotexist"})
    stubber.assert_no_pending_responses()
    assert result["failed"] is True
    assert result["msg"] == (
        "Failed to get event invoke config of my-fn:doesnotexist: the function my-fn has no "
        "version or alias 'doesnotexist'"
    )


def test_info_gives_an_empty_list_for_an_alias_without_config(stubber, run_module):
    stubber.add_client_error(
        "get_function_event_invoke_config",
        expected_params=request("eventinvokealias"),
        **error("get_eventinvokeconfig_doesnotexist"),
    )
    stubber.add_response("get_function", FUNCTION, request("eventinvokealias"))
    result = run_module(info, {"function_name": "my-fn:eventinvokealias"})
    stubber.assert_no_pending_responses()
    assert result["event_invoke_configs"] == []


# state=absent


def test_absent_warns_about_ignored_settings(stubber, run_module, mocker):
    warn = mocker.patch.object(module.LambdaAWSModule, "warn")
    stubber.add_client_error("get_function_event_invoke_config", **error("delete_function_not_found"))
    result = run_module(
        module, {"function_name": "my-fn", "state": "absent", "maximum_retry_attempts": 1, "destination_config": {}}
    )
    assert result["changed"] is False
    warn.assert_called_once_with(
        "my-fn: state=absent deletes the config; maximum_retry_attempts, destination_config given with it is ignored"
    )
