#!/usr/bin/env bash
# `make reliability`: run the bad-input, fault and concurrency targets against LocalStack and
# print the table they record; it is also written to docs/reliability.md.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
    export RELIABILITY_REPORT_DIR="${WORK}/reliability"
    rm -rf "$RELIABILITY_REPORT_DIR"
    mkdir -p "$RELIABILITY_REPORT_DIR"
    local rc=0
    INTEGRATION_TARGETS="lambda_event_invoke_config_bad_input lambda_event_invoke_config_faults lambda_event_invoke_config_concurrency" \
        STAGES="integration-${DEFAULT_CORE}" bash "${REPO_ROOT}/hacking/test.sh" || rc=1
    # The rows recorded are what the cases observed, failed ones included: show them either way.
    select_core "$DEFAULT_CORE"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/reliability_table.py" "$RELIABILITY_REPORT_DIR" \
        "${REPO_ROOT}/docs/reliability.md" || rc=1
    return "$rc"
}

main "$@"
