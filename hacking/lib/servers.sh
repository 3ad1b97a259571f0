#!/usr/bin/env bash
# The servers on loopback: LocalStack and the recording, fault-injecting proxy, each started on a free
# port and stopped by its PID.
# Sourced by hacking/lib.sh; shellcheck sees its variables there.
# shellcheck disable=SC2034

ensure_localstack_venv() {
    ensure_venv "$LOCALSTACK_VENV" 3.13 "${REQS}/localstack-py313.txt" || return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_localstack: starts LocalStack on a free loopback port; sets LOCALSTACK_PID and
# LOCALSTACK_URL. The caller must call stop_localstack (a trap does it).
start_localstack() {
    ensure_localstack_venv || return 1
    local port volume
    port=$(free_port)
    volume="${WORK}/localstack-${port}"
    rm -rf "$volume"
    mkdir -p "$volume"
    log "starting LocalStack on 127.0.0.1:${port}"
    GATEWAY_LISTEN="127.0.0.1:${port}" LOCALSTACK_VOLUME_DIR="$volume" DISABLE_EVENTS=1 \
        SKIP_SSL_CERT_DOWNLOAD=1 DNS_ADDRESS=0 LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT=1 \
        "${LOCALSTACK_VENV}/bin/python" -m localstack.runtime.main >"${volume}.log" 2>&1 &
    LOCALSTACK_PID=$!
    LOCALSTACK_URL="http://127.0.0.1:${port}"
    local i
    for i in $(seq 1 120); do
        if curl -fsS "${LOCALSTACK_URL}/_localstack/health" >/dev/null 2>&1; then
            log "LocalStack ready (pid ${LOCALSTACK_PID}) after ${i} tries"
            return 0
        fi
        if ! kill -0 "$LOCALSTACK_PID" 2>/dev/null; then
            tail -n 40 "${volume}.log" >&2
            echo "LocalStack exited during start" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "LocalStack did not answer on ${LOCALSTACK_URL}" >&2
    tail -n 40 "${volume}.log" >&2
    return 1
}

stop_localstack() {
    if [ -n "${LOCALSTACK_PID:-}" ] && kill -0 "$LOCALSTACK_PID" 2>/dev/null; then
        log "stopping LocalStack (pid ${LOCALSTACK_PID})"
        kill "$LOCALSTACK_PID" 2>/dev/null || true
        local i
        for i in $(seq 1 20); do
            kill -0 "$LOCALSTACK_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$LOCALSTACK_PID" 2>/dev/null || true
    fi
    LOCALSTACK_PID=
}

# start_fault_proxy: the recording, fault-injecting proxy in front of LocalStack (for the
# fault tests); sets FAULT_PROXY_PID and FAULT_PROXY_URL. stop_fault_proxy stops it.
start_fault_proxy() {
    local port_file="${STAGE_TMP}/fault-proxy.port"
    rm -f "$port_file"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/aws_proxy.py" "$LOCALSTACK_URL" "$port_file" &
    FAULT_PROXY_PID=$!
    local i
    for i in $(seq 1 50); do
        [ -s "$port_file" ] && break
        sleep 0.1
    done
    [ -s "$port_file" ] || { echo "the fault proxy did not start" >&2; return 1; }
    FAULT_PROXY_URL="http://127.0.0.1:$(cat "$port_file")"
    log "fault proxy on ${FAULT_PROXY_URL} (pid ${FAULT_PROXY_PID})"
}

stop_fault_proxy() {
    if [ -n "${FAULT_PROXY_PID:-}" ]; then
        log "stopping the fault proxy (pid ${FAULT_PROXY_PID})"
        kill "$FAULT_PROXY_PID" 2>/dev/null || true
    fi
    FAULT_PROXY_PID=
}

stop_servers() {
    stop_fault_proxy
    stop_localstack
}
