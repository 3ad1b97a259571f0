# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure functions of a config: validation, normalisation, merge and purge (references: test_references.py)."""

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import FunctionRef
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config import settings as eic
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import api_config

SQS = "arn:aws:sqs:us-east-1:123456789012:failed"
SNS = "arn:aws:sns:us-east-1:123456789012:done"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/default"
FN = "arn:aws:lambda:us-east-1:123456789012:function:sink"
BUCKET = "arn:aws:s3:::my-failures"


@pytest.mark.parametrize(
    "slot, arn",
    [
        ("on_success", SQS),
        ("on_success", SNS),
        ("on_success", BUS),
        ("on_success", FN),
        ("on_success", FN + ":live"),
        ("on_failure", SQS),
        ("on_failure", BUCKET),
        ("on_failure", "arn:aws-cn:sqs:cn-north-1:123456789012:q"),
        # AWS's partition pattern is aws[a-zA-Z0-9-]*: a partition it adds later is accepted.
        ("on_failure", "arn:awsx:sqs:us-east-1:123456789012:q"),
    ],
)
def test_validate_destination_accepts(slot, arn):
    eic.validate_destination(slot, arn)


@pytest.mark.parametrize(
    "slot, arn, fragment",
    [
        ("on_success", BUCKET, "accepts S3 buckets only as on_failure"),
        ("on_failure", SQS + "\n", "is not an ARN"),
        ("on_failure", "arn:aws:sqs:us-east-1:123456789012:q\nx", "is not an ARN"),
        ("on_failure", "xarn:aws:sqs:us-east-1:123456789012:q", "is not an ARN"),
        ("on_failure", "arn:aws:sqs:us-east-1:123456789012:orders.fifo", "never delivers"),
        ("on_success", "arn:aws:sns:us-east-1:123456789012:orders.fifo", "FIFO SNS topic"),
        ("on_failure", "arn:aws:sqs:us-east-1:123456789012:" + "q" * 81, "not a valid sqs ARN"),
        ("on_success", "", "must not be empty"),
        ("on_failure", "queue-name", "is not an ARN"),
        ("on_failure", "arn:aws:sqs:us-east-1:123456789012:" + "q" * 320, "longer than 350 characters"),
        ("on_failure", "arn:aws:dynamodb:us-east-1:123456789012:table/t", "a dynamodb ARN"),
        ("on_failure", "arn:aws:sqs:us-east-1::q", "not a valid sqs ARN"),
        ("on_failure", "arn:aws:sqs::123456789012:q", "not a valid sqs ARN"),
        ("on_failure", "arn:aws:lambda:us-east-1:123456789012:layer:l", "not a valid lambda ARN"),
        ("on_failure", "arn:aws:events:us-east-1:123456789012:rule/r", "not a valid events ARN"),
        ("on_failure", "arn:aws:s3:us-east-1:123456789012:bucket", "not a valid s3 ARN"),
    ],
)
def test_validate_destination_rejects_naming_the_option(slot, arn, fragment):
    with pytest.raises(ParameterError) as raised:
        eic.validate_destination(slot, arn)
    assert f"destination_config.{slot}.destination" in str(raised.value)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    "params, option",
    [
        ({"maximum_retry_attempts": -1}, "maximum_retry_attempts"),
        ({"maximum_retry_attempts": 3}, "maximum_retry_attempts"),
        ({"maximum_event_age_in_seconds": 59}, "maximum_event_age_in_seconds"),
        ({"maximum_event_age_in_seconds": 21601}, "maximum_event_age_in_seconds"),
        ({"destination_config": {"on_success": {"destination": BUCKET}, "on_failure": None}}, "on_success"),
    ],
)
def test_validate_settings_rejects(params, option):
    with pytest.raises(ParameterError) as raised:
        eic.validate_settings(params)
    assert option in str(raised.value)


