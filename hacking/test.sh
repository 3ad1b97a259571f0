#!/usr/bin/env bash
# `make test`: set up pinned tools, then run every stage and end with one summary line.
# Stages: sanity, units, lint, integration (LocalStack on loopback, stopped afterwards).
# STAGES="units sanity" make test runs a subset.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAGES=${STAGES:-"sanity units lint integration"}
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

stage_integration() {
    # LOCALSTACK_URL set by the caller reuses a running LocalStack (for quick reruns while developing).
    if [ -z "${LOCALSTACK_URL:-}" ]; then
        start_localstack || return 1
    fi
    write_cloud_config
    local out="${WORK}/integration.log" rc
    set +e
    # shellcheck disable=SC2086  # INTEGRATION_TARGETS is a list of target names
    in_collection ansible-test integration --python 3.11 --color no ${INTEGRATION_TARGETS:-} 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    stop_localstack
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
    echo
    printf '%s\n' "${TIMES[@]}"
    if [ "$FAILED" -gt 0 ]; then
        echo "failed stages: ${FAILED_NAMES[*]}"
    fi
    echo "${PASSED} passed, ${FAILED} failed"
    [ "$FAILED" -eq 0 ]
}

main "$@"
