# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 4 of `make bench`: many configs in one task, and every config of a region listed, with AWS-like
latency added by the proxy."""

from settings import DEFAULT_RATE
from settings import FLEET_LATENCY
from settings import FLEET_SIZE


def measure(bench):
    count = FLEET_SIZE
    names, settings = bench.fleet_workload()
    eic = "serverless.aws_lambda.lambda_event_invoke_config"

    def loop(extra):
        return [{"name": "each function", eic: dict(settings, function_name="{{ item }}", **extra), "loop": names}]

    def bulk(extra, concurrency=None):
        args = dict(settings, configs=[{"function_name": name} for name in names], **extra)
        if concurrency:
            args["max_concurrency"] = concurrency
        return [{"name": "all functions", eic: args}]

    methods = [
        ("a loop of the module", loop),
        ("configs, max_concurrency=1", lambda extra: bulk(extra, 1)),
        ("configs, max_concurrency=10 (default)", bulk),
    ]
    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    rows = []
    try:
        for label, tasks in methods:
            bench.delete_scale_configs(count)
            first = bench.timed_calls("fleet-first", tasks({}))
            again = bench.timed_calls("fleet-again", tasks({}))
            check = bench.timed_calls("fleet-check", tasks({"maximum_retry_attempts": 2}), check=True)
            rows.append((label, first, again, check))
        exact = bench.fleet_exact(count)
        audit = [
            (
                "a loop of the info module (one function each)",
                bench.timed_calls(
                    "audit-loop",
                    [
                        {
                            "name": "each function",
                            "serverless.aws_lambda.lambda_event_invoke_config_info": {"function_name": "{{ item }}"},
                            "loop": bench.function_names(),
                        }
                    ],
                ),
            ),
            (
                "the info module without function_name, max_concurrency=1",
                bench.timed_calls(
                    "audit-1",
                    [
                        {
                            "name": "audit",
                            "serverless.aws_lambda.lambda_event_invoke_config_info": {"max_concurrency": 1},
                        }
                    ],
                ),
            ),
            (
                "the info module without function_name (default, 10)",
                bench.timed_calls(
                    "audit", [{"name": "audit", "serverless.aws_lambda.lambda_event_invoke_config_info": {}}]
                ),
            ),
        ]
    finally:
        bench.proxy_control("/__proxy/latency", {"seconds": 0})
    return count, rows, audit, exact, len(bench.function_names())


def report(fleet):
    count, rows, audit, exact, functions = fleet
    lines = [
        "",
        f"## Fleet: {count} configs in one task, and the audit of a region",
        "",
        f"Through the recording proxy with {FLEET_LATENCY * 1000:.0f} ms added to every call (AWS answers in 30-100 ms,",
        "LocalStack in about 5, which would hide whether the work is concurrent); the proxy enforces no quota.",
        f"The module's own cap (max_requests_per_second, {DEFAULT_RATE} per second by default) still holds, so a `configs`",
        f"task takes at least its calls / {DEFAULT_RATE} s ({2 * count} calls: {2 * count / DEFAULT_RATE:.0f} s) "
        "whatever its max_concurrency;",
        "a loop, one module run per config, is slower than the cap. The next section measures them against",
        f"AWS's quota with another tool at work. Each method starts from no configs; the first apply writes {count}",
        "(retry 1, a failure queue), the rerun changes nothing, check mode predicts a change of every config and",
        "writes nothing.",
        "",
        "| method | first apply s | s per config | rerun (no-op) s | check mode s | calls per config (apply / rerun / check) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, first, again, check in rows:
        lines.append(
            f"| {label} | {first[0]:.1f} | {first[0] / count:.3f} | {again[0]:.1f} | {check[0]:.1f} | "
            f"{first[1] / count:.2f} / {again[1] / count:.2f} / {check[1] / count:.2f} |"
        )
    lines += [
        "",
        f"After the last apply, {exact} of {count} configs read back with boto3 hold exactly the settings written.",
        "",
        f"Every config of the region ({functions} functions, more than one page of ListFunctions):",
        "",
        "| method | s | calls |",
        "|---|---:|---:|",
    ]
    for label, (seconds, calls) in audit:
        lines.append(f"| {label} | {seconds:.1f} | {calls} |")
    return lines
