# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit of a region: which qualifiers of which functions lose their failed asynchronous events.

Each qualifier stands alone: V($LATEST), every alias and every version with a config is judged on
its own config's on_failure destination, else on the dead-letter queue of the version(s) it runs
(an alias runs the version it points to, a weighted alias two). Nothing is inherited from another
qualifier's config (the AWS behaviours guide). CloudWatch's metrics of each qualifier's own traffic
(metrics) then tell a qualifier that is losing events from one that only could.

handling() and judge() are pure, fed what was read; the readers are the core api's listings and
metrics; audit_region reads a region and judges each of its qualifiers.
"""

from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.mappings import audit_event_source_mappings
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.metrics import METRIC_KEYS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.metrics import AsyncMetricsReader
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.metrics import own_traffic
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import read_concurrently
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_aliases
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.describe import (
    describe_event_invoke_configs,
)


def handling(qualifier, on_failure, runs, dead_letter_queues):
    """Who keeps the failed events of one qualifier: (destination ARN or None, reason).

    on_failure: the on_failure destination of the qualifier's own config, or None (no config, or
    none set); runs: the versions the qualifier runs (itself for a version or V($LATEST), an
    alias's one or two); dead_letter_queues: {version: DLQ ARN or None} of the function.
    """
    if on_failure:
        return on_failure, f"its config sends failed events to {on_failure}"
    missing = [version for version in runs if not dead_letter_queues.get(version)]
    is_alias = qualifier not in runs
    if not missing:
        queues = sorted({dead_letter_queues[version] for version in runs})
        where = f"the dead-letter queue of version {', '.join(runs)}" if is_alias else "its dead-letter queue"
        return queues[0], f"no on_failure destination; {where} keeps failed events ({', '.join(queues)})"
    if not is_alias:
        return None, "no on_failure destination in its config and no dead-letter queue"
    return None, (
        f"alias of version {' and '.join(runs)}: no on_failure destination in the alias's config (it does not "
        f"inherit the version's) and no dead-letter queue on version {' and '.join(missing)}"
    )


def audited_qualifiers(configured, aliases):
    """{qualifier: the versions it runs} to audit: V($LATEST), every alias, every version with a config."""
    audited = {LATEST: [LATEST]}
    audited.update({qualifier: [qualifier] for qualifier in configured if qualifier not in aliases})
    audited.update(aliases)
    return audited


def qualifier_handling(configs, aliases, dead_letter_queues):
    """[(qualifier, failure destination or None, reason)] of the audited qualifiers of one function:
    V($LATEST), then versions by number, then aliases by name. configs: the function's configs
    (config form); aliases: {alias: [versions]}; dead_letter_queues: {version: DLQ ARN or None}."""
    on_failure = {
        config["qualifier"]: config["destination_config"].get("on_failure", {}).get("destination") for config in configs
    }
    audited = sorted(audited_qualifiers(on_failure, aliases).items(), key=_qualifier_order)
    return [
        (qualifier, *handling(qualifier, on_failure.get(qualifier), runs, dead_letter_queues))
        for qualifier, runs in audited
    ]


def _qualifier_order(item):
    qualifier = item[0]
    # $LATEST, then versions by number, then aliases by name.
    return (qualifier != LATEST, not qualifier.isdigit(), int(qualifier) if qualifier.isdigit() else 0, qualifier)


# The statuses of an audited qualifier, the most urgent first (the order of the audit's lists).
STATUSES = ("losing", "unprotected", "idle", "protected")


def _count(number, what, plural=None):
    return f"{number} {what if number == 1 else plural or what + 's'}"


def judge(destination, reason, evidence, lookback_days):
    """(status, reason) of one qualifier. destination, reason: handling()'s; evidence: the sums of
    its own traffic over the window (metrics.METRIC_KEYS), or None when they could not be read."""
    window = f"in the last {_count(lookback_days, 'day')}"
    if evidence is None:
        return ("protected" if destination else "unprotected"), f"{reason}; its traffic is unknown (no metrics read)"
    failed = evidence["dead_letter_errors"] + evidence["destination_delivery_failures"]
    if failed:
        return "losing", (
            f"{_count(failed, 'delivery', 'deliveries')} of its invocation records failed {window} "
            f"({evidence['dead_letter_errors']} to a dead-letter queue, "
            f"{evidence['destination_delivery_failures']} to a destination): check that each exists and that the "
            f"execution role may send to it; {reason}"
        )
    if destination:
        return "protected", reason
    if evidence["async_events_dropped"]:
        return "losing", f"{_count(evidence['async_events_dropped'], 'async event')} dropped {window}: {reason}"
    if evidence["async_events_received"]:
        return "unprotected", (
            f"{_count(evidence['async_events_received'], 'async event')} received {window} and none dropped yet, but "
            f"{reason}"
        )
    return "idle", f"no async event received {window}; {reason}"


def audit_entry(function_arn, qualifier, destination, status, reason, evidence):
    """One entry of failure_audit: the qualified ARN, the status, the sums (None when unread)."""
    return dict(
        function_arn=f"{function_arn}:{qualifier}",
        qualifier=qualifier,
        status=status,
        **{key: None if evidence is None else evidence[key] for key in METRIC_KEYS},
        failure_destination=destination,
        reason=reason,
    )


def by_status(entries):
    """The entries, the most urgent status first, in their order within a status."""
    return sorted(entries, key=lambda entry: STATUSES.index(entry["status"]))


def without_failure_handling(entries):
    """The items for lambda_event_invoke_config's ``configs`` of the entries with no failure handling
    at all, in their order: {function_name: its unqualified ARN}, plus qualifier for an alias or a version."""
    items = []
    for entry in entries:
        if entry["failure_destination"] is None:
            function_arn = unqualified_function_arn(entry["function_arn"])
            qualifier = {} if entry["qualifier"] == LATEST else {"qualifier": entry["qualifier"]}
            items.append({"function_name": function_arn, **qualifier})
    return items


def _read_function(client, function, dead_letter_queues, metrics):
    """(name, unqualified ARN, qualifier_handling) of one function, whose qualifiers' series go to
    metrics (an AsyncMetricsReader) at once; or raises (a function deleted meanwhile: not found)."""
    name = function["FunctionName"]
    configs = describe_event_invoke_configs(client, parse_function_ref(name))
    handled = qualifier_handling(configs, list_aliases(client, name), dead_letter_queues)
    metrics.add([(name, qualifier) for qualifier, dummy, dummy in handled])
    # With FunctionVersion=ALL, AWS gives a version's ARN with its qualifier.
    return name, unqualified_function_arn(function["FunctionArn"]), handled


def _read_functions(client, max_concurrency, metrics):
    """[(name, unqualified ARN, qualifier_handling)] of every function of the region ($LATEST of
    ListFunctions, with every version's DLQ), read concurrently; a function deleted while it is read is
    left out. Each function's series go to metrics as soon as it is read."""
    functions, dead_letter_queues = [], {}
    for version in list_functions(client, all_versions=True):
        dlq = (version.get("DeadLetterConfig") or {}).get("TargetArn")
        dead_letter_queues.setdefault(version["FunctionName"], {})[version.get("Version", LATEST)] = dlq
        if version.get("Version", LATEST) == LATEST:
            functions.append(version)
    return read_concurrently(
        functions,
        lambda function: _read_function(client, function, dead_letter_queues[function["FunctionName"]], metrics),
        max_concurrency,
    )


def _evidence(metrics, judged, region):
    """{(function_name, qualifier): its own traffic's sums} of every judged qualifier (from metrics, the
    AsyncMetricsReader that was given their series), or (None, a warning) when the caller may not read
    CloudWatch's metrics."""
    try:
        sums = metrics.sums()
    except (ClientError, BotoCoreError) as e:
        if error_code(e) in ("AccessDenied", "AccessDeniedException"):
            return None, (
                f"the audit of {region} could not read CloudWatch's metrics (cloudwatch:GetMetricData was denied): "
                "each qualifier is judged by its configuration alone"
            )
        raise EventInvokeConfigError(message=f"could not read CloudWatch's metrics in {region}", exception=e) from e
    for name, dummy, handled in judged:
        qualifiers = [sums[(name, qualifier)] for qualifier, dummy, dummy in handled if qualifier != LATEST]
        sums[(name, LATEST)] = own_traffic(sums[(name, LATEST)], qualifiers)
    return sums, None


RegionAudit = namedtuple("RegionAudit", ["entries", "mappings", "warnings"])

# The services an audit reads in each region: the functions, their metrics, and the SQS queues of mappings.
AUDIT_SERVICES = ("lambda", "cloudwatch", "sqs")


def _mappings(clients, region):
    """(the mappings that discard failed records, None), or ([], a warning) when they may not be listed."""
    try:
        return audit_event_source_mappings(clients["lambda"], clients["sqs"]), None
    except EventInvokeConfigError as e:
        if error_code(e.exception) != "AccessDeniedException":
            raise
        return (
            [],
            f"the audit of {region} could not list its event source mappings (lambda:ListEventSourceMappings was denied)",
        )


def audit_region(region, clients, max_concurrency, lookback_days):
    """Every function of the region (all pages of ListFunctions, every version, for each version's
    dead-letter queue) with all of its configs and aliases, read concurrently, the metrics of every
    audited qualifier, and the event source mappings: RegionAudit(one failure_audit entry per audited
    qualifier, the mappings that discard failed
    records, warnings). clients: {service: client} of AUDIT_SERVICES in the region."""
    judged = []
    # CloudWatch is read while the functions are: its calls do not count against Lambda's quota, on
    # which the function reads wait.
    metrics = AsyncMetricsReader(clients["cloudwatch"], lookback_days)
    try:
        judged = _read_functions(clients["lambda"], max_concurrency, metrics)
        # The mappings while CloudWatch answers its last calls; after the functions, so that the
        # Lambda calls keep one order at max_concurrency 1.
        mappings, mappings_warning = _mappings(clients, region)
        evidence, warning = _evidence(metrics, judged, region)
    finally:
        metrics.close()
    entries = []
    for name, function_arn, handled in judged:
        for qualifier, destination, reason in handled:
            own = None if evidence is None else evidence[(name, qualifier)]
            status, why = judge(destination, reason, own, lookback_days)
            entries.append(audit_entry(function_arn, qualifier, destination, status, why, own))
    return RegionAudit(entries, mappings, [each for each in (warning, mappings_warning) if each])


def audit_regions(client_for, regions, max_concurrency, lookback_days):
    """audit_region of every region (each once, in the order given), the regions at once, each
    with its own clients and so its own request rate cap: RegionAudit of all of them, the mappings
    region after region, the entries by status (region after region within one).
    Every client is made before any thread."""
    clients = [
        (region, {service: client_for(service, region) for service in AUDIT_SERVICES})
        for region in dict.fromkeys(regions)
    ]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        audits = list(pool.map(lambda each: audit_region(*each, max_concurrency, lookback_days), clients))
    return RegionAudit(
        by_status([entry for audit in audits for entry in audit.entries]),
        [mapping for audit in audits for mapping in audit.mappings],
        [warning for audit in audits for warning in audit.warnings],
    )
