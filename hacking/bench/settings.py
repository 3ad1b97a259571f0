# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The benchmark's sizes and the figures it models (AWS's quota, the module's default rate); BENCH_*
variables change the sizes."""

import json
import os

REGION = "us-east-1"
ACCOUNT = "000000000000"
HERE = os.path.dirname(os.path.abspath(__file__))
REPEATS = int(os.environ.get("BENCH_REPEATS", "25"))
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "1 10 100 300").split()]
FORKS = int(os.environ.get("BENCH_FORKS", "10"))
FLEET_SIZE = int(os.environ.get("BENCH_FLEET", "300"))
FLEET_LATENCY = 0.05  # seconds the proxy adds to every call in the fleet section
OURS = "ours: no-op lambda_event_invoke_config"
FLOOR = "floor: AnsibleAWSModule making one Get"
QUOTA = 15  # AWS Lambda's control-plane requests per second, per account and region
DEFAULT_RATE = 13  # the modules' default max_requests_per_second (plugins/module_utils/_aws/module.py)
BYSTANDER_PERIOD = 1.0  # another tool of the account reads one config a second, without retries
# The module options measured under the quota: (label, extra options), given as LABEL=JSON lines.
QUOTA_VARIANTS = [
    (label, json.loads(options))
    for label, options in (
        line.split("=", 1)
        for line in os.environ.get(
            "BENCH_QUOTA_VARIANTS",
            f"default (max_requests_per_second {DEFAULT_RATE})={{}}\n"
            f'max_requests_per_second {QUOTA}={{"max_requests_per_second": {QUOTA}}}',
        ).splitlines()
    )
]
# The audit section's region, holding its fleet and nothing else: AUDIT_FUNCTIONS functions with the
# aliases AUDIT_ALIASES each (a config on one live alias in three), and AUDIT_QUEUES SQS queues with two
# disabled mappings each (one queue in two with a redrive policy).
AUDIT_REGION = "us-west-2"
AUDIT_FUNCTIONS = int(os.environ.get("BENCH_AUDIT_FUNCTIONS", "300"))
AUDIT_ALIASES = ("live", "previous")
AUDIT_QUEUES = 5
# The accounts section: ACCOUNTS accounts (LocalStack's, of 12-digit access keys) of ACCOUNT_FUNCTIONS
# functions each, audited by the report playbook with the accounts as inventory hosts.
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "8"))
ACCOUNT_FUNCTIONS = int(os.environ.get("BENCH_ACCOUNT_FUNCTIONS", "100"))
# The PIDs of LocalStack and the proxy (hacking/bench.sh): the accounts section tells their CPU from the controller's.
EMULATOR_PIDS = [int(pid) for pid in os.environ.get("BENCH_EMULATOR_PIDS", "").split()]
ACCOUNT_REPEATS = int(os.environ.get("BENCH_ACCOUNT_REPEATS", "3"))  # one account, then all, this many times
# BENCH_SECTIONS="quota" (or "fleet", "times", "audit", "accounts", or several) runs only those sections, after
# the setup, and prints their tables without writing the docsite's page; the others run only all together.
ALL_SECTIONS = ("calls", "times", "scale", "fleet", "quota", "audit", "accounts")
SECTIONS = os.environ.get("BENCH_SECTIONS", " ".join(ALL_SECTIONS)).split()
