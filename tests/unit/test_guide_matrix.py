# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The development guide's table of supported versions is tox.ini's matrix: the matrix is declared
once, in tox.ini, and this test makes a core, a pin or a stage changed there without the guide fail."""

import configparser
import os
import re

from ansible_collections.serverless.aws_lambda.tests.unit.docsite import guide
from ansible_collections.serverless.aws_lambda.tests.unit.docsite import table_rows

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as source:
        return source.read()


def tox_ini():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(read("tox.ini"))
    return parser


def lines(value):
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def for_env(value, factors):
    """The lines of a tox setting that apply to an env with these factors: tox's `a,b: line`
    is a line for envs with factor a or b (the matrix uses no other form)."""
    chosen = []
    for line in lines(value):
        condition, sep, rest = line.partition(": ")
        if sep and re.fullmatch(r"[\w.]+(,[\w.]+)*", condition):
            if set(condition.split(",")) & factors:
                chosen.append(rest.strip())
        else:
            chosen.append(line)
    return chosen


def substitute(ini, value):
    """tox's `{[section]key}`: the value of key in another section of tox.ini."""
    return re.sub(r"\{\[([\w.]+)\]([\w.]+)\}", lambda found: ini[found.group(1)][found.group(2)].strip(), value)


def pins(requirements):
    found = {}
    for line in lines(read(requirements)):
        name, sep, version = line.partition("==")
        if sep:
            found[name.lower()] = version
    return found


def matrix():
    """Per core: its env names' stages and Python, and what tox.ini's settings give it."""
    ini = tox_ini()
    cores = {}
    for env in lines(ini["tox"]["env_list"]):
        stage, python, core = env.split("-")
        entry = cores.setdefault(core, {"stages": set(), "python": python[2:]})
        assert entry["python"] == python[2:], f"{core} runs on one controller Python"
        entry["stages"].add(stage)
    for core, entry in cores.items():
        factors = {core, "py" + entry["python"]}
        deps = for_env(ini["testenv"]["deps"], factors)
        requirement = [dep[3:] for dep in deps if dep.startswith("-r hacking/")]
        assert len(requirement) == 1, f"one pinned requirements file for {core}"
        entry["pins"] = pins(requirement[0])
        entry["env"] = dict(
            (substitute(ini, part.strip()) for part in setting.split("=", 1))
            for setting in for_env(ini["testenv"]["set_env"], factors)
        )
    return cores


def guide_rows():
    """The matrix's rows of the development guide, by core."""
    rows = {}
    for row in table_rows("guide_development"):
        match = re.fullmatch(r"(2\.\d+)\.(\d+)", row[0])
        if match:
            rows[match.group(1)] = row
    return rows


def test_the_guide_table_of_versions_is_tox_ini():
    cores = matrix()
    rows = guide_rows()
    assert set(rows) == set(cores)
    for core, entry in cores.items():
        version, python, sanity, units, integration, amazon_aws, sdk = rows[core]
        assert version == entry["pins"]["ansible-core"]
        assert python == entry["python"]
        assert "sanity" in entry["stages"]
        if entry["env"]["SANITY_PYTHONS"] == "all":
            assert sanity.startswith(f"every one installed that {core} supports")
        else:
            assert sanity == entry["python"]
        assert units == ("yes" if "units" in entry["stages"] else "no")
        assert integration.startswith("yes") == ("integration" in entry["stages"])
        assert ("second account" in integration) == ("INTEGRATION_ACCOUNT" in entry["env"])
        scope = entry["env"].get("INTEGRATION_SCOPE", "").split()
        assert ("every target" in integration) == (not scope and "integration" in entry["stages"])
        assert set(re.findall(r"lambda_event_invoke_config\w*", integration)) == set(scope)
        assert all(os.path.isdir(os.path.join(ROOT, "tests", "integration", "targets", target)) for target in scope)
        assert amazon_aws == entry["env"]["AMAZON_AWS_VERSION"]
        assert sdk.split(" ")[0] == entry["pins"]["boto3"] == entry["pins"]["botocore"]


def test_the_tools_stages_run_once_on_one_core():
    cores = matrix()
    tools = {"lint", "docs", "release"}
    holders = [core for core, entry in cores.items() if entry["stages"] & tools]
    assert len(holders) == 1 and cores[holders[0]]["stages"] >= tools
    assert f"run once, on {holders[0]}" in guide("guide_development")
