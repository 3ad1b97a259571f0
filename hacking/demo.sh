#!/usr/bin/env bash
# `make demo`: the main job of the collection, against LocalStack on loopback.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap stop_localstack EXIT
trap 'exit 130' INT TERM

# Headings in bold on a terminal, plain when the output goes to a file or a pipe.
if [ -t 1 ]; then
    say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
else
    say() { printf '\n### %s\n' "$*"; }
fi

# step N TITLE COMMAND...: one setup step, with its number and the time it took.
step() {
    local number=$1 title=$2 start=$SECONDS
    shift 2
    printf '  [%s/4] %s\n' "$number" "$title"
    "$@"
    printf '        done in %d s\n' $((SECONDS - start))
}

playbook() { run_example "$COLLECTIONS" "$@"; }

main() {
    mkdir -p "$WORK" "$TEST_HOME"
    say "Setting up pinned tools under .tmp/ (about 3 minutes the first time, seconds afterwards)"
    step 1 "Ansible, boto3 and the test tools (about 100 packages, ~90 s the first time)" ensure_controller
    step 2 "amazon.aws from the pinned ansible wheel (~55 MB download the first time)" ensure_amazon_aws
    step 3 "this collection into .tmp/" sync_collection
    step 4 "LocalStack (~500 MB the first time, ~40 s; then it starts on loopback in a few seconds)" start_localstack

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

    say "Done. The same playbooks run against AWS: see examples/demo_vars.yml. Stopping LocalStack."
}

main "$@"
