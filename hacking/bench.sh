#!/usr/bin/env bash
# `make bench`: API calls per operation, per-task time against peers, and scale, written
# to docs/benchmarks.md. LocalStack and the recording proxy run on loopback and are
# stopped afterwards. BENCH_REPEATS, BENCH_SCALES and BENCH_FORKS change the sizes.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap stop_servers EXIT
trap 'exit 130' INT TERM

main() {
    prepare_core "$DEFAULT_CORE"
    ensure_venv "${WORK}/venv-awscli" 3.11 "${REQS}/awscli.txt"
    start_localstack
    # The same recording proxy the fault tests use; here it only counts calls.
    start_fault_proxy
    rm -rf "${WORK}/bench"
    HOME="$TEST_HOME" "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/bench/bench.py" "$LOCALSTACK_URL" \
        "$FAULT_PROXY_URL" "$COLLECTIONS" "${WORK}/venv-awscli/bin/aws" "${WORK}/bench" \
        "${REPO_ROOT}/docs/benchmarks.md"
}

main "$@"
