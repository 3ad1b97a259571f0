# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The table of destination kinds (the docs are checked against it in tests/unit/plugins/modules/test_docs.py)."""

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._config import settings as eic
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import services_for


def test_each_kind_validates_its_own_example():
    for kind in DESTINATION_KINDS.values():
        example = kind.example.replace("REGION", "us-east-1").replace("ACCOUNT", "123456789012")
        example = (
            example.replace("QUEUE", "q").replace("TOPIC", "t").replace("NAME", "n").replace("BUCKET", "my-bucket")
        )
        for slot in kind.slots:
            eic.validate_destination(slot, example)


@pytest.mark.parametrize("slot", ["on_success", "on_failure"])
def test_services_for_a_slot_are_the_kinds_that_take_it_in_table_order(slot):
    assert services_for(slot) == tuple(service for service, kind in DESTINATION_KINDS.items() if slot in kind.slots)


def test_s3_is_accepted_for_failures_only():
    # AWS's rule (Lambda developer guide): the one kind of destination that is not for both slots.
    assert DESTINATION_KINDS["s3"].slots == ("on_failure",)
    assert [kind.service for kind in DESTINATION_KINDS.values() if kind.slots != ("on_success", "on_failure")] == ["s3"]


@pytest.mark.parametrize("service", ["sqs", "sns"])
def test_fifo_is_undeliverable_for_queues_and_topics_only(service):
    arn = f"arn:aws:{service}:us-east-1:123456789012:orders.fifo"
    with pytest.raises(eic.ParameterError) as raised:
        eic.validate_destination("on_failure", arn)
    assert "never delivers invocation records" in str(raised.value)
