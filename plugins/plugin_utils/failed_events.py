# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report of the audit_failed_events playbook: each account's audit turned into findings (one record per
qualifier or event source mapping that loses or risks failed events, each with the task that fixes it where
a module can) and an organization summary, and the reports of several runs (the slices of an AWX job)
merged into one. The filters failed_events_report and failed_events_merge are these; the playbook's
templates only format what they return."""

import yaml

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import function_identity
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import qualifier_from_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn

# The statuses of lambda_failure_handling_info's failure_audit, the most urgent first.
STATUSES = ("losing", "unprotected", "idle", "protected")
MAPPING = "mapping_without_failure_handling"
COUNTS = ("async_events_received", "async_events_dropped", "dead_letter_errors", "destination_delivery_failures")


def _function(function_arn):
    """(partition, region, account, name, qualifier or None) of a function ARN; the ARN as the name, and None
    for the rest, when it is no function ARN."""
    identity = function_identity(function_arn)
    if identity is None:
        return None, None, None, function_arn, None
    qualified = unqualified_function_arn(function_arn) != function_arn
    return identity + (qualifier_from_arn(function_arn) if qualified else None,)


class _TaskDumper(yaml.SafeDumper):
    """YAML's safe dumper, for str's subclasses too: ansible-core before 2.19 hands templated values to a
    filter as AnsibleUnsafeText."""


_TaskDumper.add_multi_representer(str, yaml.representer.SafeRepresenter.represent_str)


def _task_text(task):
    return yaml.dump([task], Dumper=_TaskDumper, sort_keys=False, default_flow_style=False, width=120).strip()


def qualifier_fix(entry):
    """The task that makes a qualifier keep its failed events: its own on_failure destination, granted."""
    partition, region, account, name, dummy = _function(entry["function_arn"])
    args = {"function_name": unqualified_function_arn(entry["function_arn"])}
    if entry["qualifier"] != "$LATEST":
        args["qualifier"] = entry["qualifier"]
    if entry.get("failure_destination"):
        # Its handling exists and fails to deliver: the preflight says why, the grant mends the role.
        name_line = f"Make sure {name}:{entry['qualifier']} can deliver to its destination"
        destination = entry["failure_destination"]
        extra = {"validate_destinations": True}
    else:
        name_line = f"Keep the failed events of {name}:{entry['qualifier']}"
        destination = f"arn:{partition}:sqs:{region}:{account}:YOUR-FAILED-EVENTS-QUEUE"
        extra = {}
    args.update(
        destination_config={"on_failure": {"destination": destination}},
        purge_destinations=False,
        grant_destinations=True,
        **extra,
    )
    return _task_text({"name": name_line, "serverless.aws_lambda.lambda_event_invoke_config": args})


def mapping_fix(mapping):
    """The task that keeps an SQS mapping's failed messages (its queue's redrive policy), or None: no module
    sets a stream or Kafka mapping's on-failure destination (amazon.aws.lambda_event has no such option)."""
    source = parse_arn(mapping.get("event_source_arn"))
    if source is None or source.service != "sqs":
        return None
    queue = source.resource
    dead_letter = f"arn:{source.partition}:sqs:{source.region}:{source.account}:YOUR-DEAD-LETTER-QUEUE"
    return _task_text(
        {
            "name": f"Keep the messages of {queue} that keep failing in a dead-letter queue",
            "community.aws.sqs_queue": {
                "name": queue,
                "region": source.region,
                "redrive_policy": {
                    "maxReceiveCount": 5,
                    "deadLetterTargetArn": dead_letter,
                },
            },
        }
    )


def account_findings(audit):
    """The findings of one account's audit: every qualifier that is not protected, and every mapping
    without failure handling, each a flat record."""
    findings = []
    base = {"account": audit.get("account"), "host": audit.get("host")}
    for entry in audit.get("failure_audit") or []:
        if entry.get("status") == "protected":
            continue
        dummy, region, dummy, name, dummy = _function(entry["function_arn"])
        record = dict(base, region=region, function=name, qualifier=entry["qualifier"], status=entry["status"])
        record.update({count: entry.get(count) for count in COUNTS})
        record.update(
            failure_destination=entry.get("failure_destination"),
            reason=entry.get("reason"),
            fix_task=qualifier_fix(entry),
            # The item of lambda_event_invoke_config's configs that addresses it.
            config={"function_name": unqualified_function_arn(entry["function_arn"]), "qualifier": entry["qualifier"]},
        )
        findings.append(record)
    for mapping in audit.get("event_source_mappings_without_failure_handling") or []:
        dummy, region, dummy, name, qualifier = _function(mapping.get("function_arn"))
        record = dict(base, region=region, function=name, qualifier=qualifier, status=MAPPING)
        record.update({count: None for count in COUNTS})
        record.update(
            uuid=mapping.get("uuid"),
            event_source_arn=mapping.get("event_source_arn"),
            failure_destination=None,
            reason=mapping.get("reason"),
            fix_task=mapping_fix(mapping),
            config=None,
        )
        findings.append(record)
    return findings


