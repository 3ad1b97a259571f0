#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection through ansible-runner, the engine of AWX and Automation Platform jobs.

    runner_check.py LOCALSTACK_URL COLLECTIONS_PATH WORKDIR [COUNT]

AWX keeps a job event's result only when str(res) is at most MAX_EVENT_RES characters (700,000
by default); ansible-runner's display callback empties it otherwise, and the job page shows
nothing of the task. This runs, in an account of its own per ansible-core version on LocalStack:
  - one config, in --check --diff and for real: the task's job event says changed, carries the
    diff, and no job event holds the secret key;
  - COUNT configs (default 1,000; the awx stage gives tox.ini's AWX_CONFIGS, the largest task
    the fleets guide says fits; given by ARN over four regions, as an audit hands them back), new, with
    the retries and the event age set, in one ``configs`` task, in --check --diff and for real
    with --diff: the job event keeps the result, with every item and its config; its size is
    printed, whole and per item of each part (entries, diff, the echo of the arguments). The
    configs are those of $LATEST and of aliases of a tenth as many functions
    (CONFIGS_PER_FUNCTION): LocalStack without Docker spends about 0.08 s of CPU on
    each new function, and 1,000 of them kept it busy for 144 s, stalling the setups of the stages
    that run beside this one; an alias costs it nothing. An alias ARN is longer than the function's,
    so the sizes printed are, if anything, above those of 1,000 functions;
  - a rerun of some of them as the fleets guide splits a fleet, a loop over batches, under a seventh of
    the limit: each batch keeps its job event where the whole task would lose it;
  - the same COUNT items with every one failing (each names an alias that does not exist), in
    --check --diff (one Lambda request each): the failed task's job event keeps the result, every
    item with its own message, and the task's message stays short;
  - the report playbook on an inventory of two accounts (roles assumed): each account's audit is a
    job event of its own host, and no job event holds a credential.
Exits non-zero on the first broken expectation. Prints one JSON line of figures.
"""

import json
import os
import re
import sys
import time

import ansible_runner
from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from lambda_fixtures import execution_role

from ansible.release import __version__ as ANSIBLE_CORE_VERSION

# LocalStack puts everything in the account of a 12-digit access key. One account per core, as
# the awx stages of two cores run at once on one LocalStack and would share these names.
ACCOUNT_KEY = "33334444{:02d}{:02d}".format(*(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]))
SECRET = "runner-check-secret-f3c9a1"  # must never reach a job event
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
CONFIGS_PER_FUNCTION = 10  # $LATEST's and those of nine aliases of it
MAX_EVENT_RES = 700000
BATCHES, BATCH_SIZE = 3, 200  # fleet_in_batches


def aws(service, endpoint, region):
    return aws_client(service, endpoint, region, access_key=ACCOUNT_KEY, secret_key=SECRET)


def setup(endpoint, count):
    """The execution role, a queue per region, and functions spread over the regions with
    aliases: (COUNT config ARNs, the ARN of one more function, queue ARN per region)."""
    role = execution_role(aws("iam", endpoint, REGIONS[0]), "runner-check")
    queues = {}
    for region in REGIONS:
        sqs = aws("sqs", endpoint, region)
        url = sqs.create_queue(QueueName="runner-check-failed")["QueueUrl"]
        queues[region] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    configs = []
    lambdas = [aws("lambda", endpoint, region) for region in REGIONS]
    aliases = [f"release-{number}" for number in range(1, CONFIGS_PER_FUNCTION)]
    for index in range(-(-count // CONFIGS_PER_FUNCTION)):
        lam = lambdas[index % len(REGIONS)]
        arn = create_function(lam, f"runner-check-{index}", role)
        for alias in aliases:
            try:
                lam.create_alias(FunctionName=arn, Name=alias, FunctionVersion="$LATEST")
            except lam.exceptions.ResourceConflictException:
                pass
        for config in [arn] + [f"{arn}:{alias}" for alias in aliases]:
            try:
                lam.delete_function_event_invoke_config(FunctionName=config)
            except lam.exceptions.ResourceNotFoundException:
                pass
            configs.append(config)
    function = create_function(lambdas[0], "runner-check-single", role)
    try:
        lambdas[0].delete_function_event_invoke_config(FunctionName=function)
    except lambdas[0].exceptions.ResourceNotFoundException:
        pass
    return configs[:count], function, queues


def create_function(lam, name, role):
    """The ARN of a new function, or of the one a run before this one made."""
    try:
        return create_echo_function(lam, name, role)["FunctionArn"]
    except lam.exceptions.ResourceConflictException:
        return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def run(workdir, collections, endpoint, name, tasks, check, max_res=MAX_EVENT_RES):
    """Run one play through ansible-runner: (status, job events)."""
    play = [
        {
            "name": name,
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {
                "group/serverless.aws_lambda.aws": {
                    "region": REGIONS[0],
                    "endpoint_url": endpoint,
                    "access_key": ACCOUNT_KEY,
                    "secret_key": SECRET,
                }
            },
            "tasks": tasks,
        }
    ]
    private = os.path.join(workdir, name)
    os.makedirs(os.path.join(private, "project"), exist_ok=True)
    with open(os.path.join(private, "project", "play.yml"), "w") as handle:
        json.dump(play, handle)
    result = ansible_runner.run(
        private_data_dir=private,
        playbook="play.yml",
        inventory="localhost ansible_connection=local ansible_python_interpreter=" + sys.executable,
        cmdline=("--check --diff" if check else "--diff"),
        envvars={"ANSIBLE_COLLECTIONS_PATH": collections, "MAX_EVENT_RES": str(max_res)},
        quiet=True,
    )
    return result.status, list(result.events)


def task_result(events, task):
    """The res of the task's runner_on_ok or runner_on_failed event."""
    for event in events:
        data = event.get("event_data", {})
        if event.get("event") in ("runner_on_ok", "runner_on_failed") and data.get("task") == task:
            return event["event"], data.get("res", {})
    raise SystemExit(f"no result event for task {task!r}")


