#!/usr/bin/env bash
# `make demo`: the main job of the collection, against LocalStack on loopback.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trap stop_localstack EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }

playbook() { run_example "$COLLECTIONS" "$@"; }

main() {
    mkdir -p "$WORK" "$TEST_HOME"
    say "Setting up pinned tools under .tmp/ (first run only)"
    ensure_controller
    ensure_amazon_aws
    sync_collection
    start_localstack

    say "Creating a function 'orders' with version 1 and alias 'live', a queue, a topic and an event bus"
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

    say "Done. The same playbooks run against AWS: see examples/demo_vars.yml. Stopping LocalStack."
}

main "$@"
