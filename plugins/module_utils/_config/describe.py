# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The configs as the info module lists them: of one qualifier, of a function, or of every function
of a region, each in the config form with the module_params that adopt it."""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import read_concurrently
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import get_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_event_invoke_configs
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import missing_target
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import not_found
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import from_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import module_params_for


def describe_region_configs(client, max_concurrency):
    """Every config of every function of the client's region (all pages of ListFunctions, each
    function's configs read concurrently, a function deleted meanwhile left out), function after
    function in ListFunctions' order, each as describe_event_invoke_configs gives it."""
    # By name: the functions are the client's own region's and account's, and LocalStack's
    # ListFunctionEventInvokeConfigs does not find a function given by ARN (AWS does).
    names = [function["FunctionName"] for function in list_functions(client)]
    found = read_concurrently(
        names, lambda name: describe_event_invoke_configs(client, parse_function_ref(name)), max_concurrency
    )
    return [config for configs in found for config in configs]


def describe_event_invoke_configs(client, ref):
    """The configs at ref (one qualifier) or of the whole function (no qualifier), each in the
    config form plus module_params. A missing function, version or alias raises; a target
    without configs gives []."""
    if ref.qualifier is None:
        api_configs = list_event_invoke_configs(client, ref)
    else:
        api_config, dummy = get_event_invoke_config(client, ref)
        if api_config is None:
            # AWS answers "not found" alike for a missing config and a missing target.
            what = missing_target(client, ref)
            if what:
                raise not_found(f"Failed to get event invoke config of {ref.describe()}: {what}")
        api_configs = [api_config] if api_config else []
    configs = []
    for api_config in api_configs:
        config = from_api(api_config)
        config["module_params"] = module_params_for(config)
        configs.append(config)
    return configs
