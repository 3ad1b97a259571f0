#!/usr/bin/env bash
# `make reliability` (tox.ini's label reliability; hacking/stage.sh sources this file in its
# env): the bad-input, fault and concurrency targets against LocalStack, and the table they
# record, printed and written to the docsite's reliability page
# (docs/docsite/rst/guide_reliability.rst).

stage_reliability() {
    trap stop_servers EXIT
    trap 'exit 130' INT TERM
    export RELIABILITY_REPORT_DIR="${STAGE_TMP}/reliability"
    mkdir -p "$RELIABILITY_REPORT_DIR"
    start_localstack || return 1
    local rc=0
    # In a subshell: the stage sets its own EXIT trap (the fault proxy's).
    (
        INTEGRATION_TARGETS="lambda_event_invoke_config_bad_input lambda_event_invoke_config_faults"
        INTEGRATION_TARGETS+=" lambda_event_invoke_config_concurrency"
        stage_integration
    ) || rc=1
    # The rows recorded are what the cases observed, failed ones included: show them either way.
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/reliability_table.py" "$RELIABILITY_REPORT_DIR" \
        "${REPO_ROOT}/docs/docsite/rst/guide_reliability.rst" || rc=1
    return "$rc"
}
