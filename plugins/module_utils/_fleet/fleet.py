# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many configs in one task: expanding the items of ``configs``, checking them all before any
call, running them concurrently (bounded, items of one function one after the other: concurrency).

The work on one item is the single-config logic (ensure_present / ensure_absent); this file
only plans and schedules it.
"""

import traceback

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import is_bug
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import run_concurrently
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import SETTING_OPTIONS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import changes_view
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import check_task
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import validate_settings
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.state import apply_task

# The top-level options an item of ``configs`` takes when it does not set them (the items'
# own options are the module's CONFIG_ITEM_SPEC).
INHERITED_OPTIONS = SETTING_OPTIONS + (
    "purge_destinations",
    "validate_destinations",
    "grant_destinations",
    "iam_propagation_timeout",
    "state",
)


NOT_STARTED = "not started: the task stopped at an unexpected error of another item"


def expand_items(params):
    """The per-item task options: each item of params["configs"] with the top-level options
    laid under it (an item's own value wins; None means not set)."""
    items = []
    for item in params["configs"]:
        expanded = {key: params.get(key) for key in INHERITED_OPTIONS}
        expanded.update({key: value for key, value in item.items() if value is not None})
        items.append(expanded)
    return items


def item_label(item):
    """How messages name an item: its function and qualifier as given."""
    if item.get("qualifier"):
        return f"{item['function_name']}:{item['qualifier']}"
    return item["function_name"]


def diff_label(item):
    """How --diff heads an item: as given, but a function ARN as its name (and qualifier) and
    region, which tell the items of one task apart in a third of the characters."""
    ref = parse_function_ref(item["function_name"], item.get("qualifier"))
    if not ref.region:
        return item_label(item)
    return f"{ref.name}:{ref.qualifier} ({ref.region})" if ref.qualifier else f"{ref.name} ({ref.region})"


def check_items(items, check_item):
    """check_item(item) for every item before any call; the first bad one raises, named by
    its position (configs[N]) and its function."""
    checked = []
    for index, item in enumerate(items):
        try:
            checked.append(check_item(item))
        except ParameterError as e:
            raise ParameterError(f"configs[{index}] ({item_label(item)}): {e}") from e
    return checked


def check_distinct(items, refs, default_region):
    """Refuse two items that address the same config (the unqualified config is $LATEST's):
    they would both write it, and which one wins would depend on their order. A name and an
    ARN of one function are only told apart by AWS, so they are not compared here."""
    seen = {}
    for index, ref in enumerate(refs):
        key = (ref.partition, ref.account, ref.region or default_region, ref.name, ref.qualifier or LATEST)
        if key in seen:
            first = seen[key]
            raise ParameterError(
                f"configs[{index}] ({item_label(items[index])}) addresses the same config as "
                f"configs[{first}] ({item_label(items[first])}); give each config once"
            )
        seen[key] = index


def serial_key(ref, default_region):
    """Items with the same key are run one after the other: writes to one function at once
    answer ResourceConflictException. Same name in the same region is the same function of
    the caller's account (a conservative grouping)."""
    return (ref.region or default_region, ref.name)


# A failed task names this many failures in full in its message; the others are counted by kind
# (every item's own message stays in its entry), so that a fleet's message stays short.
MESSAGE_FAILURES = 3


def failure_kind(error):
    """What kind of failure an item had: AWS's error code, else the collection's error type."""
    if is_bug(error):
        return "bug"
    return error.aws_code() or type(error).__name__


def failure_message(error, label):
    """The sentence a failed item reports: ours, and what AWS said when it answered. It is
    given beside the item's label (in its entry, after it in the task's message), so it does
    not name the item again; the hint about AWS's answer is left to the task's message, which
    gives it once per kind of failure, and AWS's error code to the entry's error_code."""
    if is_bug(error):
        return f"unexpected error (a bug of this collection, please report it): {type(error).__name__}: {error}"
    message = error.message
    if error.hint:
        message = message.replace(f" ({error.hint})", "", 1)
    if message.endswith(f" of {label}"):
        message = message[: -len(f" of {label}")]
    else:
        message = message.replace(f" of {label}: ", ": ", 1)
    if error.exception is None:
        return message
    return f"{message}: {error_message(error.exception) or error.exception}"


def task_failure_message(failed, total, not_started):
    """The failed task's message: how many failed, the first few in full, the others counted
    by kind with the hint of each kind once. failed: [(label, error)]."""
    applied = total - len(failed) - not_started
    if not_started:
        others = f" ({applied} were applied, {not_started} not started)"
    else:
        others = " (the others were applied)" if applied else ""
    named = [f"{label}: {failure_message(error, label)}" for label, error in failed[:MESSAGE_FAILURES]]
    kinds = {}
    for dummy, error in failed:
        count, hint = kinds.get(failure_kind(error), (0, None))
        kinds[failure_kind(error)] = (count + 1, hint or getattr(error, "hint", None))
    message = f"{len(failed)} of {total} configs failed{others}: " + "; ".join(named)
    if len(failed) > MESSAGE_FAILURES or any(hint for dummy, hint in kinds.values()):
        by_kind = ", ".join(f"{kind} {count}" + (f" ({hint})" if hint else "") for kind, (count, hint) in kinds.items())
        more = f"{len(failed) - MESSAGE_FAILURES} more, " if len(failed) > MESSAGE_FAILURES else ""
        message += f"; {more}by error: {by_kind}; each item's message is in event_invoke_configs"
    return message


def _entry(item, result, error, started):
    """An item's entry: its config after the task, in the shape of RV(event_invoke_config) (so
    of the info module's entries), with changed; a config deleted or found absent by its
    function ARN and qualifier alone; a failed item as given, with the config as AWS holds it
    when it wrote something before failing. Each config stands once, without a wrapping key:
    AWX drops a job event's whole result beyond 700,000 characters."""
    if not started:
        return dict(_as_given(item), changed=False, failed=True, msg=NOT_STARTED)
    if error is not None:
        written = getattr(error, "kwargs", {}) if not is_bug(error) else {}
        # What was written names the config exactly: its qualifier wins over the one given.
        entry = dict(_as_given(item), **written.get("event_invoke_config", {}))
        entry.update(
            changed=written.get("changed", False),
            failed=True,
            msg=failure_message(error, item_label(item)),
            error_code=None if is_bug(error) else error.aws_code(),
        )
        if "execution_role_grant" in written:
            entry["execution_role_grant"] = written["execution_role_grant"]
        return entry
    entry = dict(result["event_invoke_config"] or result["identity"], changed=result["changed"])
    if "execution_role_grant" in result:
        entry["execution_role_grant"] = result["execution_role_grant"]
    return entry


def _as_given(item):
    return {"function_name": item["function_name"], "qualifier": item.get("qualifier")}


def bulk_result(items, outcomes, diff):
    """The task result of a bulk run: one entry per item in the order given (see _entry); failed
    when any item failed, naming the first few and counting the others by kind. In diff mode,
    the task's diff (what ``--diff`` prints) is the list of the changed items' changes, each
    headed by its item: only the settings that change, since the entry already holds the config
    after (AWX drops a job event's whole result beyond 700,000 characters, and a fleet task must
    stay under that). After a bug, the items never started say so, and the result carries the
    bug's traceback."""
    entries, failed, diffs, bugs = [], [], [], []
    for item, outcome in zip(items, outcomes):
        result, error = outcome or (None, None)
        entries.append(_entry(item, result, error, outcome is not None))
        if error is not None:
            failed.append((item_label(item), error))
            if is_bug(error):
                bugs.append(error)
        elif diff and result is not None and result["changed"]:
            before, after = changes_view(result["diff"]["before"], result["diff"]["after"])
            # One header names the item ("--- before: ITEM", "+++ after"): a second would add
            # the label again to every item of the result.
            diffs.append({"before": before, "after": after, "before_header": diff_label(item)})
    outcome = {"changed": any(entry["changed"] for entry in entries), "event_invoke_configs": entries}
    if diff:
        outcome["diff"] = diffs
    not_started = sum(1 for each in outcomes if each is None)
    if failed or not_started:
        outcome["failed"] = True
        outcome["msg"] = task_failure_message(failed, len(items), not_started)
    if bugs:
        outcome["exception"] = "".join(traceback.format_exception(type(bugs[0]), bugs[0], bugs[0].__traceback__))
    return outcome


def apply_configs(client_for, params, check_mode, warn, default_region, diff, features):
    """The ``configs`` of a task: every item checked before any call, then each brought to
    its state by the single-config logic, concurrently; see bulk_result for the result.
    features: the core's TaskFeatures, as the module file wired them."""
    validate_settings(params)  # the top-level options, which items inherit
    items = expand_items(params)
    refs = check_items(items, check_task)
    check_distinct(items, refs, default_region)
    keys = [serial_key(ref, default_region) for ref in refs]
    # Every item's Lambda client is made here, before any thread: amazon.aws's connection
    # code fails the module when it cannot make one (no region, an unknown profile), which
    # must happen once, cleanly, and not inside a worker thread.
    for region in sorted({ref.region or default_region for ref in refs}, key=str):
        client_for("lambda", region)
        if features.grants is not None:
            client_for("iam", region)
    outcomes = run_concurrently(
        keys,
        lambda index: apply_task(client_for, refs[index], items[index], check_mode, warn, features),
        params["max_concurrency"],
    )
    result = bulk_result(items, outcomes, diff)
    if features.grants is None:
        return result
    return features.grants.finish(client_for, check_mode, warn, result)