def _urgency(row):
    """Sort key of an account's row: the most losing first, then unprotected, mappings, idle."""
    counts = row["counts"]
    return (-counts["losing"], -counts["unprotected"], -counts[MAPPING], -counts["idle"], str(row.get("account")))


def _counts(findings, protected=0):
    counts = {status: 0 for status in STATUSES + (MAPPING,)}
    for finding in findings:
        counts[finding["status"]] += 1
    counts["protected"] += protected
    return counts


def summary(accounts, findings):
    """Counts by status for the organization, per account and per account and region, the most urgent first;
    the accounts whose audit failed first of all (nothing is known of them)."""
    rows = []
    for account in accounts:
        own = [finding for finding in findings if finding["host"] == account["host"]]
        regions = []
        for region in account.get("regions") or []:
            here = [finding for finding in own if finding["region"] == region]
            protected = account.get("protected_by_region", {}).get(region, 0)
            regions.append({"region": region, "counts": _counts(here, protected)})
        row = {
            "host": account["host"],
            "account": account.get("account"),
            "error": account.get("error"),
            "counts": _counts(own, sum(account.get("protected_by_region", {}).values())),
            "regions": regions,
        }
        rows.append(row)
    failed = [row for row in rows if row["error"]]
    audited = sorted((row for row in rows if not row["error"]), key=_urgency)
    total = {status: sum(row["counts"][status] for row in audited) for status in STATUSES + (MAPPING,)}
    return {
        "accounts": failed + audited,
        "failed_accounts": len(failed),
        "audited_accounts": len(audited),
        "counts": total,
    }


# The findings' statuses, the most urgent first (a mapping discards records, an idle qualifier might).
_FINDING_ORDER = {status: index for index, status in enumerate(("losing", "unprotected", MAPPING, "idle"))}


def _finding_order(finding):
    dropped = finding.get("async_events_dropped") or 0
    return (
        _FINDING_ORDER[finding["status"]],
        -dropped,
        str(finding["account"]),
        finding["region"] or "",
        finding["function"],
    )


def _union(lists):
    """The items of the lists, each once, in the order first seen."""
    return list(dict.fromkeys(item for items in lists for item in items))


def failed_events_report(account_audits, regions=None, lookback_days=None):
    """The report of the accounts' audits (a list of each account's audit, or of its error)."""
    accounts, findings = [], []
    for audit in account_audits:
        protected = {}
        for entry in audit.get("failure_audit") or []:
            if entry.get("status") == "protected":
                region = _function(entry["function_arn"])[1]
                protected[region] = protected.get(region, 0) + 1
        accounts.append(
            {
                "host": audit.get("host"),
                "account": audit.get("account"),
                "role_arn": audit.get("role_arn"),
                "regions": list(audit.get("regions") or regions or []),
                "error": audit.get("error"),
                "warnings": list(audit.get("warnings") or []),
                "protected_by_region": protected,
            }
        )
        findings.extend(account_findings(audit))
    findings.sort(key=_finding_order)
    return {
        "regions": _union([regions or []] + [account["regions"] for account in accounts]),
        "lookback_days": lookback_days,
        "accounts": accounts,
        "findings": findings,
        "summary": summary(accounts, findings),
    }


def failed_events_merge(reports):
    """One report of several (the slices of a job, each run on some of the accounts): accounts and findings
    of every report, an account audited by two reports counted once (the later report's)."""
    by_host = {}
    for report in reports:
        for account in report.get("accounts", []):
            by_host[account["host"]] = (
                account,
                [f for f in report.get("findings", []) if f["host"] == account["host"]],
            )
    accounts = [account for account, dummy in by_host.values()]
    findings = sorted((f for dummy, own in by_host.values() for f in own), key=_finding_order)
    lookbacks = {report.get("lookback_days") for report in reports} - {None}
    return {
        "regions": _union(report.get("regions", []) for report in reports),
        "lookback_days": lookbacks.pop() if len(lookbacks) == 1 else None,
        "accounts": accounts,
        "findings": findings,
        "summary": summary(accounts, findings),
    }
