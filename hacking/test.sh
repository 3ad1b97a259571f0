#!/usr/bin/env bash
# `make test`: every env of tox.ini's matrix (sanity and units on each supported ansible-core,
# integration on the oldest and newest, ansible-runner's job events, ansible-lint and ruff, the
# docs linters, the release check), two at a time (the machines have 2 cores), then one summary
# line. tox.ini declares the matrix; hacking/stage.sh runs one stage in its env. What tox does
# not do is done here: the pinned tox itself, and one LocalStack on loopback for every env that
# needs it, stopped when the run ends.
#
#   TOX_ENVS=units-py3.11-2.19,sanity-py3.13-2.21 make test   a subset, one after the other, output shown
#   INTEGRATION_TARGETS=lambda_event_invoke_config_info TOX_ENVS=integration-py3.11-2.17 make test
#   tests/integration/cloud-config-aws.ini present: the integration envs run against the account
#   or endpoint it names (no LocalStack), leaving out emulator_only targets.
#   LOCALSTACK_URL=http://127.0.0.1:4566 ...   reuse a running LocalStack
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap stop_servers EXIT
trap 'exit 130' INT TERM

RESULT_JSON="${WORK}/tox-result.json"

# needs_localstack ENV...: true when an env talks to LocalStack (release and awx always do, the
# integration envs unless the user's own cloud config is there).
needs_localstack() {
    local env
    for env in "$@"; do
        case $env in
            release-* | awx-*) return 0 ;;
            integration-*) has_user_cloud_config || return 0 ;;
        esac
    done
    return 1
}

# summary: each env's result and time from tox's JSON, then the one summary line.
summary() {
    "${TOX_VENV}/bin/python" - "$RESULT_JSON" "$@" <<'PY'
import json
import sys

path, names = sys.argv[1], sys.argv[2:]
try:
    with open(path) as handle:
        envs = json.load(handle).get("testenvs", {})
except (OSError, ValueError):
    envs = {}
passed = failed = 0
for name in names:
    result = envs.get(name, {}).get("result")
    if result is None:
        print(f"{name}: did not run")
        failed += 1
    elif result["success"]:
        print(f"{name}: passed in {result['duration']:.0f}s")
        passed += 1
    else:
        print(f"{name}: FAILED (exit {result['exit_code']}) in {result['duration']:.0f}s")
        failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
}

main() {
    local started=$SECONDS envs=() rc=0
    mkdir -p "$WORK"
    ensure_tox
    if [ -n "${TOX_ENVS:-}" ]; then
        IFS=', ' read -r -a envs <<<"$TOX_ENVS"
    else
        mapfile -t envs < <(run_tox list --no-desc -d)
    fi
    if [ -z "${LOCALSTACK_URL:-}" ] && needs_localstack "${envs[@]}"; then
        start_localstack
    fi
    export LOCALSTACK_URL=${LOCALSTACK_URL:-}
    rm -f "$RESULT_JSON"
    local list
    list=$(IFS=,; echo "${envs[*]}")
    if [ -n "${TOX_ENVS:-}" ]; then
        run_tox run --result-json "$RESULT_JSON" -e "$list" || rc=$?
    else
        log "running ${#envs[@]} tox envs, two at a time; a failed env's output is printed at the end"
        run_tox run-parallel --parallel 2 --parallel-no-spinner --result-json "$RESULT_JSON" -e "$list" || rc=$?
    fi
    stop_servers
    echo
    echo "wall time: $((SECONDS - started))s (tox exit ${rc})"
    summary "${envs[@]}"
}

main "$@"
