# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version: galaxy.yml owns it; the user agent's copy must agree."""

import os
import re

import yaml

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import COLLECTION_NAME
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import COLLECTION_VERSION
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.modules import lambda_event_invoke_config_info

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")


def galaxy():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as galaxy_yml:
        return yaml.safe_load(galaxy_yml)


def version_tuple(version):
    return tuple(int(part) for part in str(version).split("."))


def test_user_agent_names_the_collection_as_galaxy_does():
    manifest = galaxy()
    assert COLLECTION_NAME == f"{manifest['namespace']}.{manifest['name']}"
    assert COLLECTION_VERSION == manifest["version"]


def test_no_option_is_documented_as_added_after_this_version():
    current = version_tuple(galaxy()["version"])
    for module in (lambda_event_invoke_config, lambda_event_invoke_config_info):
        found = re.findall(r"^\s*version_added: *['\"]?([0-9.]+)", module.DOCUMENTATION + module.RETURN, re.M)
        assert found, module.__name__
        assert all(version_tuple(version) <= current for version in found), (module.__name__, found)
