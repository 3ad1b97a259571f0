#!/usr/bin/env bash
# `make test`: set up pinned tools, then run every stage and end with one summary line.
# Stages: sanity, units, lint, docs, integration and release (these two share one
# LocalStack on loopback, stopped when the run ends).
# STAGES="units sanity" make test runs a subset.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAGES=${STAGES:-"sanity units lint docs integration release"}
PASSED=0
FAILED=0
FAILED_NAMES=()
TIMES=()

cleanup() { stop_localstack; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_stage NAME COMMAND...: runs a stage, records its result and time, never aborts the run.
run_stage() {
    local name=$1 start rc
    shift
    log "stage ${name}"
    start=$(date +%s)
    set +e
    "$@"
    rc=$?
    set -e
    local took=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        TIMES+=("${name}: passed in ${took}s")
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        TIMES+=("${name}: FAILED (exit ${rc}) in ${took}s")
    fi
}

in_collection() { (cd "$COLLECTION_DIR" && HOME="$TEST_HOME" "$@"); }

stage_sanity() {
    ensure_get_pip
    in_collection ansible-test sanity --python 3.11 --color no
}

stage_units() {
    in_collection ansible-test units --python 3.11 --color no
}

stage_lint() {
    # ansible-lint's production profile, on the collection tree (so its plugins load).
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-lint --profile production --nocolor
}

# LOCALSTACK_URL set by the caller reuses a running LocalStack (for quick reruns while developing).
ensure_localstack() {
    if [ -z "${LOCALSTACK_URL:-}" ]; then
        start_localstack
    fi
}

stage_docs() {
    # Module docs render, pass antsibull-docs' linter (references to amazon.aws included),
    # and the changelog fragments are valid.
    local module
    for module in lambda_event_invoke_config lambda_event_invoke_config_info; do
        in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-doc "serverless.aws_lambda.${module}" >/dev/null ||
            return 1
    done
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
        antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all . || return 1
    in_collection antsibull-changelog lint
}

stage_release() {
    # Build the tarball a user installs, check it carries no scratch, install it into an
    # empty collections path (amazon.aws supplied locally) and run the examples from there.
    local dist="${WORK}/dist" installed="${WORK}/installed" tarball
    rm -rf "$dist" "$installed"
    mkdir -p "$dist" "${installed}/ansible_collections/amazon"
    in_collection ansible-galaxy collection build --output-path "$dist" || return 1
    tarball=$(ls "$dist"/serverless-aws_lambda-*.tar.gz)
    if tar -tzf "$tarball" | grep -E '(^|/)(tests/output|\.tmp|\.git|hacking|\.ci)(/|$)|__pycache__'; then
        echo "release: the tarball carries scratch files (above)" >&2
        return 1
    fi
    ansible-galaxy collection install --offline --no-deps -p "$installed" "$tarball" || return 1
    ln -s "${COLLECTIONS}/ansible_collections/amazon/aws" "${installed}/ansible_collections/amazon/aws"
    ensure_localstack || return 1
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/demo_resources.py" "$LOCALSTACK_URL" >/dev/null || return 1
    local first second
    first=$(run_example "$installed" configure.yml) || { echo "$first"; return 1; }
    second=$(run_example "$installed" configure.yml) || { echo "$second"; return 1; }
    echo "$first" | grep -E '^localhost +: ok=3 +changed=3 ' || { echo "$first"; return 1; }
    echo "$second" | grep -E '^localhost +: ok=3 +changed=0 ' || { echo "$second"; return 1; }
}

# run_example COLLECTIONS_PATH PLAYBOOK: an examples/ playbook against LocalStack, using
# only the collections under COLLECTIONS_PATH.
run_example() {
    ANSIBLE_COLLECTIONS_PATH="$1" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        ANSIBLE_PYTHON_INTERPRETER="${CONTROLLER_VENV}/bin/python" ANSIBLE_LOCALHOST_WARNING=false \
        ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1 HOME="$TEST_HOME" \
        DEMO_ENDPOINT_URL="$LOCALSTACK_URL" DEMO_ACCESS_KEY=test DEMO_SECRET_KEY=release-secret-key \
        ansible-playbook "${REPO_ROOT}/examples/$2"
}

stage_integration() {
    ensure_localstack || return 1
    write_cloud_config
    local out="${WORK}/integration.log" rc
    set +e
    # shellcheck disable=SC2086  # INTEGRATION_TARGETS is a list of target names
    in_collection ansible-test integration --python 3.11 --color no ${INTEGRATION_TARGETS:-} 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    # ansible-test exits 0 when it skips every target: that is not a pass.
    if grep -q "All targets skipped" "$out"; then
        echo "integration: every target was skipped" >&2
        return 1
    fi
    return "$rc"
}

main() {
    local setup_start
    setup_start=$(date +%s)
    mkdir -p "$WORK" "$TEST_HOME"
    ensure_controller
    ensure_amazon_aws
    sync_collection
    TIMES+=("setup: done in $(($(date +%s) - setup_start))s")
    local stage
    for stage in $STAGES; do
        run_stage "$stage" "stage_${stage}"
    done
    stop_localstack
    echo
    printf '%s\n' "${TIMES[@]}"
    if [ "$FAILED" -gt 0 ]; then
        echo "failed stages: ${FAILED_NAMES[*]}"
    fi
    echo "${PASSED} passed, ${FAILED} failed"
    [ "$FAILED" -eq 0 ]
}

main "$@"
