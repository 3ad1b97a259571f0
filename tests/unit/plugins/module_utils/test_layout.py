# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shape of plugins/module_utils, checked: the AWS plumbing and references at the bottom
(_aws), the config core above it (_config), each feature above the core (_destinations, _grants,
_fleet, _audit), importing only what is below it or in its own package; the modules wire the
features in. Every import is at the top of its file: AnsiballZ takes an import inside a function
as optional, and a wrong path there fails only when that branch runs."""

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
PREFIX = "ansible_collections.serverless.aws_lambda.plugins.module_utils."
BOTTOM, CORE = "_aws", "_config"
FEATURES = ("_destinations", "_grants", "_fleet", "_audit")
# What each package may import of this collection's module_utils.
ALLOWED = dict(
    {BOTTOM: {BOTTOM}, CORE: {BOTTOM, CORE}},
    **{feature: {BOTTOM, CORE, feature} for feature in FEATURES},
)


def python_files(*parts):
    top = os.path.join(ROOT, *parts)
    for folder, dummy, names in os.walk(top):
        for name in sorted(names):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), ROOT)


def parsed(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as source:
        return ast.parse(source.read())


def collection_imports(tree):
    """The module_utils packages a file imports, from its import statements anywhere."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
            found.add(node.module[len(PREFIX) :].split(".")[0])
    return found


def nested_imports(tree):
    """Import statements below the top of the file (a try: import botocore at the top aside)."""
    top = set()
    for node in tree.body:
        top.add(node)
        if isinstance(node, ast.Try):
            top.update(node.body)
    return [
        node.lineno for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in top
    ]


MODULE_UTILS = list(python_files("module_utils"))


def test_module_utils_is_the_packages_of_the_layout():
    assert {path.split(os.sep)[1] for path in MODULE_UTILS} == set(ALLOWED)


@pytest.mark.parametrize("path", MODULE_UTILS)
def test_a_package_imports_only_what_is_below_it_or_its_own(path):
    package = path.split(os.sep)[1]
    assert collection_imports(parsed(path)) <= ALLOWED[package]


@pytest.mark.parametrize("path", MODULE_UTILS + list(python_files("modules")))
def test_every_import_is_at_the_top_of_its_file(path):
    assert nested_imports(parsed(path)) == []
