# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The docs say what the tables say: the settings of a config (event_invoke_config's
NUMBER_SETTINGS) and the kinds of destination (destination_kinds). The code is built from the
tables; these tests make an entry that the docs do not describe fail, naming what to add."""

import os
import re

import botocore.exceptions
import pytest
import yaml

from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import error_hint
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import kind_actions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import NUMBER_SETTINGS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import SETTINGS_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config as module
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info as info
from ansible_collections.serverless.aws_lambda.tests.unit.docsite import table_rows

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
DOC = yaml.safe_load(module.DOCUMENTATION)
RETURNS = yaml.safe_load(module.RETURN)
INFO_RETURNS = yaml.safe_load(info.RETURN)


def text(value):
    return " ".join(value) if isinstance(value, list) else value


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as source:
        return source.read()


@pytest.mark.parametrize("setting", NUMBER_SETTINGS, ids=lambda setting: setting.option)
def test_each_setting_is_documented_as_the_table_says(setting):
    low, high = setting.bounds
    option = DOC["options"][setting.option]
    assert option["type"] == setting.type
    assert f"V({low})" in text(option["description"]) and f"V({high})" in text(option["description"])
    assert DOC["options"]["configs"]["suboptions"][setting.option]["type"] == setting.type
    assert RETURNS["event_invoke_config"]["contains"][setting.option]["type"] == setting.type
    assert RETURNS["event_invoke_configs"]["contains"][setting.option]["type"] == setting.type
    assert INFO_RETURNS["event_invoke_configs"]["contains"][setting.option]["type"] == setting.type
    assert f"O(configs[].{setting.option})" in text(DOC["options"]["configs"]["description"])
    options = {row[0]: row[1] for row in table_rows("guide_configs") if len(row) == 2}
    assert re.match(rf"{low}-{high}\b", options[f"``{setting.option}``"])


def test_the_settings_documented_are_the_table():
    settings = {setting.option for setting in NUMBER_SETTINGS}
    documented = {name for name, option in DOC["options"].items() if option["type"] == "int"}
    assert documented - {"iam_propagation_timeout", "max_concurrency"} == settings
    assert set(SETTINGS_ARGUMENT_SPEC) == settings | {"destination_config"}


@pytest.mark.parametrize("kind", DESTINATION_KINDS.values(), ids=lambda kind: kind.service)
def test_each_destination_kind_is_documented_as_the_table_says(kind):
    destinations = DOC["options"]["destination_config"]["suboptions"]
    for slot in kind.slots:
        assert kind.noun in text(destinations[slot]["suboptions"]["destination"]["description"])
    validate = text(DOC["options"]["validate_destinations"]["description"])
    hint = error_hint(_invalid_destination_error())
    for action in kind_actions(kind):
        assert f"C({action})" in validate
        assert f"C({action})" in text(DOC["notes"])
        assert action in hint


def test_the_guide_table_of_destinations_is_the_table():
    documented = {
        tuple(re.findall(r"``([a-z0-9]+:[A-Za-z]+)``", actions)): tuple(slots.split(", "))
        for dummy, slots, actions in (row for row in table_rows("guide_destinations") if len(row) == 3)
        if re.fullmatch(r"(on_success|on_failure)(, on_failure)?", slots)
    }
    assert documented == {kind_actions(kind): kind.slots for kind in DESTINATION_KINDS.values()}


def test_the_integration_setup_grants_the_tables_actions():
    granted = yaml.safe_load(read("tests", "integration", "targets", "setup_lambda_function", "defaults", "main.yml"))
    for service, action in granted["setup_lambda_function_actions"].items():
        assert kind_actions(DESTINATION_KINDS[service]) == (action,)


def _invalid_destination_error():
    return botocore.exceptions.ClientError(
        {"Error": {"Code": "InvalidParameterValueException", "Message": "The destination ARN x is invalid."}},
        "PutFunctionEventInvokeConfig",
    )