def expect(condition, message):
    if not condition:
        raise SystemExit(f"runner check: {message}")


def single(workdir, collections, endpoint, function, queue):
    task = {
        "name": "one config",
        "serverless.aws_lambda.lambda_event_invoke_config": {
            "function_name": function,
            "maximum_retry_attempts": 1,
            "destination_config": {"on_failure": {"destination": queue}},
        },
    }
    for check in (True, False):
        status, events = run(
            workdir, collections, endpoint, f"single-{'check' if check else 'real'}", [dict(task)], check
        )
        expect(status == "successful", f"one config ({'check' if check else 'real'}): {status}")
        kind, res = task_result(events, "one config")
        expect(kind == "runner_on_ok" and res.get("changed") is True, f"one config: not changed: {res}")
        expect(res.get("diff", {}).get("after", {}).get("maximum_retry_attempts") == 1, f"one config: no diff: {res}")
        expect(not res.get("diff", {}).get("before"), f"one config: a create's diff has a before: {res}")
        expect(SECRET not in json.dumps(events), "the secret key is in a job event")


def per_item(res, count):
    """What each part of a result costs an item, in characters of str(): the entries, the diff
    and the echo of the arguments (invocation: ansible-core 2.17 to 2.20 add it to every result)."""
    parts = {"entries": "event_invoke_configs", "diff": "diff", "invocation": "invocation"}
    return {name: round(len(str(res[key])) / count, 1) for name, key in parts.items() if key in res}


