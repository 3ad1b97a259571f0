# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 7 of `make bench`: an organization audited by the report playbook, the accounts as inventory
hosts (one host per role of role_arns), each account under its own Lambda quota in the proxy, with AWS-like
latency: one account alone, then every account with forks at their number and at 1 (one account after
the other, as the playbook's loop over role_arns did before the accounts were hosts)."""

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from settings import ACCOUNT_FUNCTIONS
from settings import ACCOUNTS
from settings import DEFAULT_RATE
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


def cpu_times():
    """(busy, total) jiffies of the machine's CPUs (/proc/stat), or None where there is none."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(field) for field in handle.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def run(bench, accounts, forks):
    """(seconds, Lambda calls AWS answered, calls throttled, the machine's CPU busy share) of the report
    playbook on accounts. The emulator, the proxy and the controller share this machine's CPUs, where on AWS
    only the controller's work would be."""
    bench.proxy_control("/__proxy/reset", [])
    name = f"accounts-{len(accounts)}-{forks}"
    report_dir = os.path.join(bench.workdir, name)
    os.makedirs(report_dir, exist_ok=True)
    extra = {
        "role_arns": [f"arn:aws:iam::{account}:role/failed-events-audit" for account in accounts],
        "regions": [REGION],
        "report_dir": report_dir,
    }
    arguments = ["--forks", str(forks), "serverless.aws_lambda.audit_failed_events", "-e", json.dumps(extra)]
    times_file = os.path.join(report_dir, "times.jsonl")
    before, started_at = cpu_times(), time.time()
    seconds = bench.run_playbook(
        name,
        arguments,
        times_file=times_file,
        AWS_URL=bench.proxy,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="bench-secret",
        AWS_REGION=REGION,
    )
    after = cpu_times()
    busy = (after[0] - before[0]) / max(after[1] - before[1], 1) if before and after else None
    with open(os.path.join(report_dir, "failed-events-audit.json")) as handle:
        report = json.load(handle)
    # Not a timing: it checks that what was timed is every account's whole audit.
    audited = sorted(account["account"] for account in report["accounts"] if not account["error"])
    if audited != sorted(accounts) or len(report["findings"]) != len(accounts) * ACCOUNT_FUNCTIONS:
        raise SystemExit(f"the accounts benchmark audited {audited}, {len(report['findings'])} findings")
    record = bench.proxy_control("/__proxy/calls")
    calls = [call for call in record if call["counted"]]
    throttled = sum(1 for call in calls if call["throttled"])
    metrics = sorted(call["upstream"] for call in record if call["operation"] == "GetMetricData" and "upstream" in call)
    with open(times_file) as handle:
        records = [json.loads(line) for line in handle]
    # When the last account's audit ended: the rest is the report, written once on the controller.
    audited_at = max(record["end"] for record in records if record["task"] == "Audit the regions of the account")
    # Each account's Lambda calls, from its first to its last: what its quota lets the audit take at least.
    spans = {}
    for call in calls:
        first, last = spans.get(call["key"], (call["at"], call["at"]))
        spans[call["key"]] = (min(first, call["at"]), max(last, call["at"]))
    lambda_span = sum(last - first for first, last in spans.values()) / max(len(spans), 1)
    metric_median = metrics[len(metrics) // 2] if metrics else 0.0
    return (
        seconds,
        len(calls) - throttled,
        throttled,
        busy,
        audited_at - started_at,
        lambda_span,
        len(metrics),
        metric_median,
    )


def capacity(bench, seconds=10.0):
    """Lambda requests per second LocalStack itself answers on this machine to one client per account at once,
    straight (no proxy, no quota): what the emulator can serve to ACCOUNTS accounts at their quotas."""
    deadline = time.perf_counter() + seconds

    def read(account):
        lam = aws_client("lambda", bench.localstack, REGION, access_key=account)
        count = 0
        while time.perf_counter() < deadline:
            lam.list_function_event_invoke_configs(FunctionName="org-0")
            count += 1
        return count

    with ThreadPoolExecutor(max_workers=ACCOUNTS) as pool:
        return sum(pool.map(read, account_ids())) / seconds


def measure(bench):
    setup(bench)
    accounts = account_ids()
    served = capacity(bench)
    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    bench.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
    try:
        return served, [
            ("one account", 1, 1, run(bench, accounts[:1], 1)),
            (f"{ACCOUNTS} accounts, forks {ACCOUNTS}", ACCOUNTS, ACCOUNTS, run(bench, accounts, ACCOUNTS)),
            (f"{ACCOUNTS} accounts, forks 1 (as the loop over role_arns)", ACCOUNTS, 1, run(bench, accounts, 1)),
        ]
    finally:
        bench.proxy_control("/__proxy/quota", {"rate": 0})
        bench.proxy_control("/__proxy/latency", {"seconds": 0})


def report(measured):
    served, rows = measured
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
        f"The machine's CPUs ({os.cpu_count()}) run the emulator and the proxy too: their busy share says when the",
        f"machine, not the quota, set the time. Straight, with {ACCOUNTS} clients at once (one per account), LocalStack",
        f"answered {served:.0f} Lambda requests per second here; {ACCOUNTS} accounts at the module's default",
        f"{DEFAULT_RATE} per second ask for {ACCOUNTS * DEFAULT_RATE}.",
        "",
        "| run | accounts | forks | s | s / one account's | audits done at s | report s | Lambda calls answered "
        "| throttled | an account's Lambda calls span s | GetMetricData calls (LocalStack's median s) "
        "| machine CPU busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, forks, (seconds, answered, throttled, busy, audited, span, metrics, median) in rows:
        share = f"{100 * busy:.0f}%" if busy is not None else "-"
        lines.append(
            f"| {label} | {count} | {forks} | {seconds:.1f} | {seconds / one:.2f} | {audited:.1f} | "
            f"{seconds - audited:.1f} | {answered} | {throttled} | {span:.1f} | {metrics} ({median:.2f}) | {share} |"
        )
    lines += [
        "",
        "An account's Lambda calls span (first to last, the mean of the accounts) is what its quota lets its audit",
        f"take at least: {ACCOUNT_FUNCTIONS * 2} calls at {DEFAULT_RATE} a second. The rest of the playbook's time is",
        "starting each account's modules (assume, audit) and the report, which the accounts share the CPUs for.",
    ]
    return lines
