#!/usr/bin/env bash
# `make test`: set up pinned tools, then run every stage and end with one summary line.
#
# Per supported ansible-core (2.17 to 2.21, see select_core in lib.sh): sanity (every
# module-side Python present on the oldest and newest core, the controller's on the others)
# and units. Integration on the oldest core (with the oldest boto3/botocore) and on the newest
# (under a second LocalStack account, with a session token, then a check that nothing is
# left behind there), and through ansible-runner (awx: AWX's job events). Once, on the tools
# core: ansible-lint, ruff, docs, release (build,
# galaxy-importer, ansible-builder introspect, install the tarball and run the examples).
# Integration and release share one LocalStack on loopback, stopped when the run ends.
#
# Without STAGES, the stages run in two lanes side by side (the machines have 2 cores), each
# stage's output in .tmp/logs/STAGE.log, printed in full when the stage fails.
#
#   STAGES="units-2.19 sanity-2.21" make test      run a subset, one after the other, output shown
#   INTEGRATION_TARGETS=lambda_event_invoke_config_info STAGES=integration-2.19 make test
#   tests/integration/cloud-config-aws.ini present: the integration stages run against the
#   account or endpoint it names (no LocalStack), leaving out emulator_only targets.
#   LOCALSTACK_URL=http://127.0.0.1:4566 ...        reuse a running LocalStack
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The default plan, balanced by measured stage times. Every stage of one core stays in one
# lane (lint, docs and release run on the tools core, 2.19): a stage starts by copying the
# collection into its core's tree, which must not happen under another stage of that core.
DEFAULT_LANES=(
    "sanity-2.17 units-2.17 integration-2.17 sanity-2.18 units-2.18 sanity-2.19 units-2.19 lint docs release"
    "sanity-2.20 units-2.20 sanity-2.21 units-2.21 integration-2.21 awx-2.21"
)
RESULTS="${WORK}/results"
LOGS="${WORK}/logs"
LANE_PIDS=()

cleanup() {
    local pid
    for pid in "${LANE_PIDS[@]}"; do
        kill -- "-${pid}" 2>/dev/null || true
    done
    stop_servers
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_stage NAME [LOG]: runs stage_BASE for NAME = BASE[-CORE] in a subshell, its output to
# LOG when given, and records its result and time in $RESULTS/NAME; never aborts the run.
run_stage() {
    local name=$1 log_file=${2:-} base core start rc
    base=${name%%-*}
    core=$(core_of "$name")
    start=$SECONDS
    set +e
    if [ -n "$log_file" ]; then
        (prepare_core "$core" && "stage_${base}") >"$log_file" 2>&1
    else
        log "stage ${name}"
        (prepare_core "$core" && "stage_${base}")
    fi
    rc=$?
    set -e
    local took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        echo "${name}: passed in ${took}s" >"${RESULTS}/${name}"
    else
        echo "${name}: FAILED (exit ${rc}) in ${took}s" >"${RESULTS}/${name}"
    fi
    [ -z "$log_file" ] || log "$(cat "${RESULTS}/${name}")"
}

# core_of STAGE: the ansible-core a stage runs on.
core_of() {
    local base=${1%%-*}
    if [ "$base" = "$1" ]; then echo "$DEFAULT_CORE"; else echo "${1#*-}"; fi
}

# lanes_share_a_core LANE...: true (and says so) when two lanes hold stages of one core.
lanes_share_a_core() {
    local seen=" " lane stage core cores
    for lane in "$@"; do
        cores=" "
        for stage in $lane; do
            core=$(core_of "$stage")
            [[ "$cores" == *" ${core} "* ]] || cores+="${core} "
        done
        for core in $cores; do
            if [[ "$seen" == *" ${core} "* ]]; then
                echo "two lanes run stages of ansible-core ${core}: they would share its collection tree" >&2
                return 0
            fi
        done
        seen+="${cores# }"
    done
    return 1
}

# run_lane "STAGE..." : the stages one after the other, each into its log.
run_lane() {
    local stage
    for stage in $1; do
        run_stage "$stage" "${LOGS}/${stage}.log"
    done
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
    ensure_get_pip || return 1
    if [ "$SANITY_PYTHONS" = all ]; then
        # Only the interpreters linked here: pyenv's shims answer for versions that are not
        # installed, and ansible-test would try them.
        local pythons path
        pythons=$(python_links)
        path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)
        in_collection env PATH="${pythons}:${path}" ansible-test sanity --color no
    else
        in_collection ansible-test sanity --python "$CONTROLLER_PYTHON_VERSION" --color no
    fi
}

stage_units() {
    in_collection ansible-test units --python "$CONTROLLER_PYTHON_VERSION" --color no
}

