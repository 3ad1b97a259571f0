# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 6 of `make bench`: the audit of a region of functions with aliases, under AWS's quota."""

from settings import AUDIT_ALIASES
from settings import AUDIT_FUNCTIONS
from settings import AUDIT_QUEUES
from settings import AUDIT_REGION
from settings import DEFAULT_RATE
from settings import FLEET_LATENCY
from settings import QUOTA
from settings import QUOTA_VARIANTS


def measure(bench):
    """[(options label, quota_run)] of the audit of AUDIT_REGION per QUOTA_VARIANTS, each checked to
    have judged every qualifier (the functions' $LATEST and their aliases) and listed the mappings."""
    qualifiers = AUDIT_FUNCTIONS * (1 + len(AUDIT_ALIASES))
    bare_mappings = AUDIT_QUEUES // 2 + AUDIT_QUEUES % 2  # the queues without a redrive policy
    rows = []
    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    bench.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
    try:
        for label, extra in QUOTA_VARIANTS:
            tasks = [
                {
                    "name": "audit",
                    "serverless.aws_lambda.lambda_failure_handling_info": dict(extra, region=AUDIT_REGION),
                    "register": "audit",
                },
                {
                    # Not a timing: it checks that what was timed is the whole audit.
                    "name": "every qualifier judged, every mapping read",
                    "ansible.builtin.assert": {
                        "that": [
                            f"audit.failure_audit | length == {qualifiers}",
                            f"audit.event_source_mappings_without_failure_handling | length == {2 * bare_mappings}",
                        ]
                    },
                },
            ]
            run = bench.quota_run("audit-qualifiers", tasks, region=AUDIT_REGION, bystander_reads=("audit-0", "live"))
            rows.append((label, run))
    finally:
        bench.proxy_control("/__proxy/quota", {"rate": 0})
        bench.proxy_control("/__proxy/latency", {"seconds": 0})
    return rows


def report(rows):
    qualifiers = AUDIT_FUNCTIONS * (1 + len(AUDIT_ALIASES))
    lines = [
        "",
        f"## The audit of a region: {AUDIT_FUNCTIONS} functions with {len(AUDIT_ALIASES)} aliases each, under the quota",
        "",
        f"A region holding only this fleet: {AUDIT_FUNCTIONS} functions, each with the aliases "
        f"{' and '.join(AUDIT_ALIASES)} ({qualifiers} qualifiers",
        f"to judge), a config on one `{AUDIT_ALIASES[0]}` alias in three, and {2 * AUDIT_QUEUES} SQS mappings on "
        f"{AUDIT_QUEUES} queues. As in the",
        f"section before: {FLEET_LATENCY * 1000:.0f} ms added to every call, AWS's quota of {QUOTA} Lambda requests per "
        "second, and a bystander",
        "reading one config a second in the same region. The playbook asserts that every qualifier was judged",
        "and every mapping read. The bound is the audit's useful Lambda calls at the module's default cap,",
        f"calls / {DEFAULT_RATE} s: CloudWatch (GetMetricData, each call the series read since the one before, at most",
        "one a second) and SQS have quotas of their own.",
        "",
        f"| options | s | Lambda calls | calls / {DEFAULT_RATE} s | s / (calls / {DEFAULT_RATE}) | CloudWatch calls "
        "| SQS calls | requests throttled | bystander refused |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in rows:
        bound = run["useful"] / DEFAULT_RATE
        services = run["by_service"]
        lines.append(
            f"| {label} | {run['seconds']:.1f} | {run['useful']} | {bound:.1f} | {run['seconds'] / bound:.2f} | "
            f"{services.get('monitoring', 0)} | {services.get('sqs', 0)} | {run['throttled']} of {run['requests']} | "
            f"{run['bystander_refused']} of {run['bystander']} |"
        )
    lines += [
        "",
        "When each kind of call was sent (seconds from the playbook's start; throttled attempts included):",
        "",
    ]
    for label, run in rows:
        spans = sorted(run["spans"].items(), key=lambda item: item[1][1])
        parts = [f"{operation} x{count} {first:.1f}-{last:.1f}" for operation, (count, first, last) in spans]
        lines.append(f"- {label}: {', '.join(parts)}; the playbook ended at {run['seconds']:.1f}.")
    return lines
