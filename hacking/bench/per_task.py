# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 2 of `make bench`: the time of a no-op task against the floor (a bare AnsibleAWSModule making
one Get) and peers, round by round, and where a no-op's time goes inside the module's process."""

import json
import os
import shutil
import statistics
import subprocess
import sys

import task_breakdown as breakdown
from harness import amazon_aws_version
from settings import FLOOR
from settings import HERE
from settings import OURS
from settings import REGION
from settings import REPEATS


def noop_tasks(bench):
    """{label: task body} of our no-op and of the floor, which the per-task table and the breakdown time."""
    connection = bench.connection()
    return {
        OURS: {
            "serverless.aws_lambda.lambda_event_invoke_config": dict(
                connection, function_name="bench-one", maximum_retry_attempts=1
            )
        },
        FLOOR: {"floor_get_event_invoke_config": dict(connection, function_name="bench-one")},
    }


def per_task_time(bench, collections):
    """{label: [seconds]} of each kind of task, on the amazon.aws in collections. Every AWS task is
    given its connection inline (none through module_defaults), and each round runs the kinds in
    another order (rotated), so that no kind always follows the same task."""
    connection = bench.connection()
    kinds = {
        **noop_tasks(bench),
        "amazon.aws.lambda_info (query: config)": {
            "amazon.aws.lambda_info": dict(connection, name="bench-one", query="config")
        },
        "ansible.builtin.command: aws lambda get-function-event-invoke-config": {
            "ansible.builtin.command": {
                "argv": [
                    bench.awscli,
                    "lambda",
                    "get-function-event-invoke-config",
                    "--function-name",
                    "bench-one",
                    "--endpoint-url",
                    bench.proxy,
                    "--region",
                    REGION,
                ]
            },
            "environment": {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "bench-secret"},
            "changed_when": False,
        },
    }
    labels = list(kinds)
    tasks = []
    for index in range(REPEATS + 1):  # the first round warms caches and is dropped
        shift = index % len(labels)
        for label in labels[shift:] + labels[:shift]:
            tasks.append(dict(kinds[label], name=f"{label}#{index}"))
    times_file = os.path.join(bench.workdir, "times.jsonl")
    bench.play("per-task", tasks, times_file=times_file, collections=collections, module_defaults=False)
    by_round = {label: {} for label in kinds}
    with open(times_file) as handle:
        for line in handle:
            record = json.loads(line)
            label, index = record["task"].rsplit("#", 1)
            if int(index) > 0:
                by_round[label][int(index)] = record["seconds"]
    # In round order, so that the n-th sample of every kind is of the same round (paired_ratio).
    return {label: [seconds for dummy, seconds in sorted(rounds.items())] for label, rounds in by_round.items()}


def task_breakdown(bench, collections):
    """Where the time of our no-op and of the floor goes, part by part (task_breakdown.py), from
    the AnsiballZ files of one run of each kept on disk."""
    kept = os.path.join(bench.workdir, "kept")
    shutil.rmtree(kept, ignore_errors=True)
    tasks = [dict(body, name=label) for label, body in noop_tasks(bench).items()]
    bench.play(
        "kept",
        tasks,
        collections=collections,
        module_defaults=False,
        env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": kept},
    )
    payloads = {}
    for root, dummy, files in os.walk(kept):
        for name in files:
            if name == "AnsiballZ_lambda_event_invoke_config.py":
                payloads[OURS] = os.path.join(root, name)
            elif name == "AnsiballZ_floor_get_event_invoke_config.py":
                payloads[FLOOR] = os.path.join(root, name)
    command = [sys.executable, os.path.join(HERE, "task_breakdown.py"), str(REPEATS)]
    command += [f"{label}={path}" for label, path in payloads.items()]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    shutil.rmtree(kept, ignore_errors=True)
    return json.loads(done.stdout)


def measure(bench, collection_paths):
    """The per-task samples and breakdowns, {amazon.aws version: ...}, one run per collections path."""
    samples, breakdowns = {}, {}
    for collections in collection_paths:
        version = amazon_aws_version(collections)
        samples[version] = per_task_time(bench, collections)
        breakdowns[version] = task_breakdown(bench, collections)
    return samples, breakdowns


def paired_ratio(values, floors):
    """The median and the deciles of value / floor taken round by round: each round runs both on
    the machine as it is then, so a slow spell of the machine cancels out, which a ratio of the
    two medians does not."""
    ratios = sorted(value / floor for value, floor in zip(values, floors))
    decile = statistics.quantiles(ratios, n=10)
    return statistics.median(ratios), decile[0], decile[-1]


def report(measured):
    """The per-task section: measured is (samples, breakdowns), each {amazon.aws version: ...}."""
    samples, breakdowns = measured
    lines = [
        "",
        f"## Per-task time ({REPEATS} runs each, one playbook per amazon.aws; first round dropped)",
        "",
        "Each round runs the four tasks in another order (rotated), and every AWS task gets its",
        "connection inline. Before 2026-12-06 the order was fixed and ours alone got its connection",
        "through `module_defaults`, and the ratio was of two medians (1.17x on 2026-12-03). Part of that",
        "was a real cost, which the breakdown below found: a module runs from its AnsiballZ zip, whose",
        "import compiles every module it loads twice (zipimport's get_filename, then get_code) and caches",
        "nothing, on every run. Every import of the collection is at the top of its file (an import inside a",
        "function is optional to AnsiballZ), so a one-config task compiles the fleet, grant and preflight code",
        "too. On this machine a single round's ratio spreads over about +-0.2 (the p10-p90 column),",
        "so 25 rounds tell a few hundredths apart only roughly.",
        "",
        "The ratio to the floor is taken in each round (the two tasks ran moments apart) and its median",
        "given, with its p10-p90 over the rounds: this machine's speed drifts by more than the gap.",
        "",
        "| amazon.aws | task | median s | p10 s | p90 s | ratio to floor | ratio p10-p90 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for version, by_label in samples.items():
        for label, values in by_label.items():
            decile = statistics.quantiles(sorted(values), n=10)
            ratio, low, high = paired_ratio(values, by_label[FLOOR])
            lines.append(
                f"| {version} | {label} | {statistics.median(values):.3f} | {decile[0]:.3f} | {decile[-1]:.3f} | "
                f"{ratio:.3f} | {low:.2f}-{high:.2f} |"
            )
    lines += [
        "",
        f"### Where a no-op's time goes ({REPEATS} fresh runs of each AnsiballZ file, medians, ms)",
        "",
        "Timed inside the module's process (hacking/bench/task_breakdown.py): the imports, and of",
        "them the compiling of the modules loaded from the zip; AnsibleModule's argument spec",
        "validation; the boto3 client; the call with the module's own logic; the result up to the exit.",
        "The process is the whole run, the interpreter's start included.",
        "",
        "| amazon.aws | module | payload KB | process | process / floor's | imports | compiling | argument spec "
        "| client | call | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for version, by_label in breakdowns.items():
        for label, parts in by_label.items():
            ratio = paired_ratio(parts["walls"], by_label[FLOOR]["walls"])[0]
            cells = [f"{parts[part] * 1000:.0f}" for part in breakdown.PARTS]
            lines.append(
                f"| {version} | {label.split(':')[0]} | {parts['payload_bytes'] / 1000:.0f} | "
                f"{parts['wall'] * 1000:.0f} | {ratio:.3f} | {' | '.join(cells)} |"
            )
    return lines
