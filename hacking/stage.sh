#!/usr/bin/env bash
# One stage of tox.ini's matrix, in its tox env: `bash hacking/stage.sh ENV_NAME` (tox.ini's
# commands). The env name says the stage and the core (STAGE-pyX.Y-CORE); tox.ini's set_env
# says the rest (hacking/lib.sh tox_env_context). Each stage starts from a fresh copy of the
# collection in its own collection tree, beside the amazon.aws of its core.
#
# sanity, units: ansible-test's, on the env's Python. integration: the targets, against the
# LocalStack that hacking/test.sh started (LOCALSTACK_URL) or the user's cloud config.
# awx: ansible-runner's job events. lint, docs, release: once, on the tools core.
# demo, bench, reliability: make demo / make bench / make reliability (their own LocalStack).
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

in_collection() { (cd "$COLLECTION_DIR" && HOME="$TEST_HOME" "$@"); }

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
    # amazon.aws's code style (ruff, configured in pyproject.toml), and shellcheck on the harness.
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-lint --profile production --nocolor || return 1
    (cd "$REPO_ROOT" && ruff format --check . && ruff check . && shellcheck -x hacking/*.sh hacking/lib/*.sh .ci/run) ||
        return 1
    # One job per harness file: none over 400 lines (hacking/README.md maps them).
    local long
    long=$(cd "$REPO_ROOT" && find hacking .ci \( -name '*.py' -o -name '*.sh' -o -name run \) -exec wc -l {} + |
        awk '$2 != "total" && $1 > 400 {print}')
    [ -z "$long" ] || { echo "harness files over 400 lines:" >&2; echo "$long" >&2; return 1; }
}

stage_docs() {
    # Module docs render, pass antsibull-docs' linter (references to amazon.aws included),
    # and the changelog fragments are valid.
    local plugin
    for plugin in module:lambda_event_invoke_config module:lambda_event_invoke_config_info \
        module:lambda_failure_handling_info filter:failed_events_report filter:failed_events_merge; do
        in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
            ansible-doc -t "${plugin%%:*}" "serverless.aws_lambda.${plugin#*:}" >/dev/null || return 1
    done
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
        antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all . || return 1
    in_collection antsibull-changelog lint || return 1
    build_docsite
}

# The collection's docsite as `antsibull-docs sphinx-init --use-current` sets it up, built offline
# with every Sphinx warning (a broken reference included) an error; left in .tmp/docsite/build/html.
build_docsite() {
    local site="${REPO_ROOT}/.tmp/docsite"
    rm -rf "$site"
    mkdir -p "$site"
    in_collection env ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
        antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$site" serverless.aws_lambda || return 1
    python "${REPO_ROOT}/hacking/docsite_offline.py" "$site" "$COLLECTIONS" || return 1
    (cd "$site" && HOME="$TEST_HOME" ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ./build.sh) || return 1
    echo "docsite: ${site}/build/html/index.html"
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

# Where tox.ini sets INTEGRATION_ACCOUNT (the newest core), the targets run under that account
# with a session token: LocalStack puts everything in the account of a 12-digit access key ID,
# so one LocalStack shows that the targets assume nothing of the emulator's own account, and
# that they clean up after themselves there.
stage_integration() {
    local targets
    # The targets asked for, or the core's scope (tox.ini), or all of them.
    # shellcheck disable=SC2206  # lists of target names
    targets=(${INTEGRATION_TARGETS:-${INTEGRATION_SCOPE:-}})
    if has_user_cloud_config; then
        # The user's own account or endpoint (copied in by sync_collection): no emulator.
        log "integration: using ${USER_CLOUD_CONFIG#"${REPO_ROOT}"/} as it is"
        [ ${#targets[@]} -gt 0 ] || targets=(--exclude emulator_only/)
        run_integration "${STAGE_TMP}/integration.log" "${targets[@]}"
        return
    fi
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "integration: LocalStack is not running" >&2; return 1; }
    # This stage's own fault proxy, so that two cores' fault targets never share one.
    trap stop_fault_proxy EXIT
    start_fault_proxy || return 1
    if [ -n "${INTEGRATION_ACCOUNT:-}" ]; then
        local token="session-token-of-${INTEGRATION_ACCOUNT}"
        log "integration: account ${INTEGRATION_ACCOUNT}, with a session token"
        write_cloud_config "$INTEGRATION_ACCOUNT" "$token" || return 1
        run_integration "${STAGE_TMP}/integration.log" "${targets[@]}" || return 1
        nothing_left_behind "$INTEGRATION_ACCOUNT" "$token"
    else
        write_cloud_config || return 1
        run_integration "${STAGE_TMP}/integration.log" "${targets[@]}"
    fi
}

# nothing_left_behind ACCOUNT TOKEN: no role, queue, topic, bus or bucket of the targets is left in
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
    # task of AWX_CONFIGS configs (tox.ini) whose result AWX keeps, in --check --diff, for real with
    # --diff, and with every item failing (hacking/runner_check.py prints the figures).
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "awx: LocalStack is not running" >&2; return 1; }
    HOME="$TEST_HOME" "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/runner_check.py" "$LOCALSTACK_URL" \
        "$COLLECTIONS" "${STAGE_TMP}/runner" "${AWX_CONFIGS:-1000}"
}

stage_release() {
    # Build the tarball a user installs, check it carries no scratch or credentials, run
    # Galaxy's importer and ansible-builder's introspection on it, install it into an empty
    # collections path (amazon.aws supplied locally) and run the examples from there.
    [ -n "${LOCALSTACK_URL:-}" ] || { echo "release: LocalStack is not running" >&2; return 1; }
    local dist="${STAGE_TMP}/dist" installed="${STAGE_TMP}/installed" tools="${WORK}/venv-release-tools" tarball
    rm -rf "$dist" "$installed"
    mkdir -p "$dist" "${installed}/ansible_collections"
    in_collection ansible-galaxy collection build --output-path "$dist" || return 1
    tarball=$(ls "$dist"/serverless-aws_lambda-*.tar.gz)
    if tar -tzf "$tarball" | grep -E '(^|/)(tests/output|\.tmp|\.git|\.ruff_cache|hacking|\.ci)(/|$)|__pycache__|cloud-config-aws'; then
        echo "release: the tarball carries scratch files or credentials (above)" >&2
        return 1
    fi
    ensure_venv "$tools" 3.11 "${REQS}/release-tools.txt" || return 1

    printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nRUN_ANSIBLE_DOC = True\nRUN_FLAKE8 = True\nANSIBLE_LOCAL_TMP = %s\n' \
        "${TEST_HOME}/.ansible/tmp" >"${STAGE_TMP}/galaxy-importer.cfg"
    (cd "$dist" && GALAXY_IMPORTER_CONFIG="${STAGE_TMP}/galaxy-importer.cfg" HOME="$TEST_HOME" PATH="${tools}/bin:${PATH}" \
        "${tools}/bin/python" -m galaxy_importer.main "$tarball") >"${STAGE_TMP}/galaxy-importer.log" 2>&1 || {
        cat "${STAGE_TMP}/galaxy-importer.log"
        return 1
    }
    # Only the known error may be reported: the importer unpacks the collection alone, so
    # ansible-doc cannot resolve amazon.aws's doc fragments (hacking/importer_check.py).
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/importer_check.py" "${STAGE_TMP}/galaxy-importer.log" || return 1

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

case "${1:-}" in
    demo-* | bench-* | reliability-*)
        # shellcheck source=/dev/null
        source "${REPO_ROOT}/hacking/${1%%-*}.sh"
        ;;
esac

main() {
    tox_env_context "$1"
    declare -F "stage_${STAGE}" >/dev/null || { echo "no stage ${STAGE} (env $1)" >&2; return 1; }
    ensure_amazon_aws
    sync_collection
    "stage_${STAGE}"
}

main "$@"
