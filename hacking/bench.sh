#!/usr/bin/env bash
# `make bench` (tox.ini's label bench; hacking/stage.sh sources this file in its env): API calls
# per operation, per-task time against peers, and scale, written to the docsite's benchmarks page
# (docs/docsite/rst/guide_benchmarks.rst).
# LocalStack and the recording proxy run on loopback and are stopped afterwards.
# BENCH_REPEATS, BENCH_SCALES, BENCH_FORKS, BENCH_FLEET, BENCH_AUDIT_FUNCTIONS, BENCH_QUOTA_VARIANTS,
# BENCH_ACCOUNTS, BENCH_ACCOUNT_FUNCTIONS and BENCH_ACCOUNT_REPEATS change the sizes (hacking/bench/settings.py);
# BENCH_SECTIONS runs some sections alone.

stage_bench() {
    trap stop_servers EXIT
    trap 'exit 130' INT TERM
    ensure_venv "${WORK}/venv-awscli" 3.11 "${REQS}/awscli.txt" || return 1
    start_localstack || return 1
    # The same recording proxy the fault tests use; here it only counts calls.
    start_fault_proxy || return 1
    rm -rf "${WORK}/bench"
    # The per-task section runs on the newest amazon.aws too (tox.ini's [amazon_aws]), beside this one.
    local newest="${WORK}/bench-newest-amazon-aws"
    COLLECTIONS="$newest" ANSIBLE_WHEEL_VERSION="$NEWEST_ANSIBLE_WHEEL_VERSION" \
        AMAZON_AWS_VERSION="$NEWEST_AMAZON_AWS_VERSION" ensure_amazon_aws || return 1
    mkdir -p "${newest}/ansible_collections/serverless"
    ln -sfn "$COLLECTION_DIR" "${newest}/ansible_collections/serverless/aws_lambda"
    # PYTHONPATH: the fixtures it shares with the demo and the AWX check (hacking/lambda_fixtures.py).
    HOME="$TEST_HOME" PYTHONPATH="${REPO_ROOT}/hacking" BENCH_EMULATOR_PIDS="${LOCALSTACK_PID} ${FAULT_PROXY_PID}" \
        "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/bench/bench.py" "$LOCALSTACK_URL" \
        "$FAULT_PROXY_URL" "$COLLECTIONS" "${WORK}/venv-awscli/bin/aws" "${WORK}/bench" \
        "${REPO_ROOT}/docs/docsite/rst/guide_benchmarks.rst" "$newest"
}
