# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Section 7 of `make bench`: an organization audited by the report playbook, the accounts as inventory
hosts (one host per role of role_arns), each account under its own Lambda quota in the proxy, with AWS-like
latency: one account alone, then every account with forks at their number and at 1 (one account after
the other, as the playbook's loop over role_arns did before the accounts were hosts)."""

import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from settings import ACCOUNT_FUNCTIONS
from settings import ACCOUNT_REPEATS
from settings import ACCOUNTS
from settings import DEFAULT_RATE
from settings import EMULATOR_PIDS
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
    """(busy, total) seconds of the machine's CPUs (/proc/stat), or None where there is none."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(field) for field in handle.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def emulator_cpu():
    """CPU seconds LocalStack and the proxy (EMULATOR_PIDS) have used, or None where that is unknown."""
    total = 0.0
    for pid in EMULATOR_PIDS:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += sum(int(field) for field in fields[11:15])  # utime, stime, and their waited-for children's
    return total / os.sysconf("SC_CLK_TCK") if EMULATOR_PIDS else None


def run(bench, accounts, forks):
    """One run of the report playbook on accounts: {seconds, answered (Lambda calls), throttled, audited (s from
    the start when the last account's audit ended), span (an account's Lambda calls, first to last, the mean),
    metrics (GetMetricData calls), metrics_median (s LocalStack took for one), busy (the machine's CPU busy
    share), cpu (CPU s of the machine), emulator_cpu (of LocalStack and the proxy)}. The emulator, the proxy
    and the controller share this machine's CPUs, where on AWS only the controller's work would be."""
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
    before, emulator_before, started_at = cpu_times(), emulator_cpu(), time.time()
    seconds = bench.run_playbook(
        name,
        arguments,
        times_file=times_file,
        AWS_URL=bench.proxy,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="bench-secret",
        AWS_REGION=REGION,
    )
    after, emulator_after = cpu_times(), emulator_cpu()
    with open(os.path.join(report_dir, "failed-events-audit.json")) as handle:
        report = json.load(handle)
    # Not a timing: it checks that what was timed is every account's whole audit.
    audited = sorted(account["account"] for account in report["accounts"] if not account["error"])
    if audited != sorted(accounts) or len(report["findings"]) != len(accounts) * ACCOUNT_FUNCTIONS:
        raise SystemExit(f"the accounts benchmark audited {audited}, {len(report['findings'])} findings")
    proxied = bench.proxy_control("/__proxy/calls")
    calls = [call for call in proxied if call["counted"]]
    throttled = sum(1 for call in calls if call["throttled"])
    metrics = [call["upstream"] for call in proxied if call["operation"] == "GetMetricData" and "upstream" in call]
    with open(times_file) as handle:
        records = [json.loads(line) for line in handle]
    # When the last account's audit ended: the rest is the report, written once on the controller.
    audited_at = max(record["end"] for record in records if record["task"] == "Audit the regions of the account")
    # Each account's Lambda calls, from its first to its last: what its quota lets the audit take at least.
    spans = {}
    for call in calls:
        first, last = spans.get(call["key"], (call["at"], call["at"]))
        spans[call["key"]] = (min(first, call["at"]), max(last, call["at"]))
    return {
        "seconds": seconds,
        "answered": len(calls) - throttled,
        "throttled": throttled,
        "audited": audited_at - started_at,
        "span": sum(last - first for first, last in spans.values()) / max(len(spans), 1),
        "metrics": len(metrics),
        "metrics_median": statistics.median_high(metrics) if metrics else 0.0,
        "busy": (after[0] - before[0]) / max(after[1] - before[1], 1e-9) if before and after else None,
        "cpu": after[0] - before[0] if before and after else None,
        "emulator_cpu": emulator_after - emulator_before if emulator_before is not None else None,
    }


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


def median_run(runs):
    """The run of the median time (the lower of the two middle ones when there are an even number)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


def measure(bench):
    """(LocalStack's capacity, the rows, [(one account's s, every account's s)] of each pair of runs). One
    account and every account at forks ACCOUNTS run in turn ACCOUNT_REPEATS times (the emulator's state and
    the machine drift between runs: each pair's ratio is of neighbours); the rows give each one's median run."""
    setup(bench)
    accounts = account_ids()
    served = capacity(bench)
    bench.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
    bench.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
    try:
        pairs = [(run(bench, accounts[:1], 1), run(bench, accounts, ACCOUNTS)) for dummy in range(ACCOUNT_REPEATS)]
        rows = [
            ("one account", 1, 1, median_run([one for one, dummy in pairs])),
            (f"{ACCOUNTS} accounts, forks {ACCOUNTS}", ACCOUNTS, ACCOUNTS, median_run([many for dummy, many in pairs])),
            (f"{ACCOUNTS} accounts, forks 1 (as the loop over role_arns)", ACCOUNTS, 1, run(bench, accounts, 1)),
        ]
        return served, rows, [(one["seconds"], many["seconds"]) for one, many in pairs]
    finally:
        bench.proxy_control("/__proxy/quota", {"rate": 0})
        bench.proxy_control("/__proxy/latency", {"seconds": 0})


def report(measured):
    served, rows, pairs = measured
    one = rows[0][3]["seconds"]
    ratios = sorted(many / one_alone for one_alone, many in pairs)
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
        "| machine CPU busy | CPU s: LocalStack and proxy | CPU s: the rest (Ansible, modules) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, forks, run in rows:
        share = f"{100 * run['busy']:.0f}%" if run["busy"] is not None else "-"
        emulator = run["emulator_cpu"]
        split = "- | -" if emulator is None or run["cpu"] is None else f"{emulator:.1f} | {run['cpu'] - emulator:.1f}"
        lines.append(
            f"| {label} | {count} | {forks} | {run['seconds']:.1f} | {run['seconds'] / one:.2f} | {run['audited']:.1f} | "
            f"{run['seconds'] - run['audited']:.1f} | {run['answered']} | {run['throttled']} | {run['span']:.1f} | "
            f"{run['metrics']} ({run['metrics_median']:.2f}) | {share} | {split} |"
        )
    lines += [
        "",
        f"One account and {ACCOUNTS} accounts at forks {ACCOUNTS} ran in turn {len(pairs)} times; the rows are the median",
        f"runs. One account: {', '.join(f'{one_alone:.1f}' for one_alone, dummy in pairs)} s; {ACCOUNTS} accounts: "
        f"{', '.join(f'{many:.1f}' for dummy, many in pairs)} s; each pair's ratio {ratios[0]:.2f}x to {ratios[-1]:.2f}x "
        f"(median {statistics.median_low(ratios):.2f}x).",
        "",
        "An account's Lambda calls span (first to last, the mean of the accounts) is what its quota lets its audit",
        f"take at least: {ACCOUNT_FUNCTIONS * 2} calls at {DEFAULT_RATE} a second. The rest of the playbook's time is",
        "starting each account's modules (assume, audit) and the report, which the accounts share the CPUs for.",
    ]
    alone, together = rows[0][3], rows[1][3]
    if None not in (alone["emulator_cpu"], alone["cpu"], together["emulator_cpu"], together["cpu"]):
        rest_alone = alone["cpu"] - alone["emulator_cpu"]
        rest_together = together["cpu"] - together["emulator_cpu"]
        lines += [
            "",
            f"Ansible and the modules took {rest_alone:.1f} CPU s for one account and {rest_together:.1f} for {ACCOUNTS}:",
            f"{(rest_together - rest_alone) / max(ACCOUNTS - 1, 1):.1f} s for each account more; LocalStack and the proxy",
            f"{together['emulator_cpu']:.1f} s of the {together['cpu']:.1f} the machine's CPUs worked in the run of {ACCOUNTS}.",
        ]
    return lines