def fleet(workdir, collections, endpoint, configs):
    # New configs with the retries and the event age set: the real run with --diff is the largest result.
    items = [{"function_name": arn} for arn in configs]
    figures = {}
    for check in (True, False):
        task = {
            "name": "many configs",
            "serverless.aws_lambda.lambda_event_invoke_config": {
                "configs": items,
                "maximum_retry_attempts": 1,
                "maximum_event_age_in_seconds": 3600,
                "max_requests_per_second": 15,
            },
        }
        label = "check" if check else "real"
        start = time.monotonic()
        status, events = run(workdir, collections, endpoint, f"fleet-{label}", [task], check)
        seconds = time.monotonic() - start
        expect(status == "successful", f"{len(items)} configs ({label}): {status}")
        kind, res = task_result(events, "many configs")
        entries = res.get("event_invoke_configs", [])
        expect(len(entries) == len(items), f"{len(items)} configs ({label}): the job event lost the result")
        expect(all(entry["changed"] for entry in entries), f"{len(items)} configs ({label}): an item did not change")
        expect(
            all(entry["maximum_event_age_in_seconds"] == 3600 for entry in entries),
            f"{len(items)} configs ({label}): an entry lost its config",
        )
        expect(len(res.get("diff", [])) == len(items), f"{len(items)} configs ({label}): the diff is not in the event")
        expect(SECRET not in json.dumps(events), "the secret key is in a job event")
        figures[label] = {
            "characters": len(str(res)),
            "per_item": per_item(res, len(items)),
            "seconds": round(seconds, 1),
        }
    return figures


def fleet_in_batches(workdir, collections, endpoint, configs):
    """The fleets guide's way to keep a fleet too large for one job event visible: a loop over
    batches of it, each batch a job event of its own. Shown at a seventh of AWX's limit on a
    rerun of BATCHES x BATCH_SIZE of the configs (no change: a read each): the loop's whole
    result does not fit, so its event is emptied, and each batch's event keeps its part."""
    items = [{"function_name": arn} for arn in configs[: BATCHES * BATCH_SIZE]]
    task = {
        "name": "configs in batches",
        "serverless.aws_lambda.lambda_event_invoke_config": {
            "configs": "{{ item }}",
            "maximum_retry_attempts": 1,
            "maximum_event_age_in_seconds": 3600,
            "max_requests_per_second": 15,
        },
        "loop": f"{{{{ fleet | batch({BATCH_SIZE}) | list }}}}",
        # Each batch's result holds its items (item) once more, and a second time as its label
        # unless the label is set.
        "loop_control": {"label": "{{ item | length }} configs"},
        "vars": {"fleet": items},
    }
    max_res = MAX_EVENT_RES // 7
    status, events = run(workdir, collections, endpoint, "fleet-batches", [task], False, max_res)
    expect(status == "successful", f"configs in batches: {status}")
    kind, whole = task_result(events, "configs in batches")
    expect(whole == {}, "configs in batches: the loop's whole result fits, so this shows nothing")
    batches = [
        event["event_data"].get("res", {})
        for event in events
        if event.get("event") == "runner_item_on_ok" and event["event_data"].get("task") == "configs in batches"
    ]
    entries = [entry for res in batches for entry in res.get("event_invoke_configs", [])]
    expect(len(batches) == BATCHES, f"configs in batches: {len(batches)} item events, not {BATCHES}")
    expect(len(entries) == len(items), f"configs in batches: {len(entries)} entries kept of {len(items)}")
    expect(not any(entry["changed"] for entry in entries), "configs in batches: a rerun changed a config")
    return {
        "configs": len(items),
        "batches": BATCHES,
        "largest_batch_characters": max(len(str(res)) for res in batches),
    }


def fleet_failing(workdir, collections, endpoint, configs):
    # Each item names an alias that does not exist: check mode fails it as the real run would.
    items = [
        {"function_name": arn.split(":release-")[0], "qualifier": f"missing-{index}"}
        for index, arn in enumerate(configs)
    ]
    task = {
        "name": "many failing configs",
        "serverless.aws_lambda.lambda_event_invoke_config": {
            "configs": items,
            "maximum_retry_attempts": 1,
            "max_requests_per_second": 15,
        },
        "ignore_errors": True,
    }
    start = time.monotonic()
    status, events = run(workdir, collections, endpoint, "fleet-failing", [task], True)
    seconds = time.monotonic() - start
    kind, res = task_result(events, "many failing configs")
    entries = res.get("event_invoke_configs", [])
    expect(kind == "runner_on_failed", f"{len(items)} failing configs: {kind}")
    expect(len(entries) == len(items), f"{len(items)} failing configs: the job event lost the result")
    expect(
        all(entry.get("failed") and "has no version or alias" in entry.get("msg", "") for entry in entries),
        f"{len(items)} failing configs: an item lost its own message",
    )
    expect(len(res.get("msg", "")) < 2000, f"{len(items)} failing configs: a message of {len(res.get('msg', ''))}")
    return {
        "characters": len(str(res)),
        "per_item": per_item(res, len(items)),
        "msg_characters": len(res["msg"]),
        "seconds": round(seconds, 1),
    }


