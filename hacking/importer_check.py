#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fail on anything galaxy-importer reports but the one known error.

    importer_check.py IMPORTER_LOG

The importer unpacks the collection alone, so ansible-doc cannot load amazon.aws's doc
fragments: one ERROR line whose ansible-doc output holds only "Error loading plugin
'amazon.aws....'" warnings and "unknown doc_fragment(s) ...: amazon.aws...." errors. Every
other ERROR or WARNING line fails the check. Prints what it accepted and what it refused.
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


def is_known(line):
    """The ansible-doc error about amazon.aws's doc fragments, and nothing else in it."""
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
