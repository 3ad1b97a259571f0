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

# The jobs, one file each.
# shellcheck source=hacking/lib/tools.sh
source "${REPO_ROOT}/hacking/lib/tools.sh"
# shellcheck source=hacking/lib/collection.sh
source "${REPO_ROOT}/hacking/lib/collection.sh"
# shellcheck source=hacking/lib/servers.sh
source "${REPO_ROOT}/hacking/lib/servers.sh"
# shellcheck source=hacking/lib/cloud_config.sh
source "${REPO_ROOT}/hacking/lib/cloud_config.sh"
