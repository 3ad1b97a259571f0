#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Render the rows the reliability targets recorded into a table, printed in Markdown and written as the
docsite's reliability page.

reliability_table.py REPORT_DIR OUTPUT_RST
"""

import glob
import json
import os
import sys
import time

from markdown_rst import to_rst

HEADER = """# Reliability: bad input, faults and concurrency

Regenerate with `make reliability`: it runs the integration targets `lambda_event_invoke_config_bad_input`,
`lambda_event_invoke_config_faults` and `lambda_event_invoke_config_concurrency` against LocalStack
(faults injected by `hacking/aws_proxy.py`, a proxy on loopback between the module and LocalStack)
and tabulates the rows they record. Each row is what a case observed: what AWS holds is read back
with plain boto3 after every case, the row is recorded, and only then do the target's assertions run
(so a lost write or an unclean failure would be counted here, and fail the run). The same targets run
in `make test`. The bad-input target runs the cases AWS must answer and one of each other kind; every
case of its table that fails before any AWS call also runs, in check mode and for real, in the unit
tests on every ansible-core (`tests/unit/plugins/modules/test_bad_input.py`, with no AWS call allowed).
"""

BOUNDS = """
## Bounds

- Throttling, `ResourceConflictException`, `ServiceException` and 5xx answers: botocore's own
  retries (adaptive mode, 3 attempts unless `AWS_MAX_ATTEMPTS` or the profile say otherwise), each
  call of them wrapped in AWSRetry's jittered backoff: 7 calls, with at most 1+2+4+8+16+20 = 51 s of
  AWSRetry's sleeping between them (about half on average), besides botocore's own backoff and the
  request rate cap within each call. The permanent-fault rows run with botocore's retries off
  (`AWS_MAX_ATTEMPTS=1`) to show the module's own bound.
- IAM propagation ("does not have permissions to call", or "The destination ARN ... is invalid" for a
  destination that exists): `iam_propagation_timeout` (default 120 s, as Terraform), backing off 2 to
  20 s. "is invalid" for a destination that does not exist fails at once, naming it (one read of the
  destination with its own service), whatever the timeout.
- An endpoint that refuses connections fails at once with "Could not connect to the endpoint URL"
  (tested). One that accepts and never answers is bounded by botocore's read timeout (60 s) per
  attempt times botocore's attempts (`AWS_MAX_ATTEMPTS`); not in the suite, each run would take minutes.
- Also tested elsewhere: check mode never writes (each of the 20 scenarios of
  `lambda_event_invoke_config` reads AWS before and after its check-mode run), and credentials never
  appear in `-vvv` output, diffs or failures (`lambda_event_invoke_config_concurrency`, canary secret key).
"""


def main(report_dir, output):
    rows = []
    for path in sorted(glob.glob(os.path.join(report_dir, "*.json"))):
        with open(path) as handle:
            rows.append(json.load(handle))
    lines = [
        HEADER,
        f"Last run: {time.strftime('%Y-%m-%d')}.",
        "",
        "| case | tried | faults survived | failures with clean messages | writes lost | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    totals = [0, 0, 0, 0]
    for row in rows:
        numbers = [int(row[key]) for key in ("cases", "faults_survived", "clean_failures", "writes_lost")]
        totals = [a + b for a, b in zip(totals, numbers)]
        seconds = "" if row.get("seconds") in (None, "") else f"{float(row['seconds']):.1f}"
        lines.append(f"| {' '.join(str(row['area']).split())} | " + " | ".join(map(str, numbers)) + f" | {seconds} |")
    lines.append("| **total** | " + " | ".join(f"**{n}**" for n in totals) + " | |")
    text = "\n".join(lines) + "\n" + BOUNDS
    with open(output, "w") as handle:
        handle.write(to_rst(text, "guide_reliability"))
    print(text)
    return 0 if rows and totals[3] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
