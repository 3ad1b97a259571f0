#!/usr/bin/env bash
# The pinned tox (hacking/requirements/tox.txt) on tox.ini, with pyenv's Pythons found:
#   bash hacking/tox.sh -e units-py3.11-2.19      bash hacking/tox.sh list
# Envs that need LocalStack (integration, awx, release) run through `make test`, which starts it.
# shellcheck source=hacking/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_tox "$@"