stage_lint() {
    # ansible-lint's production profile, on the collection tree (so its plugins load), and
    # amazon.aws's code style (ruff, configured in pyproject.toml).
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-lint --profile production --nocolor || return 1
    (cd "$REPO_ROOT" && ruff format --check . && ruff check .)
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

# On the newest core the targets run under a second account, with a session token:
# LocalStack puts everything in the account of a 12-digit access key ID, so one LocalStack
# shows that the targets assume nothing of the emulator's own account, and that they clean
# up after themselves there.
SECOND_ACCOUNT=222233334444
SECOND_ACCOUNT_TOKEN="session-token-of-${SECOND_ACCOUNT}"

stage_integration() {
    local targets
    # shellcheck disable=SC2206  # INTEGRATION_TARGETS is a list of target names
    targets=(${INTEGRATION_TARGETS:-})
    if has_user_cloud_config; then
        # The user's own account or endpoint (copied in by sync_collection): no emulator.
        log "integration: using ${USER_CLOUD_CONFIG#"${REPO_ROOT}"/} as it is"
        [ ${#targets[@]} -gt 0 ] || targets=(--exclude emulator_only/)
        run_integration "${WORK}/integration-${CORE}.log" "${targets[@]}"
        return
    fi
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "integration: LocalStack is not running" >&2; return 1; }
    # This stage's own fault proxy, so that two cores' fault targets never share one.
    trap stop_fault_proxy EXIT
    start_fault_proxy || return 1
    if [ "$CORE" = "$NEWEST_CORE" ]; then
        log "integration: account ${SECOND_ACCOUNT}, with a session token"
        write_cloud_config "$SECOND_ACCOUNT" "$SECOND_ACCOUNT_TOKEN" || return 1
        run_integration "${WORK}/integration-${CORE}.log" "${targets[@]}" || return 1
        nothing_left_behind "$SECOND_ACCOUNT" "$SECOND_ACCOUNT_TOKEN"
    else
        write_cloud_config || return 1
        run_integration "${WORK}/integration-${CORE}.log" "${targets[@]}"
    fi
}

# nothing_left_behind ACCOUNT TOKEN: no role, queue, topic or bus of the targets is left in
# the account. LocalStack without Docker cannot delete a function (DeleteFunction answers
# 500 "Unable to find version manager"): functions are reported, not counted.
nothing_left_behind() {
    local left
    left=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=localstack-dummy-secret-key AWS_SESSION_TOKEN=$2 \
        "${CONTROLLER_VENV}/bin/python" "${COLLECTION_DIR}/tests/integration/targets/setup_lambda_function/files/aws_config.py" \
        leftovers "$LOCALSTACK_URL" us-east-1 ansible-test) || return 1
    echo "left behind in account $1: ${left}"
    "${CONTROLLER_VENV}/bin/python" - "$left" <<'EOF'
import json
import sys

left = json.loads(sys.argv[1])
print("functions the emulator could not delete:", len(left.pop("functions")))
sys.exit(1 if any(left.values()) else 0)
EOF
}

stage_awx() {
    # The collection through ansible-runner, the engine of AWX and Automation Platform jobs: the job
    # events of one config in --check --diff and for real (changed, the diff, no secret), and a
    # 1,000-config task whose result AWX keeps (hacking/runner_check.py prints the figures).
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "awx: LocalStack is not running" >&2; return 1; }
    HOME="$TEST_HOME" "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/runner_check.py" "$LOCALSTACK_URL" \
        "$COLLECTIONS" "${WORK}/runner-${CORE}"
}

