#!/usr/bin/env bash
# `make bench`: API calls per operation, per-task time against peers, and scale, written
# to docs/benchmarks.md. LocalStack and the recording proxy run on loopback and are
# stopped afterwards. BENCH_REPEATS, BENCH_SCALES and BENCH_FORKS change the sizes.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROXY_PID=
stop_all() {
    if [ -n "$PROXY_PID" ]; then
        kill "$PROXY_PID" 2>/dev/null || true
    fi
    stop_localstack
}
trap stop_all EXIT
trap 'exit 130' INT TERM

main() {
    prepare_core "$DEFAULT_CORE"
    ensure_venv "${WORK}/venv-awscli" 3.11 "${REQS}/awscli.txt"
    start_localstack
    local port_file="${WORK}/bench-proxy.port"
    rm -f "$port_file"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/aws_proxy.py" "$LOCALSTACK_URL" "$port_file" &
    PROXY_PID=$!
    local i
    for i in $(seq 1 50); do
        [ -s "$port_file" ] && break
        sleep 0.1
    done
    log "recording proxy on 127.0.0.1:$(cat "$port_file") (pid ${PROXY_PID})"
    rm -rf "${WORK}/bench"
    HOME="$TEST_HOME" "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/bench/bench.py" "$LOCALSTACK_URL" \
        "http://127.0.0.1:$(cat "$port_file")" "$COLLECTIONS" "${WORK}/venv-awscli/bin/aws" "${WORK}/bench" \
        "${REPO_ROOT}/docs/benchmarks.md"
}

main "$@"
