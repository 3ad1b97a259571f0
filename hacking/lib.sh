#!/usr/bin/env bash
# Shared setup for `make test`, `make demo` and friends: pinned tool environments,
# amazon.aws from the `ansible` wheel, the collection tree ansible-test needs, and
# LocalStack on loopback. Everything lives under .tmp/ in the repo; nothing is
# installed outside it.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${REPO_ROOT}/.tmp"
REQS="${REPO_ROOT}/hacking/requirements"

LOCALSTACK_VENV="${WORK}/venv-localstack"
TOX_VENV="${WORK}/venv-tox"
UV="${TOX_VENV}/bin/uv"
# uv's cache under .tmp/ with the rest; it never downloads a Python (pyenv's are used).
export UV_CACHE_DIR="${WORK}/uv-cache" UV_PYTHON_DOWNLOADS=never

# The matrix (cores, Pythons, pins, stages) is declared in tox.ini. Inside one of its envs,
# tox_env_context sets from the env: STAGE, CORE, CONTROLLER_VENV, CONTROLLER_PYTHON_VERSION,
# COLLECTION_DIR, STAGE_TMP (COLLECTIONS, TEST_HOME, ANSIBLE_WHEEL_VERSION, AMAZON_AWS_VERSION,
# ANSIBLE_TEST_PIP_VERSION, SANITY_PYTHONS, INTEGRATION_ACCOUNT and INTEGRATION_SCOPE come from tox.ini).
tox_env_context() {
    local env_name=$1
    : "${VIRTUAL_ENV:?run the stages through tox (make test, or bash hacking/tox.sh -e ENV)}"
    STAGE=${env_name%%-*}
    CORE=${env_name##*-}
    : "${ANSIBLE_WHEEL_VERSION:?ansible-core ${CORE} is not in the matrix of tox.ini}"
    CONTROLLER_VENV=$VIRTUAL_ENV
    CONTROLLER_PYTHON_VERSION=$("${CONTROLLER_VENV}/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    COLLECTION_DIR="${COLLECTIONS}/ansible_collections/serverless/aws_lambda"
    STAGE_TMP=$(dirname "$COLLECTIONS") # tox's env_tmp_dir: empty at the start of each run
    mkdir -p "$WORK" "$TEST_HOME" "$STAGE_TMP"
}

log() { printf '==> %s\n' "$*" >&2; }

# with_heartbeat MESSAGE COMMAND...: run COMMAND, saying every 15 s that it is still at
# MESSAGE and for how long, so a long first-time install does not look hung.
with_heartbeat() {
    local message=$1 start=$SECONDS beat rc
    shift
    ( while sleep 15; do printf '    ... %s: %d s so far\n' "$message" $((SECONDS - start)) >&2; done ) &
    beat=$!
    set +e
    "$@"
    rc=$?
    set -e
    kill "$beat" 2>/dev/null
    wait "$beat" 2>/dev/null || true
    return "$rc"
}

find_python() {
    # $1 = X.Y; prefers pyenv's real interpreter over its shims (which break ansible-test).
    local version=$1 candidate
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/"${version}".*/bin/python"${version}"; do
            [ -x "$candidate" ] && { echo "$candidate"; return 0; }
        done
    fi
    candidate=$(command -v "python${version}" || true)
    if [ -n "$candidate" ] && "$candidate" -c 'import sys' >/dev/null 2>&1; then
        echo "$candidate"
        return 0
    fi
    if [ "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$version" ]; then
        command -v python3
        return 0
    fi
    echo "python${version} not found" >&2
    return 1
}

# ensure_venv DIR PYTHON_VERSION REQUIREMENTS_FILE...: create or refresh a venv of a tool that
# no tox env runs (tox itself, LocalStack, the release tools, the AWS CLI), with uv; the stamp
# holds a hash of the requirement files so a change of pins rebuilds it.
ensure_venv() {
    local dir=$1 version=$2 python stamp
    shift 2
    stamp=$(cat "$@" | sha256sum | cut -c1-16)
    if [ -f "${dir}/.stamp" ] && [ "$(cat "${dir}/.stamp")" = "$stamp" ]; then
        return 0
    fi
    ensure_tox || return 1
    python=$(find_python "$version") || return 1
    log "creating ${dir#"${REPO_ROOT}"/} with ${python}: $(cat "$@" | grep -cE '^[A-Za-z0-9]') pinned packages"
    rm -rf "$dir"
    local args=() req
    for req in "$@"; do args+=(-r "$req"); done
    if ! { "$UV" venv --quiet --python "$python" "$dir" &&
        with_heartbeat "installing into ${dir#"${REPO_ROOT}"/}" \
            "$UV" pip install --quiet --python "${dir}/bin/python" "${args[@]}"; }; then
        echo "installing into ${dir} failed" >&2
        rm -rf "$dir"
        return 1
    fi
    echo "$stamp" >"${dir}/.stamp"
}

# ensure_tox: the pinned tox and uv (hacking/requirements/tox.txt), bootstrapped with pip.
ensure_tox() {
    local stamp
    stamp=$(sha256sum <"${REQS}/tox.txt" | cut -c1-16)
    if [ -f "${TOX_VENV}/.stamp" ] && [ "$(cat "${TOX_VENV}/.stamp")" = "$stamp" ]; then
        return 0
    fi
    log "creating ${TOX_VENV#"${REPO_ROOT}"/}: tox and uv (first run only)"
    rm -rf "$TOX_VENV"
    mkdir -p "$WORK"
    python3 -m venv "$TOX_VENV" || return 1
    # pipefail makes pip's own status the pipeline's; the grep only drops noise.
    if ! "${TOX_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${REQS}/tox.txt" 2>&1 |
        { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2; then
        echo "pip install of tox into ${TOX_VENV} failed" >&2
        rm -rf "$TOX_VENV"
        return 1
    fi
    echo "$stamp" >"${TOX_VENV}/.stamp"
}

# python_links: links python3.X to pyenv's real interpreters (its shims break ansible-test and
# uv), prints the directory; tox finds its base Pythons there, sanity its module-side ones.
python_links() {
    local dir="${WORK}/pythons" version interpreter
    mkdir -p "$dir"
    for version in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
        interpreter=$(find_python "$version" 2>/dev/null) || continue
        ln -sf "$interpreter" "${dir}/python${version}"
    done
    echo "$dir"
}

# run_tox ARGS...: the pinned tox, with the Pythons found and uv's settings.
run_tox() {
    ensure_tox || return 1
    local pythons
    pythons=$(python_links)
    PATH="${pythons}:${PATH}" "${TOX_VENV}/bin/tox" "$@"
}

ensure_localstack_venv() {
    ensure_venv "$LOCALSTACK_VENV" 3.13 "${REQS}/localstack-py313.txt" || return 1
}

# amazon.aws is not reachable through Galaxy here; the `ansible` wheel on PyPI carries it.
ensure_amazon_aws() {
    local target="${COLLECTIONS}/ansible_collections/amazon/aws"
    local stamp="${COLLECTIONS}/amazon-aws-from-ansible-${ANSIBLE_WHEEL_VERSION}"
    [ -f "$stamp" ] && [ -f "${target}/MANIFEST.json" ] && return 0
    log "extracting amazon.aws from ansible==${ANSIBLE_WHEEL_VERSION}"
    mkdir -p "${WORK}/downloads"
    local scratch="${COLLECTIONS}/wheel"
    # Cores share the download; stages of two cores may get here at once.
    # pipefail makes pip's status the pipeline's; the grep only drops noise. Only the wheel's files
    # are used, never installed: a newer ansible may require a newer Python than this controller's.
    if ! flock "${WORK}/downloads/.lock" "${CONTROLLER_VENV}/bin/python" -m pip download --quiet --no-deps \
        --ignore-requires-python --disable-pip-version-check -d "${WORK}/downloads" "ansible==${ANSIBLE_WHEEL_VERSION}" 2>&1 |
        { grep -v "is ignored" || true; } >&2; then
        echo "could not download ansible==${ANSIBLE_WHEEL_VERSION} (it carries amazon.aws)" >&2
        return 1
    fi
    rm -rf "$target" "$scratch"
    if ! "${CONTROLLER_VENV}/bin/python" - "${WORK}/downloads/ansible-${ANSIBLE_WHEEL_VERSION}-py3-none-any.whl" \
        "$scratch" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    members = [n for n in wheel.namelist() if n.startswith("ansible_collections/amazon/aws/")]
    wheel.extractall(sys.argv[2], members)
EOF
    then
        echo "could not extract amazon.aws from ansible==${ANSIBLE_WHEEL_VERSION}" >&2
        return 1
    fi
    mkdir -p "$(dirname "$target")"
    mv "${scratch}/ansible_collections/amazon/aws" "$target" || return 1
    rm -rf "$scratch"
    # tox.ini names the amazon.aws each core is tested with: the wheel must carry exactly that one.
    local found
    found=$("${CONTROLLER_VENV}/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
        "${target}/MANIFEST.json") || return 1
    if [ "$found" != "$AMAZON_AWS_VERSION" ]; then
        echo "ansible==${ANSIBLE_WHEEL_VERSION} carries amazon.aws ${found}, not ${AMAZON_AWS_VERSION} (tox.ini)" >&2
        return 1
    fi
    touch "$stamp"
}

# ansible-test needs the collection as a real directory inside an ansible_collections
# tree, beside its dependencies; copy the work tree (committed or not) there.
sync_collection() {
    rm -rf "$COLLECTION_DIR"
    mkdir -p "$COLLECTION_DIR"
    tar -C "$REPO_ROOT" --exclude=./.tmp --exclude=./.git --exclude=./tests/output \
        --exclude='__pycache__' -cf - . | tar -C "$COLLECTION_DIR" -xf -
    # The copy sits inside this repo's ignored .tmp/: give it a repository of its own,
    # or ansible-test asks this one for the file list and finds nothing.
    git -C "$COLLECTION_DIR" init -q
}

# ansible-test bootstraps pip into its sanity venvs with a get-pip script from a host
# that is not reachable here. Stand in for it with pip's own wheel from PyPI.
ensure_get_pip() {
    local cache="${TEST_HOME}/.ansible/test/cache"
    local script="${cache}/get_pip_${ANSIBLE_TEST_PIP_VERSION//./_}.py"
    local wheel="${cache}/pip-${ANSIBLE_TEST_PIP_VERSION}-py3-none-any.whl"
    mkdir -p "$cache"
    if [ ! -f "$wheel" ]; then
        if ! "${CONTROLLER_VENV}/bin/python" -m pip download --quiet --no-deps --disable-pip-version-check \
            -d "$cache" "pip==${ANSIBLE_TEST_PIP_VERSION}" 2>&1 | { grep -v "is ignored" || true; } >&2; then
            echo "could not download pip==${ANSIBLE_TEST_PIP_VERSION} for ansible-test's venvs" >&2
            return 1
        fi
    fi
    cat >"$script" <<EOF
# Stand-in for get-pip.py: install pip from the wheel beside this file.
import sys
sys.path.insert(0, "${wheel}")
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "${wheel}"] + [a for a in args if not a.startswith("pip==")]))
EOF
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

# run_example COLLECTIONS_PATH PLAYBOOK [ARGS...]: an examples/ playbook against LocalStack,
# using only the collections under COLLECTIONS_PATH (shared by make demo and the release test).
run_example() {
    ANSIBLE_COLLECTIONS_PATH="$1" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        ANSIBLE_PYTHON_INTERPRETER="${CONTROLLER_VENV}/bin/python" ANSIBLE_LOCALHOST_WARNING=false \
        ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1 HOME="$TEST_HOME" \
        DEMO_ENDPOINT_URL="$LOCALSTACK_URL" DEMO_ACCESS_KEY=test DEMO_SECRET_KEY=example-secret-key \
        ansible-playbook "${REPO_ROOT}/examples/$2" "${@:3}"
}

# run_collection_playbook COLLECTIONS NAME [ARGS...]: a playbook of an installed collection, by its FQCN.
run_collection_playbook() {
    ANSIBLE_COLLECTIONS_PATH="$1" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        ANSIBLE_PYTHON_INTERPRETER="${CONTROLLER_VENV}/bin/python" ANSIBLE_LOCALHOST_WARNING=false \
        ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1 HOME="$TEST_HOME" \
        ansible-playbook "${@:2}"
}

stop_servers() {
    stop_fault_proxy
    stop_localstack
}

# A cloud config of the user's own (real AWS, or another endpoint) is used as it is; it is
# gitignored and left out of the built collection. Without one, the harness writes its own
# for LocalStack into the collection's copy under .tmp/.
USER_CLOUD_CONFIG="${REPO_ROOT}/tests/integration/cloud-config-aws.ini"
has_user_cloud_config() { [ -f "$USER_CLOUD_CONFIG" ]; }

# write_cloud_config [ACCESS_KEY [SESSION_TOKEN]]: the cloud config ansible-test turns into
# play variables for cloud/aws targets, for LocalStack. LocalStack puts everything in the
# account of a 12-digit access key ID (default: its own, 000000000000).
write_cloud_config() {
    local access_key=${1:-test} token=${2:-}
    {
        echo "[default]"
        echo "aws_access_key = ${access_key}"
        echo "aws_secret_key = localstack-dummy-secret-key"
        if [ -n "$token" ]; then echo "security_token = ${token}"; fi
        echo "aws_region = us-east-1"
        echo "aws_endpoint_url = ${LOCALSTACK_URL}"
        # Harness-only: the fault proxy (emulator_only targets) and the reliability report.
        if [ -n "${FAULT_PROXY_URL:-}" ]; then echo "aws_fault_proxy_url = ${FAULT_PROXY_URL}"; fi
        if [ -n "${RELIABILITY_REPORT_DIR:-}" ]; then echo "reliability_report_dir = ${RELIABILITY_REPORT_DIR}"; fi
        echo "ansible_remote_tmp = ${TEST_HOME}/.ansible/tmp"
    } >"${COLLECTION_DIR}/tests/integration/cloud-config-aws.ini"
}
