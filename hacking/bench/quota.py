# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 5 of `make bench`: the fleet and the audit under AWS's quota, another tool of the account at work."""

from settings import BYSTANDER_PERIOD
from settings import FLEET_LATENCY
from settings import FLEET_SIZE
from settings import QUOTA
from settings import QUOTA_VARIANTS


def measure(bench):
    count = FLEET_SIZE
    names, settings = bench.fleet_workload()
    eic = "serverless.aws_lambda.lambda_event_invoke_config"

    def bulk(extra):
        return [{"name": "all functions", eic: dict(settings, configs=[{"function_name": n} for n in names], **extra)}]

    def audit(extra):
        return [{"name": "audit", "serverless.aws_lambda.lambda_failure_handling_info": dict(extra)}]

    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    bench.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
    rows = []
    try:
        for label, extra in QUOTA_VARIANTS:
            bench.delete_scale_configs(count)
            rows.append((label, f"configs: {count} new configs", bench.quota_run("quota-first", bulk(extra))))
            rows.append((label, "configs: rerun (no-op)", bench.quota_run("quota-again", bulk(extra))))
            check = dict(extra, maximum_retry_attempts=2)
            rows.append((label, "configs: check mode", bench.quota_run("quota-check", bulk(check), check=True)))
            exact = bench.fleet_exact(count)
            rows.append(
                (
                    label,
                    f"audit of {len(bench.function_names())} functions",
                    bench.quota_run("quota-audit", audit(extra)),
                )
            )
            rows.append((label, "exact", exact))
    finally:
        bench.proxy_control("/__proxy/quota", {"rate": 0})
        bench.proxy_control("/__proxy/latency", {"seconds": 0})
    return count, rows


def report(quota):
    count, rows = quota
    lines = [
        "",
        f"## The fleet under AWS's quota ({QUOTA} requests per second), with another tool at work",
        "",
        f"AWS Lambda allows {QUOTA} control-plane requests per second per account and region, shared by every",
        "client of the account and not raisable (GetFunction has its own quota). The proxy adds",
        f"{FLEET_LATENCY * 1000:.0f} ms to every call and answers beyond a token bucket of {QUOTA} per second (burst {QUOTA})",
        "as AWS does (429 TooManyRequestsException, 'Rate exceeded'). Meanwhile a bystander of the same account",
        f"(a deploy pipeline, the console) reads one config every {BYSTANDER_PERIOD:.0f} s without retries. The floor is the",
        f"task's useful calls (the ones AWS answered) / {QUOTA} per second: no client can be faster on AWS.",
        "",
        "| options | task | s | floor s | time / floor | requests throttled | bystander refused |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    exact = {}
    for label, task, run in rows:
        if task == "exact":
            exact[label] = run
            continue
        lines.append(
            f"| {label} | {task} | {run['seconds']:.1f} | {run['floor']:.1f} | {run['seconds'] / run['floor']:.2f} | "
            f"{run['throttled']} of {run['requests']} ({100 * run['throttled'] / max(run['requests'], 1):.0f}%) | "
            f"{run['bystander_refused']} of {run['bystander']} |"
        )
    lines.append("")
    for label, held in exact.items():
        lines.append(
            f"- {label}: after the first apply, {held} of {count} configs read back with boto3 hold exactly the settings written."
        )
    return lines
