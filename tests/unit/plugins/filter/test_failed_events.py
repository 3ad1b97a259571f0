# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The failed-events report: findings, the task that fixes each, the organization summary, and the merge of
the reports of several slices."""

import json

import yaml

from ansible_collections.serverless.aws_lambda.plugins.filter import failed_events_merge as merge_plugin
from ansible_collections.serverless.aws_lambda.plugins.filter import failed_events_report as report_plugin
from ansible_collections.serverless.aws_lambda.plugins.plugin_utils.failed_events import MAPPING
from ansible_collections.serverless.aws_lambda.plugins.plugin_utils.failed_events import failed_events_merge
from ansible_collections.serverless.aws_lambda.plugins.plugin_utils.failed_events import failed_events_report


def entry(account, region, name, qualifier, status, dropped=0, destination=None):
    return {
        "function_arn": f"arn:aws:lambda:{region}:{account}:function:{name}:{qualifier}",
        "qualifier": qualifier,
        "status": status,
        "async_events_received": 100,
        "async_events_dropped": dropped,
        "dead_letter_errors": 0,
        "destination_delivery_failures": 3 if destination else 0,
        "failure_destination": destination,
        "reason": f"{name}:{qualifier} is {status}",
    }


def audit(host, account, entries, mappings=(), regions=("us-east-1", "eu-west-1"), **extra):
    return dict(
        host=host,
        account=account,
        role_arn=f"arn:aws:iam::{account}:role/audit",
        regions=list(regions),
        error=None,
        warnings=[],
        failure_audit=list(entries),
        event_source_mappings_without_failure_handling=list(mappings),
        **extra,
    )


A, B, C = "111111111111", "222222222222", "333333333333"
SQS_MAPPING = {
    "uuid": "u-sqs",
    "function_arn": f"arn:aws:lambda:eu-west-1:{B}:function:billing",
    "event_source_arn": f"arn:aws:sqs:eu-west-1:{B}:billing-in",
    "reason": "no redrive policy",
}
KINESIS_MAPPING = {
    "uuid": "u-kinesis",
    "function_arn": f"arn:aws:lambda:us-east-1:{B}:function:clicks:live",
    "event_source_arn": f"arn:aws:kinesis:us-east-1:{B}:stream/clicks",
    "reason": "no on-failure destination",
}


def organization():
    return [
        audit(
            "acct-a",
            A,
            [
                entry(A, "us-east-1", "orders", "$LATEST", "protected"),
                entry(A, "us-east-1", "orders", "live", "unprotected"),
                entry(A, "eu-west-1", "mail", "$LATEST", "idle"),
            ],
        ),
        audit(
            "acct-b",
            B,
            [
                entry(B, "us-east-1", "clicks", "live", "losing", dropped=4),
                entry(
                    B, "us-east-1", "pay", "$LATEST", "losing", dropped=40, destination=f"arn:aws:sqs:us-east-1:{B}:dlq"
                ),
            ],
            [SQS_MAPPING, KINESIS_MAPPING],
        ),
        {
            "host": "acct-c",
            "account": None,
            "role_arn": f"arn:aws:iam::{C}:role/audit",
            "error": "AccessDenied: not allowed",
        },
    ]


def test_every_finding_but_the_protected_is_a_record_the_most_urgent_first():
    report = failed_events_report(organization(), ["us-east-1", "eu-west-1"], 14)
    keys = [(f["account"], f["function"], f["qualifier"], f["status"]) for f in report["findings"]]
    assert keys == [
        (B, "pay", "$LATEST", "losing"),  # 40 dropped
        (B, "clicks", "live", "losing"),  # 4 dropped
        (A, "orders", "live", "unprotected"),
        (B, "billing", None, MAPPING),
        (B, "clicks", "live", MAPPING),
        (A, "mail", "$LATEST", "idle"),
    ]
    pay = report["findings"][0]
    assert pay["region"] == "us-east-1" and pay["host"] == "acct-b"
    assert (pay["async_events_received"], pay["async_events_dropped"], pay["destination_delivery_failures"]) == (
        100,
        40,
        3,
    )
    assert pay["reason"] == "pay:$LATEST is losing"


def test_the_summary_counts_by_status_account_and_region_the_failed_accounts_first():
    summary = failed_events_report(organization(), ["us-east-1", "eu-west-1"], 14)["summary"]
    assert [row["host"] for row in summary["accounts"]] == ["acct-c", "acct-b", "acct-a"]
    assert summary["failed_accounts"] == 1 and summary["audited_accounts"] == 2
    assert summary["accounts"][0]["error"] == "AccessDenied: not allowed"
    b = summary["accounts"][1]
    assert b["counts"] == {"losing": 2, "unprotected": 0, "idle": 0, "protected": 0, MAPPING: 2}
    assert [(row["region"], row["counts"]["losing"], row["counts"][MAPPING]) for row in b["regions"]] == [
        ("us-east-1", 2, 1),
        ("eu-west-1", 0, 1),
    ]
    a = summary["accounts"][2]
    assert a["counts"] == {"losing": 0, "unprotected": 1, "idle": 1, "protected": 1, MAPPING: 0}
    assert summary["counts"] == {"losing": 2, "unprotected": 1, "idle": 1, "protected": 1, MAPPING: 2}


def test_each_fix_task_is_a_task_of_the_module_that_fixes_it():
    findings = failed_events_report(organization(), ["us-east-1"], 14)["findings"]
    by_key = {(f["function"], f["qualifier"], f["status"]): f for f in findings}

    (pay,) = yaml.safe_load(by_key[("pay", "$LATEST", "losing")]["fix_task"])
    args = pay["serverless.aws_lambda.lambda_event_invoke_config"]
    assert args["function_name"] == f"arn:aws:lambda:us-east-1:{B}:function:pay" and "qualifier" not in args
    assert args["destination_config"] == {"on_failure": {"destination": f"arn:aws:sqs:us-east-1:{B}:dlq"}}
    assert args["validate_destinations"] is True and args["grant_destinations"] is True
    assert args["purge_destinations"] is False

    (orders,) = yaml.safe_load(by_key[("orders", "live", "unprotected")]["fix_task"])
    args = orders["serverless.aws_lambda.lambda_event_invoke_config"]
    assert args["qualifier"] == "live"
    assert (
        args["destination_config"]["on_failure"]["destination"] == f"arn:aws:sqs:us-east-1:{A}:YOUR-FAILED-EVENTS-QUEUE"
    )

    (queue,) = yaml.safe_load(by_key[("billing", None, MAPPING)]["fix_task"])
    assert queue["community.aws.sqs_queue"] == {
        "name": "billing-in",
        "region": "eu-west-1",
        "redrive_policy": {
            "maxReceiveCount": 5,
            "deadLetterTargetArn": f"arn:aws:sqs:eu-west-1:{B}:YOUR-DEAD-LETTER-QUEUE",
        },
    }
    assert by_key[("clicks", "live", MAPPING)]["fix_task"] is None  # no module sets a stream mapping's destination


def test_nothing_but_the_named_fields_reaches_the_report():
    audits = organization()
    audits[0]["sts_creds"] = {"secret_key": "canary-secret-key", "session_token": "canary-token"}
    audits[0]["failure_audit"][1]["secret_key"] = "canary-secret-key"
    text = json.dumps(failed_events_report(audits, ["us-east-1"], 14))
    assert "canary" not in text


def test_the_reports_of_slices_merge_into_the_report_of_all():
    audits = organization()
    whole = failed_events_report(audits, ["us-east-1", "eu-west-1"], 14)
    first = failed_events_report(audits[:1], ["us-east-1", "eu-west-1"], 14)
    second = failed_events_report(audits[1:], ["us-east-1", "eu-west-1"], 14)
    merged = failed_events_merge([json.loads(json.dumps(first)), json.loads(json.dumps(second))])
    assert merged == json.loads(json.dumps(whole))


def test_an_account_in_two_slices_counts_once_the_later_report():
    audits = organization()
    earlier = failed_events_report(audits[1:2], ["us-east-1"], 14)
    fixed = audit("acct-b", B, [entry(B, "us-east-1", "pay", "$LATEST", "protected")], regions=["us-east-1"])
    later = failed_events_report([fixed], ["us-east-1"], 14)
    merged = failed_events_merge([earlier, later])
    assert merged["findings"] == []
    assert merged["summary"]["counts"]["protected"] == 1 and merged["summary"]["audited_accounts"] == 1


def test_reports_of_other_windows_merge_with_no_window():
    merged = failed_events_merge(
        [failed_events_report([], ["us-east-1"], 14), failed_events_report([], ["eu-west-1"], 7)]
    )
    assert merged["regions"] == ["us-east-1", "eu-west-1"] and merged["lookback_days"] is None


def test_the_filters_are_the_plugins():
    assert report_plugin.FilterModule().filters() == {"failed_events_report": failed_events_report}
    assert merge_plugin.FilterModule().filters() == {"failed_events_merge": failed_events_merge}


def test_a_qualifier_s_finding_is_also_the_configs_item_that_addresses_it():
    findings = failed_events_report(organization(), ["us-east-1"], 14)["findings"]
    configs = [finding["config"] for finding in findings]
    assert configs == [
        {"function_name": f"arn:aws:lambda:us-east-1:{B}:function:pay", "qualifier": "$LATEST"},
        {"function_name": f"arn:aws:lambda:us-east-1:{B}:function:clicks", "qualifier": "live"},
        {"function_name": f"arn:aws:lambda:us-east-1:{A}:function:orders", "qualifier": "live"},
        None,  # a mapping
        None,
        {"function_name": f"arn:aws:lambda:eu-west-1:{A}:function:mail", "qualifier": "$LATEST"},
    ]


class UnsafeText(str):
    """As ansible-core before 2.19 hands templated values to a filter."""


def test_the_fix_tasks_of_values_ansible_core_marks_unsafe():
    unsafe = entry(A, "us-east-1", "orders", "live", "unprotected")
    unsafe = {key: UnsafeText(value) if isinstance(value, str) else value for key, value in unsafe.items()}
    (task,) = yaml.safe_load(
        failed_events_report([audit("acct-a", A, [unsafe])], ["us-east-1"])["findings"][0]["fix_task"]
    )
    assert task["serverless.aws_lambda.lambda_event_invoke_config"]["qualifier"] == "live"
    mapping = {key: UnsafeText(value) for key, value in SQS_MAPPING.items()}
    (task,) = yaml.safe_load(failed_events_report([audit("acct-b", B, [], [mapping])])["findings"][0]["fix_task"])
    assert task["community.aws.sqs_queue"]["name"] == "billing-in"


def test_the_fix_tasks_stay_in_the_function_s_partition():
    arn = "arn:aws-cn:lambda:cn-north-1:111111111111:function:orders:live"
    unprotected = dict(entry(A, "cn-north-1", "orders", "live", "unprotected"), function_arn=arn)
    mapping = dict(SQS_MAPPING, event_source_arn="arn:aws-cn:sqs:cn-north-1:111111111111:orders-in")
    findings = failed_events_report([audit("acct-cn", A, [unprotected], [mapping])])["findings"]
    (config,) = yaml.safe_load(findings[0]["fix_task"])
    (queue,) = yaml.safe_load(findings[1]["fix_task"])
    assert config["serverless.aws_lambda.lambda_event_invoke_config"]["function_name"] == arn.rsplit(":", 1)[0]
    destination = config["serverless.aws_lambda.lambda_event_invoke_config"]["destination_config"]["on_failure"]
    assert destination["destination"] == "arn:aws-cn:sqs:cn-north-1:111111111111:YOUR-FAILED-EVENTS-QUEUE"
    assert queue["community.aws.sqs_queue"]["redrive_policy"]["deadLetterTargetArn"] == (
        "arn:aws-cn:sqs:cn-north-1:111111111111:YOUR-DEAD-LETTER-QUEUE"
    )
