#!/usr/bin/env bash
# The collection trees the stages run in: amazon.aws from the `ansible` wheel, the collection copied
# beside it, pip for ansible-test's venvs, and playbooks run against them.
# Sourced by hacking/lib.sh; shellcheck sees its variables there.
# shellcheck disable=SC2034

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