def organization(workdir, collections, endpoint):
    """The report playbook on an inventory of two accounts, as an AWX job of an inventory of accounts runs
    it: each account's audit is in a job event of its own host, and no job event holds a credential."""
    accounts = [ACCOUNT_KEY, "9" + ACCOUNT_KEY[1:]]
    private = os.path.join(workdir, "organization")
    report_dir = os.path.join(private, "report")
    os.makedirs(os.path.join(private, "project"), exist_ok=True)
    os.makedirs(report_dir, exist_ok=True)
    with open(os.path.join(private, "project", "play.yml"), "w") as handle:
        json.dump([{"import_playbook": "serverless.aws_lambda.audit_failed_events"}], handle)
    hosts = {f"account-{account}": {"role_arn": f"arn:aws:iam::{account}:role/runner-audit"} for account in accounts}
    inventory = {
        "aws_accounts": {
            "hosts": hosts,
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    result = ansible_runner.run(
        private_data_dir=private,
        playbook="play.yml",
        inventory=inventory,
        cmdline="--forks 2",
        extravars={"report_dir": report_dir, "regions": [REGIONS[0]]},
        envvars={
            "ANSIBLE_COLLECTIONS_PATH": collections,
            "AWS_URL": endpoint,
            "AWS_ACCESS_KEY_ID": ACCOUNT_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET,
        },
        quiet=True,
    )
    events = list(result.events)
    stdout = result.stdout.read()
    expect(result.status == "successful", f"organization: {result.status}: {stdout[-3000:]}")
    audited = {
        event["event_data"].get("host")
        for event in events
        if event.get("event") == "runner_on_ok"
        and event["event_data"].get("task") == "Audit the regions of the account"
    }
    expect(audited == set(hosts), f"organization: the job events of the accounts' audits are of {sorted(audited)}")
    text = json.dumps(events)
    expect(SECRET not in text, "organization: the secret key is in a job event")
    expect("sts_creds" not in text, "organization: an assumed role's credentials are in a job event")
    # A secret key or session token shown with a value, not masked: in a result, or in an event's stdout.
    unmasked = re.findall(r'\\?"(?:secret_key|session_token)\\?": \\?"(?!VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)', text)
    expect(not unmasked, "organization: a secret key or session token is in a job event")
    with open(os.path.join(report_dir, "failed-events-audit.json")) as handle:
        report = json.load(handle)
    expect(sorted(a["account"] for a in report["accounts"]) == sorted(accounts), f"organization: {report['accounts']}")
    return {"accounts": len(accounts), "job_events": len(events)}


def main(endpoint, collections, workdir, count="1000"):
    count = int(count)
    os.makedirs(workdir, exist_ok=True)
    # ansible-runner starts the ansible-playbook it finds on PATH: this venv's.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    configs, function, queues = setup(endpoint, count)
    single(workdir, collections, endpoint, function, queues[function.split(":")[3]])
    figures = fleet(workdir, collections, endpoint, configs)
    figures["in_batches"] = fleet_in_batches(workdir, collections, endpoint, configs)
    figures["failing"] = fleet_failing(workdir, collections, endpoint, configs)
    figures["organization"] = organization(workdir, collections, endpoint)
    figures["configs"] = count
    figures["limit"] = MAX_EVENT_RES
    print(json.dumps(figures))


if __name__ == "__main__":
    main(*sys.argv[1:])
