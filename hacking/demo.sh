#!/usr/bin/env bash
# `make demo` (tox.ini's label demo; hacking/stage.sh sources this file in its env): the main
# job of the collection, against LocalStack on loopback.

# Headings in bold on a terminal, plain when the output goes to a file or a pipe.
if [ -t 1 ]; then
    say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
else
    say() { printf '\n### %s\n' "$*"; }
fi

playbook() { run_example "$COLLECTIONS" "$@"; }

stage_demo() {
    trap stop_localstack EXIT
    trap 'exit 130' INT TERM
    say "Starting LocalStack on loopback (its ~500 MB of packages the first time; then a few seconds)"
    start_localstack

    say "Creating a function 'orders' with version 1 and alias 'live', three more functions, a queue, a topic and an event bus"
    "${CONTROLLER_VENV}/bin/python" "${REPO_ROOT}/hacking/demo_resources.py" "$LOCALSTACK_URL"

    say "1. Dry run (--check --diff): what would change, nothing is written"
    playbook configure.yml --check --diff

    say "2. The real run: three configs are created"
    playbook configure.yml

    say "3. Run again: nothing to do (changed=0), one read per task and no write"
    playbook configure.yml

    say "4. Change one setting: the maximum event age; retries and destinations are kept"
    playbook change_one_setting.yml --diff

    say "5. List every config of the function, and each as a task to adopt it"
    playbook list_configs.yml

    say "6. Remove the configs, then again (no change the second time)"
    playbook remove.yml
    playbook remove.yml

    say "7. A fleet: which functions of the region drop their failed events? Fix them in one task (--check --diff first)"
    playbook audit_and_fix.yml --check --diff
    playbook audit_and_fix.yml --diff
    say "   and again: nothing left to fix"
    playbook audit_and_fix.yml

    say "8. The report people read: which failed events are we losing? (ansible-playbook serverless.aws_lambda.audit_failed_events)"
    local report_dir="${WORK}/demo-report"
    mkdir -p "$report_dir"
    AWS_URL="$LOCALSTACK_URL" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=example-secret-key AWS_REGION=us-east-1 \
        run_collection_playbook "$COLLECTIONS" serverless.aws_lambda.audit_failed_events -e "report_dir=${report_dir}"
    sed -n '/^## Account/,/^### Idle/p' "${report_dir}/failed-events-audit.md"
    say "The report: ${report_dir}/failed-events-audit.md and ${report_dir}/failed-events-audit.html (open it in a browser)"

    say "Done. The same playbooks run against AWS: see examples/demo_vars.yml. Stopping LocalStack."
}
