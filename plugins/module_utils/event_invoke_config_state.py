# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring an event invoke config to a state, or describe the configs of a function.

These functions only orchestrate: one read, then at most one write, using the pure
functions of event_invoke_config and the API wrappers of event_invoke_config_api. With
grant_destinations, the execution role's grant (execution_role_grant) is read too, and written
around the Lambda write.
"""

import functools

from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_preflight import destination_exists
from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_preflight import preflight_destinations
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import SETTING_OPTIONS
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import check_not_self
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import diff_view
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import from_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import merge_settings
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import module_params_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import predict_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import settings_given
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import settings_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import to_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import to_update_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    delete_event_invoke_config,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    get_event_invoke_config,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import get_function
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    list_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import missing_target
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    write_event_invoke_config,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import DestinationGrant
from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import (
    other_account_destinations,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import function_arn_in_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import unqualified_function_arn


def _result(changed, before, after, grant=None):
    result = {
        "changed": changed,
        "event_invoke_config": after,
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }
    if grant is not None:
        # The grant as it was and as it is (or would be) after the task; no policy is null.
        result["execution_role_grant"] = grant.view(grant.held)
        result["diff"]["before"]["execution_role_grant"] = grant.view(grant.current)
        result["diff"]["after"]["execution_role_grant"] = grant.view(grant.held)
    return result


def _missing_target_error(ref, what):
    # One message, and no AWS error appended to it, for check mode and the real run alike:
    # a dry run fails exactly as the real run would.
    return EventInvokeConfigError(message=f"Failed to put event invoke config of {ref.describe()}: {what}")


def _check_target_exists(client, ref, warn):
    """Check mode, no config found: fail as the real run's Put would when the function,
    version or alias does not exist. When the caller may not read the function, warn and
    predict the create."""
    try:
        what = missing_target(client, ref)
    except EventInvokeConfigError as e:
        warn(
            f"could not check that {ref.describe()} exists ({error_code(e.exception) or e.exception}); "
            "the create is predicted as if it did"
        )
        return
    if what:
        raise _missing_target_error(ref, what)


def _write(client, ref, current, desired, params, destination_exists):
    """The write that brings current to desired: an Update of only what changes when the config
    exists (so another writer's concurrent change of any other setting is kept), a Put of the
    complete config to create one or to remove a destination (see to_update_api)."""
    update = to_update_api(current, desired) if current else None
    api_settings = to_api(desired) if update is None else update
    timeout = params.get("iam_propagation_timeout") or 0
    try:
        return write_event_invoke_config(
            client, ref, api_settings, timeout, destination_exists, update=update is not None, settings=desired
        )
    except EventInvokeConfigError as e:
        if error_code(e.exception) != "ResourceNotFoundException":
            raise
        if current:
            # The write found nothing where the read found a config: another writer deleted it.
            raise EventInvokeConfigError(
                message=f"Failed to write event invoke config of {ref.describe()}: the config or its function was "
                "deleted after this task read it; nothing was written (run the task again to create it)",
                exception=e.exception,
            ) from e
        # "The function doesn't exist." names neither the function nor what is missing of it.
        try:
            what = missing_target(client, ref)
        except EventInvokeConfigError:
            raise e from None
        if not what:
            raise
        raise _missing_target_error(ref, what) from e


def read_grant(client, iam, ref):
    """The grant of the config at ref (its function's execution role, read with GetFunction),
    or None when the function, version or alias does not exist."""
    try:
        configuration = get_function(client, ref)["Configuration"]
    except EventInvokeConfigError as e:
        if error_code(e.exception) == "ResourceNotFoundException":
            return None
        raise
    qualified = f"{unqualified_function_arn(configuration['FunctionArn'])}:{ref.qualifier or LATEST}"
    return DestinationGrant(iam, configuration["Role"], qualified)


def _destinations(settings):
    return [entry["destination"] for dummy, entry in sorted(settings["destination_config"].items())]


def ensure_present(
    client, ref, params, check_mode, preflight=None, destination_exists=None, warn=None, grant_reader=None
):
    """Lay the task's settings over the config at ref; write only when that changes it.

    One read; then, when something changes, one write (real run: see _write) or nothing
    (check mode).
    Where the read found no config, check mode also reads the function, so that it fails
    as the real run would when the function, version or alias does not exist.
    preflight(desired), when given, runs before a write (and in check mode), only when
    there is something to write; it raises when AWS would refuse the config.
    destination_exists(arn) tells a missing destination from a propagating grant (see
    write_event_invoke_config); params["iam_propagation_timeout"] bounds the wait.
    grant_reader(), when given (grant_destinations), reads the config's grant: the execution role
    then gets what the desired destinations need before the write, and loses what they no
    longer need after it (see execution_role_grant); a change of the grant alone is a change.
    """
    warn = warn or (lambda message: None)
    api_current, missing_message = get_event_invoke_config(client, ref)
    current = from_api(api_current)
    if not current and not settings_given(params):
        # AWS refuses a Put without settings ("You must specify at least one of error
        # handling or destination setting.").
        raise ParameterError(
            f"{ref.describe()} has no event invoke config yet: set at least one of "
            f"{', '.join(SETTING_OPTIONS[:-1])} or {SETTING_OPTIONS[-1]}"
        )
    desired = merge_settings(current, params)
    # The first read names the function's full ARN (its account, when the task gave a name).
    check_not_self(current.get("function_arn") or function_arn_in_message(missing_message), desired)
    unchanged = bool(current) and settings_of(current) == desired
    destinations = _destinations(desired)
    # The grant's read of the function also shows that it exists (None: it does not).
    grant = grant_reader() if grant_reader is not None else None
    if check_mode and not current and grant is None:
        # Fail as the real run would when the target is missing.
        _check_target_exists(client, ref, warn)
    if grant is not None:
        for arn in other_account_destinations(grant.role_arn, destinations):
            warn(
                f"{ref.describe()}: {arn} is in another account: grant_destinations grants the execution role's side; "
                f"the destination's resource policy must also allow {grant.role_arn}"
            )
    if unchanged and (grant is None or not grant.would_change(destinations)):
        return _result(False, current, current, grant)
    if preflight is not None and not unchanged:
        preflight(desired)
    if grant is not None:
        grant.before_write(destinations, check_mode)
    if unchanged:
        after = current
    elif check_mode:
        after = predict_config(current, desired, ref, function_arn_in_message(missing_message))
    else:
        after = from_api(_write(client, ref, current, desired, params, destination_exists))
    if grant is not None:
        grant.after_write(check_mode)
    return _result(True, current, after, grant)


def ensure_absent(client, ref, check_mode, grant_reader=None):
    """Delete the config at ref (and only that qualifier's); a missing one is no change.
    With grant_reader (grant_destinations), the config's grant is revoked after the delete."""
    api_current, dummy = get_event_invoke_config(client, ref)
    grant = grant_reader() if grant_reader is not None else None
    if not api_current and (grant is None or not grant.would_change([])):
        return _result(False, {}, {}, grant)
    # A config deleted between our read and our delete is the state we wanted.
    if api_current and not check_mode:
        delete_event_invoke_config(client, ref)
    if grant is not None:
        grant.revoke(check_mode)
    return _result(True, from_api(api_current), {}, grant)


def apply_task(client_for, ref, params, check_mode, warn):
    """Bring the config at ref to what a task's params ask (state present or absent).

    client_for(service, region) gives boto3 clients; a function given by ARN is addressed in
    the ARN's region, whatever the module's region. warn(message) reports what the user
    should know and is not a failure.
    """
    client = client_for("lambda", ref.region)
    grant_reader = None
    if params.get("grant_destinations"):
        grant_reader = functools.partial(read_grant, client, client_for("iam", None), ref)
    if params["state"] == "absent":
        ignored = settings_given(params)
        if ignored:
            warn(f"{ref.describe()}: state=absent deletes the config; {', '.join(ignored)} given with it is ignored")
        return ensure_absent(client, ref, check_mode, grant_reader)
    preflight = None
    if params.get("validate_destinations"):
        # A granted role needs no permission check: the grant gives exactly what is checked.
        preflight = functools.partial(
            preflight_destinations, client_for, ref, client, warn=warn, check_role=grant_reader is None
        )
    return ensure_present(
        client,
        ref,
        params,
        check_mode,
        preflight=preflight,
        destination_exists=functools.partial(destination_exists, client_for),
        warn=warn,
        grant_reader=grant_reader,
    )


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
                raise EventInvokeConfigError(message=f"Failed to get event invoke config of {ref.describe()}: {what}")
        api_configs = [api_config] if api_config else []
    configs = []
    for api_config in api_configs:
        config = from_api(api_config)
        config["module_params"] = module_params_for(config)
        configs.append(config)
    return configs