def test_validate_settings_accepts_bounds_and_none():
    eic.validate_settings({"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 60})
    eic.validate_settings({"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 21600})
    eic.validate_settings({"maximum_retry_attempts": None, "destination_config": None})


def test_from_api_normalises_unset_values_to_none_and_empty_slots_away():
    assert eic.from_api(api_config(retry=1)) == {
        "function_arn": ARN + ":$LATEST",
        "qualifier": "$LATEST",
        "maximum_retry_attempts": 1,
        "maximum_event_age_in_seconds": None,
        "destination_config": {},
        "last_modified": "2026-01-02T03:04:05+00:00",
    }


def test_from_api_keeps_set_destinations():
    config = eic.from_api(api_config(qualifier="prod", age=600, on_failure=SQS))
    assert config["qualifier"] == "prod"
    assert config["destination_config"] == {"on_failure": {"destination": SQS}}


def test_from_api_of_nothing_is_empty():
    assert eic.from_api(None) == {}


def test_from_api_tolerates_a_missing_destination_config():
    response = api_config(retry=0)
    del response["DestinationConfig"]
    assert eic.from_api(response)["destination_config"] == {}


def params(**kwargs):
    base = {
        "maximum_retry_attempts": None,
        "maximum_event_age_in_seconds": None,
        "destination_config": None,
        "purge_destinations": True,
    }
    base.update(kwargs)
    return base


CURRENT = eic.from_api(api_config(retry=1, age=600, on_success=SNS, on_failure=SQS))


def test_merge_keeps_everything_the_task_does_not_mention():
    assert eic.merge_settings(CURRENT, params(maximum_retry_attempts=0)) == {
        "maximum_retry_attempts": 0,
        "maximum_event_age_in_seconds": 600,
        "destination_config": {"on_success": {"destination": SNS}, "on_failure": {"destination": SQS}},
    }


def test_merge_with_purge_removes_unlisted_slots():
    desired = eic.merge_settings(
        CURRENT, params(destination_config={"on_failure": {"destination": BUS}, "on_success": None})
    )
    assert desired["destination_config"] == {"on_failure": {"destination": BUS}}
    assert desired["maximum_retry_attempts"] == 1


def test_merge_without_purge_keeps_unlisted_slots():
    desired = eic.merge_settings(
        CURRENT,
        params(destination_config={"on_failure": {"destination": BUS}, "on_success": None}, purge_destinations=False),
    )
    assert desired["destination_config"] == {"on_success": {"destination": SNS}, "on_failure": {"destination": BUS}}


def test_merge_empty_destination_config_removes_both():
    desired = eic.merge_settings(CURRENT, params(destination_config={"on_success": None, "on_failure": None}))
    assert desired["destination_config"] == {}


def test_merge_from_nothing():
    desired = eic.merge_settings({}, params(maximum_event_age_in_seconds=60))
    assert desired == {"maximum_retry_attempts": None, "maximum_event_age_in_seconds": 60, "destination_config": {}}


def test_settings_given_counts_an_empty_destination_config():
    assert eic.settings_given(params()) == []
    assert eic.settings_given(params(destination_config={})) == ["destination_config"]
    assert eic.settings_given(params(maximum_retry_attempts=0)) == ["maximum_retry_attempts"]


def test_removing_the_last_destination_leaves_an_empty_config():
    current = eic.from_api(api_config(on_failure=SQS))
    desired = eic.merge_settings(current, params(destination_config={}))
    assert desired == {"maximum_retry_attempts": None, "maximum_event_age_in_seconds": None, "destination_config": {}}
    assert eic.to_api(desired) == {"DestinationConfig": {"OnSuccess": {}, "OnFailure": {}}}


OWN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"


@pytest.mark.parametrize(
    "destination, is_self",
    [
        (OWN, True),
        (OWN + ":live", True),
        (OWN + ":$LATEST", True),
        ("arn:aws:lambda:us-west-2:123456789012:function:my-fn", False),  # same name, another region
        ("arn:aws:lambda:us-east-1:210987654321:function:my-fn", False),  # same name, another account
        ("arn:aws-cn:lambda:us-east-1:123456789012:function:my-fn", False),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-fn-sink", False),
        (SQS, False),
    ],
)
def test_self_destinations_compare_full_identity(destination, is_self):
    settings = {"destination_config": {"on_failure": {"destination": destination}, "on_success": None}}
    assert eic.self_destinations(OWN + ":prod", settings) == (["on_failure"] if is_self else [])


def test_check_not_self_names_the_option():
    with pytest.raises(ParameterError) as raised:
        eic.check_not_self(OWN + ":$LATEST", {"destination_config": {"on_success": {"destination": OWN + ":live"}}})
    assert "destination_config.on_success.destination" in str(raised.value)
    assert "is the function itself" in str(raised.value)


def test_check_not_self_without_a_known_arn_checks_nothing():
    eic.check_not_self(None, {"destination_config": {"on_success": {"destination": OWN}}})


def test_no_op_merge_equals_current_settings():
    same = params(
        maximum_retry_attempts=1,
        destination_config={"on_success": {"destination": SNS}, "on_failure": {"destination": SQS}},
    )
    assert eic.merge_settings(CURRENT, same) == eic.settings_of(CURRENT)


def test_to_api_sends_complete_config_and_clears_unlisted_slots():
    settings = {
        "maximum_retry_attempts": 0,
        "maximum_event_age_in_seconds": None,
        "destination_config": {"on_failure": {"destination": SQS}},
    }
    assert eic.to_api(settings) == {
        "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {"Destination": SQS}},
    }


def test_to_api_and_from_api_round_trip():
    settings = eic.settings_of(CURRENT)
    response = dict(eic.to_api(settings), FunctionArn=ARN + ":$LATEST")
    assert eic.settings_of(eic.from_api(response)) == settings


def test_predict_config_for_a_new_config():
    desired = {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": None, "destination_config": {}}
    predicted = eic.predict_config({}, desired, FunctionRef("my-fn", "prod"), function_arn=ARN + ":prod")
    assert predicted == dict(desired, function_arn=ARN + ":prod", qualifier="prod", last_modified=None)


def test_predict_config_for_an_update_keeps_identity():
    desired = dict(eic.settings_of(CURRENT), maximum_retry_attempts=2)
    predicted = eic.predict_config(CURRENT, desired, FunctionRef("my-fn", None))
    assert predicted["function_arn"] == CURRENT["function_arn"]
    assert predicted["maximum_retry_attempts"] == 2


def test_diff_view_leaves_out_the_modification_time():
    assert "last_modified" not in eic.diff_view(CURRENT)
    assert eic.diff_view({}) == {}


def test_module_params_describe_the_config_exactly():
    assert eic.module_params_for(CURRENT) == {
        "function_name": ARN,
        "qualifier": "$LATEST",
        "maximum_retry_attempts": 1,
        "maximum_event_age_in_seconds": 600,
        "destination_config": {"on_success": {"destination": SNS}, "on_failure": {"destination": SQS}},
        "purge_destinations": True,
    }
    # Fed back into the merge, they change nothing.
    assert eic.merge_settings(CURRENT, params(**eic.module_params_for(CURRENT))) == eic.settings_of(CURRENT)


def test_module_params_leave_unset_settings_out():
    config = eic.from_api(api_config(qualifier="3", on_failure=SQS))
    module_params = eic.module_params_for(config)
    assert "maximum_retry_attempts" not in module_params
    assert module_params["qualifier"] == "3"
