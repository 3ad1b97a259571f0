# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Real AWS answers to the event invoke config operations (data/README.md), for the Stubber.

answer(name) is a recorded success, error(name) a recorded error; both with the recording's
placeholders filled with this test suite's function (my-fn in us-east-1, account
111111111111, alias eventinvokealias).
"""

import datetime
import json
import os

_DATA = os.path.join(os.path.dirname(__file__), "data", "aws-recorded-event-invoke-config.json")
ACCOUNT = "111111111111"
REGION = "us-east-1"
FUNCTION = "my-fn"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
WHEN = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=datetime.timezone.utc)
_PLACEHOLDERS = {
    "<partition>": "aws",
    "<region>": REGION,
    "<wrong-region>": "us-west-2",
    "<function-name:1>": FUNCTION,
    "<fn-name>": FUNCTION,
    "<nonexisting-fn-name>": FUNCTION,
    "<resource:5>": "my-fn-sink",
}


def _load():
    with open(_DATA, encoding="utf-8") as data:
        text = data.read()
    for placeholder, value in _PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    recorded = {}
    for test in json.loads(text).values():
        recorded.update(test["recorded-content"])
    return recorded


RECORDED = _load()


def answer(name):
    """A recorded success, as the Stubber returns it (no metadata; dates made datetimes)."""
    response = {key: value for key, value in RECORDED[name].items() if key != "ResponseMetadata"}
    for config in [response] + response.get("FunctionEventInvokeConfigs", []):
        if "LastModified" in config:
            config["LastModified"] = WHEN
    return response


def error(name):
    """A recorded error, as keyword arguments of Stubber.add_client_error."""
    recorded = RECORDED[name]
    return {
        "service_error_code": recorded["Error"]["Code"],
        "service_message": recorded["Error"]["Message"],
        "http_status_code": recorded["ResponseMetadata"]["HTTPStatusCode"],
    }
