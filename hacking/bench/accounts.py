# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 7 of `make bench`: an organization audited by the report playbook, the accounts as inventory
hosts (one host per role of role_arns), each account under its own Lambda quota in the proxy, with AWS-like
latency: one account alone, then every account with forks at their number and at 1 (one account after
the other, as the playbook's loop over role_arns did before the accounts were hosts)."""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from settings import ACCOUNT_FUNCTIONS
from settings import ACCOUNTS
from settings import FLEET_LATENCY
from settings import QUOTA
from settings import REGION


def account_ids():
    return [f"7700000000{index:02d}" for index in range(ACCOUNTS)]


def setup(bench):
    """ACCOUNT_FUNCTIONS functions in each account, the accounts side by side (straight to LocalStack)."""

    def fill(account):
        lam = aws_client("lambda", bench.localstack, REGION, access_key=account)
        role = f"arn:aws:iam::{account}:role/bench-exec"  # LocalStack does not check that it exists
        for index in range(ACCOUNT_FUNCTIONS):
            try:
                create_echo_function(lam, f"org-{index}", role)
            except lam.exceptions.ResourceConflictException:
                pass  # a run before this one made it

    with ThreadPoolExecutor(max_workers=ACCOUNTS) as pool:
        list(pool.map(fill, account_ids()))


def run(bench, accounts, forks):
    """(seconds, Lambda calls AWS answered, calls throttled) of the report playbook on accounts."""
    bench.proxy_control("/__proxy/reset", [])
    report_dir = os.path.join(bench.workdir, f"accounts-{len(accounts)}-{forks}")
    os.makedirs(report_dir, exist_ok=True)
    extra = {
        "role_arns": [f"arn:aws:iam::{account}:role/failed-events-audit" for account in accounts],
        "regions": [REGION],
        "report_dir": report_dir,
    }
    command = ["ansible-playbook", "--forks", str(forks), "serverless.aws_lambda.audit_failed_events"]
    command += ["-e", json.dumps(extra)]
    env = bench.env(
        AWS_URL=bench.proxy, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="bench-secret", AWS_REGION=REGION
    )
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("the accounts benchmark's playbook failed")
    with open(os.path.join(report_dir, "failed-events-audit.json")) as handle:
        report = json.load(handle)
    # Not a timing: it checks that what was timed is every account's whole audit.
    audited = sorted(account["account"] for account in report["accounts"] if not account["error"])
    if audited != sorted(accounts) or len(report["findings"]) != len(accounts) * ACCOUNT_FUNCTIONS:
        raise SystemExit(f"the accounts benchmark audited {audited}, {len(report['findings'])} findings")
    calls = [call for call in bench.proxy_control("/__proxy/calls") if call["counted"]]
    return seconds, sum(1 for call in calls if not call["throttled"]), sum(1 for call in calls if call["throttled"])


def measure(bench):
    setup(bench)
    accounts = account_ids()
    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    bench.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
    try:
        return [
            ("one account", 1, 1, run(bench, accounts[:1], 1)),
            (f"{ACCOUNTS} accounts, forks {ACCOUNTS}", ACCOUNTS, ACCOUNTS, run(bench, accounts, ACCOUNTS)),
            (f"{ACCOUNTS} accounts, forks 1 (as the loop over role_arns)", ACCOUNTS, 1, run(bench, accounts, 1)),
        ]
    finally:
        bench.proxy_control("/__proxy/quota", {"rate": 0})
        bench.proxy_control("/__proxy/latency", {"seconds": 0})


def report(rows):
    one = rows[0][3][0]
    lines = [
        "",
        f"## An organization: {ACCOUNTS} accounts of {ACCOUNT_FUNCTIONS} functions, audited by the report playbook",
        "",
        "`serverless.aws_lambda.audit_failed_events` with `role_arns`: each role is a host of `aws_accounts`, its",
        f"account audited on that host. The proxy adds {FLEET_LATENCY * 1000:.0f} ms to every call and gives each",
        f"account (each access key) AWS's quota of {QUOTA} Lambda requests per second. The playbook's time includes",
        "assuming each role and writing the report; each run checks that every account's every function was judged.",
        "",
        "| run | accounts | forks | s | s / one account's | Lambda calls answered | throttled |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, forks, (seconds, answered, throttled) in rows:
        lines.append(
            f"| {label} | {count} | {forks} | {seconds:.1f} | {seconds / one:.2f} | {answered} | {throttled} |"
        )
    return lines
