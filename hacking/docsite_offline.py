# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make the docsite that `antsibull-docs sphinx-init` set up build offline, every reference checked.

`python hacking/docsite_offline.py DOCSITE COLLECTIONS`: intersphinx reads no network; the labels
our pages may name outside this collection (amazon.aws's modules, as installed beside it, and the
Ansible docs' pages that antsibull-docs links from every module page) come from a local inventory
that points at docs.ansible.com, so that a broken reference to one of them still fails the build.
"""

import os
import sys
import zlib

ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# The Ansible docs' labels that antsibull-docs' generated pages name.
ANSIBLE_LABELS = {
    "common_return_values": "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
    "module_defaults": "playbook_guide/playbooks_module_defaults.html",
    "playbooks_checkmode": "playbook_guide/playbooks_checkmode.html",
}


def inventory(collections):
    """objects.inv's lines: amazon.aws's modules installed in collections and ANSIBLE_LABELS."""
    modules = os.path.join(collections, "ansible_collections", "amazon", "aws", "plugins", "modules")
    lines = [f"{label} std:label -1 {page} -" for label, page in sorted(ANSIBLE_LABELS.items())]
    for name in sorted(os.listdir(modules)):
        module, extension = os.path.splitext(name)
        if extension == ".py" and not module.startswith("_"):
            page = f"collections/amazon/aws/{module}_module.html"
            lines.append(f"ansible_collections.amazon.aws.{module}_module std:label -1 {page} amazon.aws.{module}")
    return lines


def main(docsite, collections):
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
    header += "# The remainder of this file is compressed using zlib.\n"
    path = os.path.join(docsite, "ansible.inv")
    with open(path, "wb") as handle:
        handle.write(header.encode() + zlib.compress(("\n".join(inventory(collections)) + "\n").encode()))
    with open(os.path.join(docsite, "conf.py"), "a") as handle:
        handle.write(
            "\n# Offline (hacking/docsite_offline.py): one local inventory, no network.\n"
            f"intersphinx_mapping = {{'ansible_devel': ({ANSIBLE_DOCS!r}, {os.path.abspath(path)!r})}}\n"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
