# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Markdown the harness prints (the bench's and the reliability targets' reports) as the RST of the
collection's docsite, so that each report is written once and read in both places.

Only the Markdown those reports use: headings, paragraphs, lists, pipe tables (as list-tables),
fenced code, inline code, links and bold. `python hacking/markdown_rst.py LABEL < in.md > out.rst`
converts a file, its first line the docsite label.
"""

import re
import sys

LABEL_PREFIX = "ansible_collections.serverless.aws_lambda.docsite."
UNDERLINES = {1: "=", 2: "-", 3: "~", 4: "^"}
# Inline code, or a link [text](url).
_INLINE = re.compile(r"`(?P<code>[^`]+)`|\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)")
_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def inline(text):
    """Inline code and links in RST; markup glued to a word gets RST's escaped space."""
    parts = []
    last = 0
    for found in _INLINE.finditer(text):
        before = text[last : found.start()]
        after = text[found.end() : found.end() + 1]
        if found.group("code"):
            markup = f"``{found.group('code')}``"
        else:
            markup = f"`{found.group('text')} <{found.group('url')}>`__"
        glue_before = "\\ " if before[-1:].isalnum() else ""
        glue_after = "\\ " if after.isalnum() else ""
        parts.append(f"{before}{glue_before}{markup}{glue_after}")
        last = found.end()
    parts.append(text[last:])
    return "".join(parts)


def cells(row):
    """The cells of a pipe table's row; `\\|` is a pipe inside a cell."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def table(rows):
    header, body = cells(rows[0]), [cells(row) for row in rows[2:]]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + body:
        for index, cell in enumerate(row):
            lines.append(f"   {'*' if index == 0 else ' '} - {inline(cell)}".rstrip())
    return lines + [""]


def to_rst(markdown, label=None):
    """The RST of a Markdown text; label: the docsite label the page gets (without the prefix)."""
    source = markdown.splitlines()
    out = [f".. _{LABEL_PREFIX}{label}:", ""] if label else []
    index = 0
    while index < len(source):
        line = source[index]
        heading = re.fullmatch(r"(#{1,4}) (.+)", line)
        if heading:
            title = inline(heading.group(2).strip())
            out += [title, UNDERLINES[len(heading.group(1))] * len(title), ""]
            index += 1
        elif line.startswith("```"):
            language = line[3:].strip() or "text"
            index += 1
            block = []
            while not source[index].startswith("```"):
                block.append(f"   {source[index]}".rstrip())
                index += 1
            out += [f".. code-block:: {language}", ""] + block + [""]
            index += 1
        elif line.startswith("|") and index + 1 < len(source) and _TABLE_RULE.fullmatch(source[index + 1].strip()):
            rows = []
            while index < len(source) and source[index].startswith("|"):
                rows.append(source[index])
                index += 1
            out += table(rows)
        elif not line.strip():
            if out and out[-1]:
                out.append("")
            index += 1
        else:
            out.append(inline(line.rstrip()))
            index += 1
            # RST needs a blank line between a paragraph and a list or table that follows it.
            if (
                index < len(source)
                and re.match(r"(- |\d+\. |\|)", source[index])
                and not re.match(r"(- |\d+\. |  )", line)
            ):
                out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(to_rst(sys.stdin.read(), sys.argv[1] if len(sys.argv) > 1 else None))
