# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The tables of the docsite's guides (docs/docsite/rst/), for the tests that keep them equal to the
code: each `list-table` of a guide as rows of cell texts."""

import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def guide(name):
    with open(os.path.join(ROOT, "docs", "docsite", "rst", f"{name}.rst"), encoding="utf-8") as source:
        return source.read()


def list_tables(text):
    """Every list-table of an RST text: [[row, ...], ...], each row its cells' texts, joined into one
    line each (a cell may span lines)."""
    tables = []
    rows = None
    for line in text.splitlines():
        if line.startswith(".. list-table::"):
            rows = []
            tables.append(rows)
        elif rows is not None:
            item = re.match(r"   ([* ]) - ?(.*)$", line)
            if item:
                if item.group(1) == "*":
                    rows.append([])
                rows[-1].append(item.group(2))
            elif re.match(r"       \S", line) and rows and rows[-1]:
                rows[-1][-1] += " " + line.strip()
            elif line and not line.startswith("   :"):
                rows = None
    return tables


def table_rows(name):
    """The rows of every list-table of a guide, headers included."""
    return [row for table in list_tables(guide(name)) for row in table]
