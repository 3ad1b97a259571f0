# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit of a region: which qualifiers of which functions drop their failed asynchronous events.

Each qualifier stands alone: V($LATEST), every alias and every version with a config is judged on
its own config's on_failure destination, else on the dead-letter queue of the version(s) it runs
(an alias runs the version it points to, a weighted alias two). Nothing is inherited from another
qualifier's config (docs/aws-behaviours.md).

handling() judges one qualifier from what was read; the readers are the listings of
event_invoke_config_api; audit_region reads a region and judges each of its qualifiers.
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_aliases
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_fleet import is_bug
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_fleet import run_concurrently
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_state import (
    describe_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import unqualified_function_arn


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


def unhandled_qualifiers(function_arn, configs, aliases, dead_letter_queues):
    """The items for lambda_event_invoke_config's ``configs`` of the qualifiers of one function
    that drop failed events: {function_name: its unqualified ARN}, plus qualifier for an alias
    or a version. configs: the function's configs (config form); aliases: {alias: [versions]}."""
    on_failure = {
        config["qualifier"]: config["destination_config"].get("on_failure", {}).get("destination") for config in configs
    }
    items = []
    for qualifier, runs in sorted(audited_qualifiers(on_failure, aliases).items(), key=_qualifier_order):
        destination, dummy = handling(qualifier, on_failure.get(qualifier), runs, dead_letter_queues)
        if destination is None:
            items.append({"function_name": function_arn, **({} if qualifier == LATEST else {"qualifier": qualifier})})
    return items


def _qualifier_order(item):
    qualifier = item[0]
    # $LATEST, then versions by number, then aliases by name.
    return (qualifier != LATEST, not qualifier.isdigit(), int(qualifier) if qualifier.isdigit() else 0, qualifier)


def _read_function(client, function):
    """(configs, aliases) of one function, or raises (a function deleted meanwhile: not found)."""
    ref = parse_function_ref(function["FunctionName"])
    return describe_event_invoke_configs(client, ref), list_aliases(client, function["FunctionName"])


def audit_region(client, max_concurrency):
    """Every function of the client's region (all pages of ListFunctions, every version, for
    each version's dead-letter queue) and all of its configs and aliases, read concurrently:
    (configs in the config form with module_params, the qualifiers that drop failed events).
    A function deleted while it is read is left out."""
    functions, dead_letter_queues = [], {}
    for version in list_functions(client, all_versions=True):
        dlq = (version.get("DeadLetterConfig") or {}).get("TargetArn")
        dead_letter_queues.setdefault(version["FunctionName"], {})[version.get("Version", LATEST)] = dlq
        if version.get("Version", LATEST) == LATEST:
            functions.append(version)
    # By name: the functions are the client's own region's and account's, and LocalStack's
    # ListFunctionEventInvokeConfigs does not find a function given by ARN (AWS does).
    outcomes = run_concurrently(
        list(range(len(functions))), lambda index: _read_function(client, functions[index]), max_concurrency
    )
    bugs = [error for dummy, error in filter(None, outcomes) if is_bug(error)]
    if bugs:
        raise bugs[0]  # the audit writes nothing: the bug itself is the whole story
    configs, unhandled = [], []
    for function, (found, error) in zip(functions, outcomes):
        if error is not None:
            if error_code(error.exception) == "ResourceNotFoundException":
                continue
            raise error
        function_configs, aliases = found
        configs.extend(function_configs)
        # With FunctionVersion=ALL, AWS gives a version's ARN with its qualifier.
        function_arn = unqualified_function_arn(function["FunctionArn"])
        queues = dead_letter_queues[function["FunctionName"]]
        unhandled.extend(unhandled_qualifiers(function_arn, function_configs, aliases, queues))
    return configs, unhandled


def audit_regions(client_for, regions, max_concurrency):
    """audit_region of every region (each once, in the order given), the regions at once, each
    with its own client and so its own request rate cap: the configs and the flagged
    qualifiers of all of them, region after region. Every client is made before any thread."""
    clients = [client_for("lambda", region) for region in dict.fromkeys(regions)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        audits = list(pool.map(lambda client: audit_region(client, max_concurrency), clients))
    configs = [config for found, dummy in audits for config in found]
    unhandled = [item for dummy, flagged in audits for item in flagged]
    return configs, unhandled
