# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The table of destination kinds, and the docs built from it."""

import os
import re

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils import event_invoke_config as eic
from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_kinds import services_for

README = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "README.md")


def readme_destination_rows():
    """{action: slots} from the README's table of destinations."""
    with open(README, encoding="utf-8") as readme:
        text = readme.read()
    rows = re.findall(
        r"^\| [^|]+ \| ((?:on_success|on_failure)(?:, on_failure)?) \| `([a-z0-9]+:[A-Za-z]+)` \|$", text, re.MULTILINE
    )
    return {action: tuple(slots.split(", ")) for slots, action in rows}


def test_readme_table_is_the_table():
    assert readme_destination_rows() == {kind.action: kind.slots for kind in DESTINATION_KINDS.values()}


def test_each_kind_validates_its_own_example():
    for kind in DESTINATION_KINDS.values():
        example = kind.example.replace("REGION", "us-east-1").replace("ACCOUNT", "123456789012")
        example = (
            example.replace("QUEUE", "q").replace("TOPIC", "t").replace("NAME", "n").replace("BUCKET", "my-bucket")
        )
        for slot in kind.slots:
            eic.validate_destination(slot, example)


def test_slots_per_service():
    assert services_for("on_success") == ("sqs", "sns", "lambda", "events")
    assert services_for("on_failure") == ("sqs", "sns", "lambda", "events", "s3")


@pytest.mark.parametrize("service", ["sqs", "sns"])
def test_fifo_is_undeliverable_for_queues_and_topics_only(service):
    arn = f"arn:aws:{service}:us-east-1:123456789012:orders.fifo"
    with pytest.raises(eic.ParameterError) as raised:
        eic.validate_destination("on_failure", arn)
    assert "never delivers invocation records" in str(raised.value)
