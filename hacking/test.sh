#!/usr/bin/env bash
# `make test`: set up pinned tools, then run every stage and end with one summary line.
#
# Per supported ansible-core (2.19 on Python 3.11, 2.21 on Python 3.13): sanity (every
# module-side Python present), units, integration. Once, on the oldest core: the main target
# under a second account with a session token (accounts), ansible-lint, docs, release. Integration and release share one LocalStack on loopback, stopped when
# the run ends.
#
#   STAGES="units-2.19 sanity-2.21" make test      run a subset
#   INTEGRATION_TARGETS=lambda_event_invoke_config_info STAGES=integration-2.19 make test
#   tests/integration/cloud-config-aws.ini present: the integration stages run against the
#   account or endpoint it names (no LocalStack), leaving out emulator_only targets.
#   LOCALSTACK_URL=http://127.0.0.1:4566 ...        reuse a running LocalStack
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_stages() {
    local core
    for core in $SUPPORTED_CORES; do
        printf 'sanity-%s units-%s integration-%s ' "$core" "$core" "$core"
    done
    echo "accounts lint docs release"
}
STAGES=${STAGES:-$(default_stages)}
PASSED=0
FAILED=0
FAILED_NAMES=()
TIMES=()

trap stop_servers EXIT
trap 'exit 130' INT TERM

