# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 1 of `make bench`: the API calls of each operation, counted by the proxy."""


def measure(bench):
    """[(label, [operation of each call])] of each operation, one playbook each."""
    eic = "serverless.aws_lambda.lambda_event_invoke_config"
    scenarios = [
        # No config yet: check mode also reads the function, to fail as the real run would if it is missing.
        (
            "check mode, create (no config yet)",
            eic,
            {"function_name": "bench-fn", "maximum_retry_attempts": 1},
            True,
        ),
        ("create (present, no config yet)", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 1}, False),
        ("no-op present", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 1}, False),
        ("update", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 0}, False),
        ("check mode, a change", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 2}, True),
        ("check mode, no change", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 0}, True),
        (
            "update with validate_destinations (SQS)",
            eic,
            {
                "function_name": "bench-fn",
                "validate_destinations": True,
                "destination_config": {"on_failure": {"destination": bench.queue_arn()}},
            },
            False,
        ),
        ("delete (absent)", eic, {"function_name": "bench-fn", "state": "absent"}, False),
        ("no-op absent", eic, {"function_name": "bench-fn", "state": "absent"}, False),
        (
            "info, function with 1 config",
            "serverless.aws_lambda.lambda_event_invoke_config_info",
            {"function_name": "bench-one"},
            False,
        ),
        (
            "info, function with 120 configs",
            "serverless.aws_lambda.lambda_event_invoke_config_info",
            {"function_name": "bench-many"},
            False,
        ),
        (
            "info, one qualifier",
            "serverless.aws_lambda.lambda_event_invoke_config_info",
            {"function_name": "bench-many:a7"},
            False,
        ),
    ]
    rows = []
    for label, module, args, check in scenarios:
        bench.proxy_control("/__proxy/reset", [])
        bench.play("api-calls", [{"name": label, module: args, "check_mode": check}])
        calls = [call["operation"] for call in bench.proxy_control("/__proxy/calls")]
        rows.append((label, calls))
    return rows


def report(rows):
    lines = [
        "",
        "## API calls per operation",
        "",
        "The floor is one read for a no-op and one read plus one write for a change. Terraform's",
        "refresh-plan-apply spends a read, a write and a read after the write for a change.",
        "Where no config exists yet, check mode also reads the function (GetFunction): AWS answers",
        '"not found" alike for a missing function, alias and config, and the dry run must fail as the',
        "real run would. The real run makes that read only after a refused write.",
        "",
        "| operation | calls | which |",
        "|---|---:|---|",
    ]
    for label, ops in rows:
        summary = ", ".join(f"{op} x{ops.count(op)}" if ops.count(op) > 1 else op for op in dict.fromkeys(ops))
        lines.append(f"| {label} | {len(ops)} | {summary} |")
    return lines
