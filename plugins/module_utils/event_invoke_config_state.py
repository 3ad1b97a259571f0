# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring an event invoke config to a state, or describe the configs of a function.

These functions only orchestrate: one read, then at most one write, using the pure
functions of event_invoke_config and the API wrappers of event_invoke_config_api.
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import diff_view
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import from_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import function_arn_in_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import is_empty
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import merge_settings
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import module_params_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import predict_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import settings_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import to_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import delete_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import get_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_event_invoke_configs
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import put_event_invoke_config


def _result(changed, before, after):
    return {
        "changed": changed,
        "event_invoke_config": after,
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }


def ensure_present(client, ref, params, check_mode, preflight=None):
    """Lay the task's settings over the config at ref; write only when that changes it.

    preflight(desired), when given, runs before a write (and in check mode), only when
    there is something to write; it raises when AWS would refuse the config.
    params["iam_propagation_timeout"] bounds the wait for a fresh role grant.
    """
    api_current, missing_message = get_event_invoke_config(client, ref)
    current = from_api(api_current)
    desired = merge_settings(current, params)
    if is_empty(desired):
        if current:
            raise ParameterError(
                f"the task would leave the event invoke config of {ref.describe()} with no setting, which AWS refuses; "
                "use state=absent to remove the config"
            )
        raise ParameterError(
            f"{ref.describe()} has no event invoke config yet: set at least one of maximum_retry_attempts, "
            "maximum_event_age_in_seconds or a destination in destination_config"
        )
    if current and settings_of(current) == desired:
        return _result(False, current, current)
    if preflight is not None:
        preflight(desired)
    if check_mode:
        after = predict_config(current, desired, ref, function_arn_in_message(missing_message))
    else:
        after = from_api(
            put_event_invoke_config(client, ref, to_api(desired), params.get("iam_propagation_timeout") or 0)
        )
    return _result(True, current, after)


def ensure_absent(client, ref, check_mode):
    """Delete the config at ref (and only that qualifier's); a missing one is no change."""
    api_current, dummy = get_event_invoke_config(client, ref)
    if not api_current:
        return _result(False, {}, {})
    # A config deleted between our read and our delete is the state we wanted.
    if not check_mode:
        delete_event_invoke_config(client, ref)
    return _result(True, from_api(api_current), {})


def describe_event_invoke_configs(client, ref):
    """The configs at ref (one qualifier) or of the whole function (no qualifier), each in the
    config form plus module_params. A missing function raises; a function without configs
    gives []."""
    if ref.qualifier is None:
        api_configs = list_event_invoke_configs(client, ref)
    else:
        api_config, dummy = get_event_invoke_config(client, ref)
        if api_config is None:
            # AWS answers "not found" alike for a missing config and a missing function:
            # the list call fails only in the second case.
            list_event_invoke_configs(client, ref)
        api_configs = [api_config] if api_config else []
    configs = []
    for api_config in api_configs:
        config = from_api(api_config)
        config["module_params"] = module_params_for(config)
        configs.append(config)
    return configs