stage_release() {
    # Build the tarball a user installs, check it carries no scratch or credentials, run
    # Galaxy's importer and ansible-builder's introspection on it, install it into an empty
    # collections path (amazon.aws supplied locally) and run the examples from there.
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "release: LocalStack is not running" >&2; return 1; }
    local dist="${WORK}/dist" installed="${WORK}/installed" tools="${WORK}/venv-release-tools" tarball
    rm -rf "$dist" "$installed"
    mkdir -p "$dist" "${installed}/ansible_collections"
    in_collection ansible-galaxy collection build --output-path "$dist" || return 1
    tarball=$(ls "$dist"/serverless-aws_lambda-*.tar.gz)
    if tar -tzf "$tarball" | grep -E '(^|/)(tests/output|\.tmp|\.git|\.ruff_cache|hacking|\.ci)(/|$)|__pycache__|cloud-config-aws'; then
        echo "release: the tarball carries scratch files or credentials (above)" >&2
        return 1
    fi
    ensure_venv "$tools" 3.11 "${REQS}/release-tools.txt" || return 1

    printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nRUN_ANSIBLE_DOC = True\nANSIBLE_LOCAL_TMP = %s\n' \
        "${TEST_HOME}/.ansible/tmp" >"${WORK}/galaxy-importer.cfg"
    (cd "$dist" && GALAXY_IMPORTER_CONFIG="${WORK}/galaxy-importer.cfg" HOME="$TEST_HOME" PATH="${tools}/bin:${PATH}" \
        "${tools}/bin/python" -m galaxy_importer.main "$tarball") >"${WORK}/galaxy-importer.log" 2>&1 || {
        cat "${WORK}/galaxy-importer.log"
        return 1
    }
    # Only the known error may be reported: the importer unpacks the collection alone, so
    # ansible-doc cannot resolve amazon.aws's doc fragments (hacking/importer_check.py).
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/importer_check.py" "${WORK}/galaxy-importer.log" || return 1

    ansible-galaxy collection install --offline --no-deps -p "$installed" "$tarball" || return 1
    # An execution environment built for the collection alone must get the AWS SDK.
    local introspected
    introspected=$("${tools}/bin/ansible-builder" introspect --sanitize "$installed") || return 1
    echo "$introspected"
    # Its lines read: - 'boto3>=1.34.0  # from collection serverless.aws_lambda'
    if ! grep -qE "^- 'boto3>=.*# from collection serverless\.aws_lambda'" <<<"$introspected" ||
        ! grep -qE "^- 'botocore>=.*# from collection serverless\.aws_lambda'" <<<"$introspected"; then
        echo "release: ansible-builder introspect does not find boto3 and botocore in the collection" >&2
        return 1
    fi

    mkdir -p "${installed}/ansible_collections/amazon"
    ln -s "${COLLECTIONS}/ansible_collections/amazon/aws" "${installed}/ansible_collections/amazon/aws"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/demo_resources.py" "$LOCALSTACK_URL" >/dev/null || return 1
    local first second
    first=$(run_example "$installed" configure.yml) || { echo "$first"; return 1; }
    second=$(run_example "$installed" configure.yml) || { echo "$second"; return 1; }
    echo "$first" | grep -E '^localhost +: ok=3 +changed=3 ' || { echo "$first"; return 1; }
    echo "$second" | grep -E '^localhost +: ok=3 +changed=0 ' || { echo "$second"; return 1; }
}

main() {
    local started=$SECONDS lanes stage lane
    mkdir -p "$WORK"
    rm -rf "$RESULTS" "$LOGS"
    mkdir -p "$RESULTS" "$LOGS"
    if [ -n "${STAGES:-}" ]; then
        lanes=("$STAGES")
    else
        lanes=("${DEFAULT_LANES[@]}")
    fi
    local all_stages="${lanes[*]}"
    case " ${all_stages} " in
        *" release "* | *" integration-"* | *" awx-"*)
            # release and awx run on LocalStack even when the integration stages use the user's account.
            if [ -z "${LOCALSTACK_URL:-}" ] && { [[ " ${all_stages} " == *" release "* || " ${all_stages} " == *" awx-"* ]] ||
                ! has_user_cloud_config; }; then
                start_localstack || true
            fi
            ;;
    esac
    lanes_share_a_core "${lanes[@]}" && return 1
    if [ ${#lanes[@]} -eq 1 ]; then
        for stage in ${lanes[0]}; do
            run_stage "$stage"
        done
    else
        log "running ${#lanes[@]} lanes side by side; each stage's output is in ${LOGS#"${REPO_ROOT}"/}/"
        set -m # each lane in a process group of its own, so an interrupt stops all of it
        for lane in "${lanes[@]}"; do
            run_lane "$lane" &
            LANE_PIDS+=($!)
        done
        set +m
        wait "${LANE_PIDS[@]}" || true
        LANE_PIDS=()
    fi
    stop_servers
    echo
    local passed=0 failed=0 failed_names=()
    for stage in $all_stages; do
        if [ -f "${RESULTS}/${stage}" ] && grep -q ": passed in" "${RESULTS}/${stage}"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            failed_names+=("$stage")
            if [ -f "${LOGS}/${stage}.log" ]; then
                echo "----- ${stage}: the end of ${LOGS#"${REPO_ROOT}"/}/${stage}.log -----"
                tail -n 120 "${LOGS}/${stage}.log"
            fi
        fi
    done
    for stage in $all_stages; do
        cat "${RESULTS}/${stage}" 2>/dev/null || echo "${stage}: did not run"
    done
    echo "wall time: $((SECONDS - started))s"
    if [ "$failed" -gt 0 ]; then
        echo "failed stages: ${failed_names[*]}"
    fi
    echo "${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
}

main "$@"
