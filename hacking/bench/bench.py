#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: API calls per operation, per-task time against peers, scale, and the fleet and the audit
under AWS's quota; one module per section (measure and report), all on harness.Bench.

Run by hacking/bench.sh, which starts LocalStack and the recording proxy and passes:
    bench.py LOCALSTACK_URL PROXY_URL COLLECTIONS_PATH AWSCLI WORKDIR OUTPUT_RST [NEWEST_COLLECTIONS_PATH]
Calls are counted by the proxy (from outside the module); times come from a callback
that records each task's wall time. Nothing here asserts a timing: it prints the tables (Markdown) and
writes them as the docsite's benchmarks page.
"""

import os
import sys
import time

import accounts
import audit
import calls
import fleet
import per_task
import quota
import scale
from harness import Bench
from harness import machine
from harness import versions
from markdown_rst import to_rst
from settings import ALL_SECTIONS
from settings import SECTIONS

HEADER = [
    "# Benchmarks",
    "",
    "Regenerate with `make bench` (LocalStack on loopback, calls counted by a recording proxy between",
    "the module and LocalStack, task times by a callback). A benchmark, not a test: nothing asserts these.",
    "",
]


def main(localstack, proxy, collections, awscli, workdir, output, newest_collections=None):
    """newest_collections: a collections path with the newest amazon.aws, for the per-task section."""
    os.makedirs(workdir, exist_ok=True)
    bench = Bench(localstack, proxy, collections, awscli, workdir)
    bench.setup()
    collection_paths = [collections] + ([newest_collections] if newest_collections else [])
    if set(SECTIONS) != set(ALL_SECTIONS):
        # Some sections alone: their tables printed, the page left as it is.
        if "times" in SECTIONS:
            print("\n".join(per_task.report(per_task.measure(bench, collection_paths))))
        for name, section in (("fleet", fleet), ("quota", quota), ("audit", audit), ("accounts", accounts)):
            if name in SECTIONS:
                print("\n".join(section.report(section.measure(bench))))
        return
    lines = HEADER + [
        f"- Machine: {machine()}",
        f"- Versions: {versions(collections, awscli)}",
        f"- Date: {time.strftime('%Y-%m-%d')}",
    ]
    lines += calls.report(calls.measure(bench))
    lines += per_task.report(per_task.measure(bench, collection_paths))
    for section in (scale, fleet, quota, audit, accounts):
        lines += section.report(section.measure(bench))
    text = "\n".join(lines + [""])
    with open(output, "w") as handle:
        handle.write(to_rst(text, "guide_benchmarks"))
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:8])
