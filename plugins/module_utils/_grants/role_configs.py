# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which configs run with an execution role, and the destinations they name: what a revoke must
keep (read from Lambda: every version of the region's functions with its role, then the configs of
the functions on the role, each counted where it runs)."""

import functools

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import unless_missing
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import qualifier_from_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_aliases
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_event_invoke_configs
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import destinations_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import from_api


def _runs_with(qualifier, roles, aliases):
    """The execution roles a config's qualifier runs with: a version's ($LATEST's) own, an alias's
    those of the versions it points to (two for a weighted alias). An alias not found (created
    since the listing) is counted as running with every role of the function, so nothing it may
    need is revoked."""
    if qualifier in roles:
        return {roles[qualifier]}
    versions = aliases().get(qualifier)
    return {roles.get(version) for version in versions} if versions else set(roles.values())


def configs_on_role(role, client_for):
    """{qualified function ARN: destinations} of every config that runs with the role, in the
    regions of the task's configs on it and of the destinations it releases: every version of the
    region's functions (each with its role), then the configs of the functions with a version on
    the role, each counted where it runs (an alias where its versions do)."""
    regions = set(role.clients) | {parse_arn(arn).region for arn in role.released if parse_arn(arn).region}
    found = {}
    for region in sorted(regions):
        client = role.clients.get(region) or client_for("lambda", region)
        roles_by_function = {}
        for version in list_functions(client, all_versions=True):
            roles_by_function.setdefault(version["FunctionName"], {})[version.get("Version")] = version.get("Role")
        for name, roles in sorted(roles_by_function.items()):
            if role.role_arn not in roles.values():
                continue
            configs = unless_missing(list_event_invoke_configs, client, parse_function_ref(name))
            if configs is None:
                continue  # deleted since it was listed
            # Read at most once, and only when a config is an alias's.
            aliases = functools.lru_cache(maxsize=None)(functools.partial(list_aliases, client, name))
            for config in configs:
                if role.role_arn in _runs_with(qualifier_from_arn(config["FunctionArn"]), roles, aliases):
                    found[config["FunctionArn"]] = destinations_of(from_api(config))
    return found
