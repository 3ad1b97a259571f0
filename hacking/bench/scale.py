# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 3 of `make bench`: N functions configured by a loop of the module and by N hosts at `forks`."""

import os
import sys

from settings import FORKS
from settings import SCALES


def measure(bench):
    rows = []
    for count in SCALES:
        names = [f"scale-{index}" for index in range(count)]
        loop_time = bench.play(
            f"scale-loop-{count}",
            [
                {
                    "name": "configure each function",
                    "serverless.aws_lambda.lambda_event_invoke_config": {
                        "function_name": "{{ item }}",
                        "maximum_retry_attempts": 1,
                        "maximum_event_age_in_seconds": 600,
                    },
                    "loop": names,
                }
            ],
        )
        inventory = os.path.join(bench.workdir, f"inventory-{count}.ini")
        with open(inventory, "w") as handle:
            for name in names:
                handle.write(f"{name} ansible_connection=local ansible_python_interpreter={sys.executable}\n")
        forks_time = bench.play(
            f"scale-forks-{count}",
            [
                {
                    "name": "configure this host's function",
                    "serverless.aws_lambda.lambda_event_invoke_config": {
                        "function_name": "{{ inventory_hostname }}",
                        "maximum_retry_attempts": 2,
                    },
                }
            ],
            hosts="all",
            inventory=inventory,
            forks=FORKS,
        )
        rows.append((count, loop_time, forks_time))
    return rows


def report(rows):
    lines = [
        "",
        "## Scale: configure N functions (each a read and a write)",
        "",
        f"| N | loop: total s | loop: s per config | forks={FORKS}: total s | forks: s per config |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count, loop_time, forks_time in rows:
        lines.append(
            f"| {count} | {loop_time:.1f} | {loop_time / count:.3f} | {forks_time:.1f} | {forks_time / count:.3f} |"
        )
    return lines
