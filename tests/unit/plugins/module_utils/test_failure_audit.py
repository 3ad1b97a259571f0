# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The judging of one qualifier (failure_audit.handling) and the qualifiers audited, from what was read;
the audit of regions from fake clients."""

import threading

from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import audit_regions
from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import audited_qualifiers
from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import handling
from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import unhandled_qualifiers

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"
OTHER_DLQ = "arn:aws:sns:us-east-1:123456789012:dlq-topic"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def config(qualifier, on_failure=None):
    slots = {"on_failure": {"destination": on_failure}} if on_failure else {}
    return {"function_arn": f"{FUNCTION}:{qualifier}", "qualifier": qualifier, "destination_config": slots}


def test_a_qualifiers_own_on_failure_destination_handles_it():
    assert handling("live", QUEUE, ["3"], {"3": None}) == (QUEUE, f"its config sends failed events to {QUEUE}")


def test_without_on_failure_a_version_is_handled_by_its_own_dead_letter_queue():
    destination, reason = handling("$LATEST", None, ["$LATEST"], {"$LATEST": DLQ})
    assert destination == DLQ
    assert "its dead-letter queue" in reason


def test_an_alias_uses_the_dead_letter_queue_of_the_version_it_runs_not_latests():
    assert handling("live", None, ["3"], {"$LATEST": DLQ, "3": None})[0] is None
    assert handling("live", None, ["3"], {"$LATEST": None, "3": DLQ})[0] == DLQ


def test_a_weighted_alias_needs_both_versions_covered_and_says_which_is_not():
    destination, reason = handling("live", None, ["3", "4"], {"3": DLQ, "4": None})
    assert destination is None
    assert reason.endswith("no dead-letter queue on version 4")
    assert "does not inherit" in reason
    destination, reason = handling("live", None, ["3", "4"], {"3": DLQ, "4": OTHER_DLQ})
    assert destination == sorted([DLQ, OTHER_DLQ])[0]
    assert DLQ in reason and OTHER_DLQ in reason


def test_a_version_without_either_says_so():
    assert handling("5", None, ["5"], {"5": None}) == (
        None,
        "no on_failure destination in its config and no dead-letter queue",
    )


def test_audited_are_latest_every_alias_and_every_version_with_a_config():
    audited = audited_qualifiers({"$LATEST": None, "2": QUEUE, "live": None}, {"live": ["3"], "canary": ["3", "4"]})
    assert audited == {"$LATEST": ["$LATEST"], "2": ["2"], "live": ["3"], "canary": ["3", "4"]}


def test_each_qualifier_stands_alone_latests_destination_does_not_protect_an_alias():
    # $LATEST has a destination, the live alias (version 3, no DLQ) none: only live is flagged.
    items = unhandled_qualifiers(FUNCTION, [config("$LATEST", QUEUE)], {"live": ["3"]}, {"$LATEST": None, "3": None})
    assert items == [{"function_name": FUNCTION, "qualifier": "live"}]


def test_a_protected_alias_does_not_hide_an_unprotected_latest():
    items = unhandled_qualifiers(FUNCTION, [config("live", QUEUE)], {"live": ["3"]}, {"$LATEST": None, "3": None})
    assert items == [{"function_name": FUNCTION}]


def test_flagged_items_come_latest_then_versions_by_number_then_aliases_by_name():
    configs = [config("10"), config("9"), config("$LATEST")]
    aliases = {"b": ["9"], "a": ["10"]}
    queues = {"$LATEST": None, "9": None, "10": None}
    items = unhandled_qualifiers(FUNCTION, configs, aliases, queues)
    assert [item.get("qualifier") for item in items] == [None, "9", "10", "a", "b"]


class RegionClient:
    """ListFunctions (every version), ListFunctionEventInvokeConfigs and ListAliases of one region, whose
    functions are: protected ($LATEST's on_failure), dlq ($LATEST's DLQ), empty-dlq (a DeadLetterConfig
    without a target), success-only, alias-only (only an alias's config has on_failure), bare."""

    def __init__(self, region, together):
        self.region = region
        self.together = together
        self.prefix = f"arn:aws:lambda:{region}:123456789012:function:"

    def list_functions(self, **kwargs):
        assert kwargs["FunctionVersion"] == "ALL"
        self.together.wait()  # both regions are listed at once, or this times out
        versions = []
        for name in ("protected", "dlq", "empty-dlq", "success-only", "alias-only", "bare"):
            version = {"FunctionName": name, "FunctionArn": f"{self.prefix}{name}:$LATEST", "Version": "$LATEST"}
            if name == "dlq":
                version["DeadLetterConfig"] = {"TargetArn": DLQ}
            if name == "empty-dlq":
                version["DeadLetterConfig"] = {}
            versions.append(version)
        return {"Functions": versions}

    def list_function_event_invoke_configs(self, FunctionName, **kwargs):
        arn = f"{self.prefix}{FunctionName}"
        on_failure = {"OnFailure": {"Destination": QUEUE}}
        configs = {
            "protected": [{"FunctionArn": f"{arn}:$LATEST", "DestinationConfig": on_failure}],
            "success-only": [
                {"FunctionArn": f"{arn}:$LATEST", "DestinationConfig": {"OnSuccess": {"Destination": QUEUE}}}
            ],
            "alias-only": [{"FunctionArn": f"{arn}:live", "DestinationConfig": on_failure}],
        }
        return {"FunctionEventInvokeConfigs": configs.get(FunctionName, [])}

    def list_aliases(self, FunctionName, **kwargs):
        return {"Aliases": [{"Name": "live", "FunctionVersion": "1"}] if FunctionName == "alias-only" else []}


def test_the_audit_of_several_regions_names_each_qualifier_in_its_region():
    clients = {}
    together = threading.Barrier(2, timeout=5)

    def client_for(service, region):
        assert threading.current_thread() is threading.main_thread()  # every client made before any thread
        return clients.setdefault(region, RegionClient(region, together))

    configs, unhandled = audit_regions(client_for, ["us-east-1", "eu-west-1", "us-east-1"], 2)
    assert len(configs) == 6
    flagged = [
        {"function_name": f"arn:aws:lambda:{region}:123456789012:function:{name}"}
        for region in ("us-east-1", "eu-west-1")
        for name in ("empty-dlq", "success-only", "alias-only", "bare")
    ]
    assert unhandled == flagged  # alias-only's alias is protected by its own config; its $LATEST is not
    assert sorted(clients) == ["eu-west-1", "us-east-1"]  # a region given twice is audited once
