#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fail on anything galaxy-importer reports but what comes of amazon.aws's absence.

    importer_check.py IMPORTER_LOG

The importer unpacks the collection alone, so ansible-doc cannot load amazon.aws's doc
fragments: one ERROR line whose ansible-doc output holds only "Error loading plugin
'amazon.aws....'" warnings and "unknown doc_fragment(s) ...: amazon.aws...." errors.
For the same reason, its ansible-lint cannot resolve the amazon.aws modules of the collection's
playbooks: one WARNING syntax-check[unknown-module] line per playbook that uses one (the lint
stage lints them fully, with amazon.aws installed). Every other ERROR or WARNING line fails the
check. Prints what it accepted and what it refused.
"""

import re
import sys

_KNOWN_PARTS = (
    re.compile(
        r"\[WARNING\]: Error loading plugin 'amazon\.aws\.[a-z0-9_.]+': No module named 'ansible_collections\.amazon'"
    ),
    re.compile(
        r"\[ERROR\]: module serverless\.aws_lambda\.\w+ .*unknown doc_fragment\(s\) in file [^:]+: (amazon\.aws\.[a-z0-9_.]+(, )?)+"
    ),
)


# ansible-lint's warning for a playbook's amazon.aws module, which the importer does not install.
_UNRESOLVED_AMAZON_AWS = re.compile(
    r"WARNING: playbooks/[\w/.-]+\.yml:\d+:\d+: syntax-check\[unknown-module\]: couldn't resolve module/action "
    r"'amazon\.aws\.[a-z0-9_]+'\..*"
)


def is_known(line):
    """The ansible-doc error about amazon.aws's doc fragments (and nothing else in it), or ansible-lint's
    warning about a playbook's amazon.aws module."""
    if _UNRESOLVED_AMAZON_AWS.fullmatch(line):
        return True
    if not line.startswith("ERROR: Error running ansible-doc:"):
        return False
    output = re.search(r' b"(.*)"$', line)
    if not output:
        return False
    parts = [part for part in output.group(1).split("\\n") if part]
    return bool(parts) and all(any(known.fullmatch(part) for known in _KNOWN_PARTS) for part in parts)


def main(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        reported = [line.rstrip("\n") for line in log if line.startswith(("ERROR", "WARNING"))]
    refused = [line for line in reported if not is_known(line)]
    for line in reported:
        print(("refused: " if line in refused else "expected: ") + line[:240])
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
