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

# The supported matrix: every ansible-core from the oldest amazon.aws 10 supports to the
# newest, each on a controller Python it supports, with the amazon.aws taken from the
# `ansible` wheel that ships it and the pip ansible-test bootstraps into its venvs. The
# oldest runs with the oldest boto3/botocore (tests/*/constraints.txt). select_core sets,
# for one of them: CORE, CONTROLLER_PYTHON_VERSION, CONTROLLER_REQUIREMENTS,
# ANSIBLE_WHEEL_VERSION, ANSIBLE_TEST_PIP_VERSION, SANITY_PYTHONS, CONTROLLER_VENV,
# COLLECTIONS, COLLECTION_DIR, TEST_HOME.
SUPPORTED_CORES="2.17 2.18 2.19 2.20 2.21"
OLDEST_CORE=2.17
NEWEST_CORE=2.21
DEFAULT_CORE=2.19 # the tools core: ansible-lint, antsibull-docs, ruff, the demo and the benchmarks
select_core() {
    CORE=$1
    CONTROLLER_CONSTRAINTS=
    SANITY_PYTHONS=controller # module-side Pythons are all checked on the oldest and newest core
    case "$CORE" in
        2.17)
            CONTROLLER_PYTHON_VERSION=3.11
            CONTROLLER_REQUIREMENTS="${REQS}/controller-py311-core217.txt"
            CONTROLLER_CONSTRAINTS="${REPO_ROOT}/tests/integration/constraints.txt"
            ANSIBLE_WHEEL_VERSION=12.3.0 # amazon.aws 10.1.2
            ANSIBLE_TEST_PIP_VERSION=23.1.2
            SANITY_PYTHONS=all
            ;;
        2.18)
            CONTROLLER_PYTHON_VERSION=3.11
            CONTROLLER_REQUIREMENTS="${REQS}/controller-py311-core218.txt"
            ANSIBLE_WHEEL_VERSION=12.3.0 # amazon.aws 10.1.2
            ANSIBLE_TEST_PIP_VERSION=24.2
            ;;
        2.19)
            CONTROLLER_PYTHON_VERSION=3.11
            CONTROLLER_REQUIREMENTS="${REQS}/controller-py311-core219.txt"
            ANSIBLE_WHEEL_VERSION=12.3.0 # amazon.aws 10.1.2
            ANSIBLE_TEST_PIP_VERSION=24.2
            ;;
        2.20)
            CONTROLLER_PYTHON_VERSION=3.12
            CONTROLLER_REQUIREMENTS="${REQS}/controller-py312-core220.txt"
            ANSIBLE_WHEEL_VERSION=12.3.0 # amazon.aws 10.1.2
            ANSIBLE_TEST_PIP_VERSION=25.2
            ;;
        2.21)
            CONTROLLER_PYTHON_VERSION=3.13
            CONTROLLER_REQUIREMENTS="${REQS}/controller-py313-core221.txt"
            ANSIBLE_WHEEL_VERSION=14.5.0 # amazon.aws 11.4.0
            ANSIBLE_TEST_PIP_VERSION=25.2
            SANITY_PYTHONS=all
            ;;
        *)
            echo "unsupported ansible-core ${CORE} (supported: ${SUPPORTED_CORES})" >&2
            return 1
            ;;
    esac
    CONTROLLER_VENV="${WORK}/venv-core${CORE//./}"
    COLLECTIONS="${WORK}/core${CORE//./}/collections"
    COLLECTION_DIR="${COLLECTIONS}/ansible_collections/serverless/aws_lambda"
    # One scratch HOME per core: ansible-test's caches and venvs of two cores never meet,
    # so stages of different cores can run at once.
    TEST_HOME="${WORK}/home-core${CORE//./}"
}
select_core "$DEFAULT_CORE"

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

# ensure_venv DIR PYTHON_VERSION REQUIREMENTS_FILE...: create or refresh a venv; the
# stamp holds a hash of the requirement files so a change of pins rebuilds it.
ensure_venv() {
    local dir=$1 version=$2 python stamp
    shift 2
    stamp=$(cat "$@" | sha256sum | cut -c1-16)
    if [ -f "${dir}/.stamp" ] && [ "$(cat "${dir}/.stamp")" = "$stamp" ]; then
        return 0
    fi
    python=$(find_python "$version")
    local packages
    packages=$(cat "$@" | grep -cE '^[A-Za-z0-9]')
    log "creating ${dir#"${REPO_ROOT}"/} with ${python}: ${packages} pinned packages (first run only; about 1 s each)"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    local args=()
    local req
    for req in "$@"; do
        case $req in
            *constraints.txt) args+=(-c "$req") ;;
            *) args+=(-r "$req") ;;
        esac
    done
    # pipefail makes pip's own status the pipeline's; the grep only drops noise.
    if ! with_heartbeat "installing into ${dir#"${REPO_ROOT}"/}" \
        "${dir}/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" 2>&1 |
        { grep --line-buffered -v "is ignored: it is neither a file nor a directory" || true; } >&2; then
        echo "pip install into ${dir} failed" >&2
        rm -rf "$dir"
        return 1
    fi
    "${dir}/bin/python" -m pip check >/dev/null || { rm -rf "$dir"; return 1; }
    echo "$stamp" >"${dir}/.stamp"
}

# ensure_controller: the selected core's tool venv, first on PATH.
ensure_controller() {
    # The pinned set, plus the inputs ansible-test's --requirements would install (they are
    # in the pinned set already; listing them keeps the two from drifting apart).
    ensure_venv "$CONTROLLER_VENV" "$CONTROLLER_PYTHON_VERSION" "$CONTROLLER_REQUIREMENTS" \
        "${REPO_ROOT}/tests/unit/requirements.txt" "${REPO_ROOT}/tests/integration/requirements.txt" \
        ${CONTROLLER_CONSTRAINTS:+"$CONTROLLER_CONSTRAINTS"} || return 1
    PATH="${CONTROLLER_VENV}/bin:${BASE_PATH:=$PATH}"
    export PATH
}

# prepare_core VERSION: select a core and make its venv, amazon.aws and collection tree ready.
# Each step is checked: callers run this in `&&` lists, where `set -e` does not apply.
prepare_core() {
    select_core "$1" || return 1
    mkdir -p "$WORK" "$TEST_HOME"
    ensure_controller || return 1
    ensure_amazon_aws || return 1
    sync_collection
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
    local scratch="${WORK}/wheel-core${CORE//./}"
    # Cores share the download; stages of two cores may get here at once.
    # pipefail makes pip's status the pipeline's; the grep only drops noise.
    if ! flock "${WORK}/downloads/.lock" "${CONTROLLER_VENV}/bin/python" -m pip download --quiet --no-deps \
        --disable-pip-version-check -d "${WORK}/downloads" "ansible==${ANSIBLE_WHEEL_VERSION}" 2>&1 |
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
    local port_file="${WORK}/fault-proxy-core${CORE//./}.port"
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