# run_stage NAME: runs stage_BASE for NAME = BASE[-CORE], records its result and time,
# never aborts the run.
run_stage() {
    local name=$1 base core start rc
    base=${name%%-*}
    core=$DEFAULT_CORE
    [ "$base" != "$name" ] && core=${name#*-}
    log "stage ${name}"
    start=$(date +%s)
    set +e
    (prepare_core "$core" && "stage_${base}")
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

# Links python3.X to pyenv's real interpreters (its shims break ansible-test), so that
# sanity runs on every module-side Python present here.
python_links() {
    local dir="${WORK}/pythons" version interpreter
    mkdir -p "$dir"
    for version in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
        interpreter=$(find_python "$version" 2>/dev/null) || continue
        ln -sf "$interpreter" "${dir}/python${version}"
    done
    echo "$dir"
}

stage_sanity() {
    ensure_get_pip
    local pythons
    pythons=$(python_links)
    in_collection env PATH="${pythons}:${PATH}" ansible-test sanity --color no
}

stage_units() {
    in_collection ansible-test units --python "$CONTROLLER_PYTHON_VERSION" --color no
}

stage_lint() {
    # ansible-lint's production profile, on the collection tree (so its plugins load).
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-lint --profile production --nocolor
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

# run_integration LOG [ARGS...]: ansible-test integration with the cloud config in place.
run_integration() {
    local out=$1 rc
    shift
    set +e
    in_collection ansible-test integration --python "$CONTROLLER_PYTHON_VERSION" --color no "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    # ansible-test exits 0 when it skips every target: that is not a pass.
    if grep -q "All targets skipped" "$out"; then
        echo "integration: every target was skipped" >&2
        return 1
    fi
    return "$rc"
}

stage_integration() {
    local targets
    # shellcheck disable=SC2206  # INTEGRATION_TARGETS is a list of target names
    targets=(${INTEGRATION_TARGETS:-})
    if has_user_cloud_config; then
        # The user's own account or endpoint (copied in by sync_collection): no emulator.
        log "integration: using ${USER_CLOUD_CONFIG#"${REPO_ROOT}"/} as it is"
        [ ${#targets[@]} -gt 0 ] || targets=(--exclude emulator_only/)
    else
        [ -n "${LOCALSTACK_URL:-}" ] || { echo "integration: LocalStack is not running" >&2; return 1; }
        write_cloud_config || return 1
    fi
    run_integration "${WORK}/integration-${CORE}.log" "${targets[@]}"
}

# A second account, with a session token: LocalStack puts everything in the account of a
# 12-digit access key ID, so one LocalStack shows that the main target assumes nothing of
# the emulator's own account, and that it cleans up after itself there.
SECOND_ACCOUNT=222233334444
stage_accounts() {
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "accounts: LocalStack is not running" >&2; return 1; }
    local token="session-token-of-${SECOND_ACCOUNT}" left
    write_cloud_config "$SECOND_ACCOUNT" "$token" || return 1
    run_integration "${WORK}/accounts.log" lambda_event_invoke_config || return 1
    left=$(AWS_ACCESS_KEY_ID=$SECOND_ACCOUNT AWS_SECRET_ACCESS_KEY=localstack-dummy-secret-key AWS_SESSION_TOKEN=$token \
        "${CONTROLLER_VENV}/bin/python" "${COLLECTION_DIR}/tests/integration/targets/setup_lambda_function/files/aws_config.py" \
        leftovers "$LOCALSTACK_URL" us-east-1 ansible-test) || return 1
    echo "left behind in account ${SECOND_ACCOUNT}: ${left}"
    # LocalStack without Docker cannot delete a function (DeleteFunction answers 500 "Unable to
    # find version manager"): functions are reported, everything else must be gone.
    "${CONTROLLER_VENV}/bin/python" - "$left" <<'EOF'
import json
import sys

left = json.loads(sys.argv[1])
print("functions the emulator could not delete:", len(left.pop("functions")))
sys.exit(1 if any(left.values()) else 0)
EOF
}

stage_release() {
    # Build the tarball a user installs, check it carries no scratch, install it into an
    # empty collections path (amazon.aws supplied locally) and run the examples from there.
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "release: LocalStack is not running" >&2; return 1; }
    local dist="${WORK}/dist" installed="${WORK}/installed" tarball
    rm -rf "$dist" "$installed"
    mkdir -p "$dist" "${installed}/ansible_collections/amazon"
    in_collection ansible-galaxy collection build --output-path "$dist" || return 1
    tarball=$(ls "$dist"/serverless-aws_lambda-*.tar.gz)
    if tar -tzf "$tarball" | grep -E '(^|/)(tests/output|\.tmp|\.git|hacking|\.ci)(/|$)|__pycache__|cloud-config-aws'; then
        echo "release: the tarball carries scratch files or credentials (above)" >&2
        return 1
    fi
    ansible-galaxy collection install --offline --no-deps -p "$installed" "$tarball" || return 1
    ln -s "${COLLECTIONS}/ansible_collections/amazon/aws" "${installed}/ansible_collections/amazon/aws"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/demo_resources.py" "$LOCALSTACK_URL" >/dev/null || return 1
    local first second
    first=$(run_example "$installed" configure.yml) || { echo "$first"; return 1; }
    second=$(run_example "$installed" configure.yml) || { echo "$second"; return 1; }
    echo "$first" | grep -E '^localhost +: ok=3 +changed=3 ' || { echo "$first"; return 1; }
    echo "$second" | grep -E '^localhost +: ok=3 +changed=0 ' || { echo "$second"; return 1; }
}

main() {
    local stage
    mkdir -p "$WORK" "$TEST_HOME"
    local needs_emulator=no
    case " $STAGES " in
        *" release "* | *" accounts "*) needs_emulator=yes ;;
        *" integration"*) has_user_cloud_config || needs_emulator=yes ;;
    esac
    case $needs_emulator in
        yes)
            if [ -z "${LOCALSTACK_URL:-}" ]; then
                start_localstack || true
            fi
            # The fault proxy runs on the default core's Python (set up in a subshell,
            # so that core's PATH does not leak into the other stages).
            if [ -n "${LOCALSTACK_URL:-}" ] && (prepare_core "$DEFAULT_CORE" >/dev/null); then
                select_core "$DEFAULT_CORE"
                start_fault_proxy || true
            fi
            ;;
    esac
    for stage in $STAGES; do
        run_stage "$stage"
    done
    stop_servers
    echo
    printf '%s\n' "${TIMES[@]}"
    if [ "$FAILED" -gt 0 ]; then
        echo "failed stages: ${FAILED_NAMES[*]}"
    fi
    echo "${PASSED} passed, ${FAILED} failed"
    [ "$FAILED" -eq 0 ]
}

main "$@"
