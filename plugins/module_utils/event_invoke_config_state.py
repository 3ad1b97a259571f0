# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring an event invoke config to a state, or describe the configs of a function.

These functions only orchestrate: one read, then at most one write, using the pure
functions of event_invoke_config and the API wrappers of event_invoke_config_api. With
grant_destinations, the execution role's grant is read too (event_invoke_config_grants), and
written around the Lambda write.

event_invoke_config_grants and destination_preflight are imported where a task uses them: a module
runs from its AnsiballZ zip, whose import compiles each module it loads twice (zipimport's
get_filename, then get_code) on every run, and a task without grant_destinations or
validate_destinations would pay for both (docs/benchmarks.md).
"""

import functools

from ansible_collections.serverless.aws_lambda.plugins.module_utils.concurrency import read_concurrently
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
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    list_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import list_functions
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import missing_target
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_api import (
    write_event_invoke_config,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.exceptions import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import function_arn_in_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_function_ref


def _result(changed, before, after, grant=None):
    result = {
        "changed": changed,
        "event_invoke_config": after,
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }
    if grant is not None:
        # The role and the policies that grant the config's destinations, before and after.
        result["execution_role_grant"] = grant.view(_destinations(settings_of(after)))
        result["diff"]["before"]["execution_role_grant"] = grant.view(_destinations(settings_of(before)))
        result["diff"]["after"]["execution_role_grant"] = result["execution_role_grant"]
    return result


def _written_before(error, result):
    """An error after a write: the failure carries what was written (changed, the config as AWS
    holds it, the grant), so that the result says it, in the single and the fleet form."""
    error.kwargs.update(result)
    return error


def _not_found(message):
    """A failure worded here after AWS answered ResourceNotFoundException, which it carries."""
    error = EventInvokeConfigError(message=message)
    error.code = "ResourceNotFoundException"
    return error


def _missing_target_error(ref, what):
    # One message, and no AWS error appended to it, for check mode and the real run alike:
    # a dry run fails exactly as the real run would, AWS's error code included.
    return _not_found(f"Failed to put event invoke config of {ref.describe()}: {what}")


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


def _deleted_meanwhile(ref, granted, exception=None):
    # The write found nothing where the read found a config: another writer deleted it.
    written = (
        "the config was not written, the execution role's grant was (see execution_role_grant)"
        if granted
        else "nothing was written"
    )
    error = EventInvokeConfigError(
        message=f"Failed to write event invoke config of {ref.describe()}: the config or its function was "
        f"deleted after this task read it; {written} (run the task again to create it)",
        exception=exception,
    )
    error.code = "ResourceNotFoundException"  # the read before the Put found nothing
    return error


def _check_still_there(client, ref, granted):
    """Before each retry of a Put on an existing config: a Put must not recreate it if it is gone."""
    if not get_event_invoke_config(client, ref)[0]:
        raise _deleted_meanwhile(ref, granted)


def _write(client, ref, current, params, destination_exists, granted=False):
    """The write that lays params over current (the config read, {} for none): an Update of only
    what changes when the config exists (so another writer's concurrent change of a number setting
    is kept), a Put of the complete config to create one or to remove a destination (see
    to_update_api). The API config after it.

    Put replaces the whole config and would bring back a config another tool deleted after the
    read: before a Put on an existing config (and before each retry of it), the config is read
    again; gone, the task fails writing nothing more, and otherwise the params are laid over the
    fresh read (a setting another tool changed meanwhile is kept; AWS has no conditional write, so
    only the milliseconds between that read and the Put remain)."""
    desired = merge_settings(current, params)
    update = to_update_api(current, desired) if current else None
    recheck = None
    if current and update is None:
        fresh, dummy = get_event_invoke_config(client, ref)
        if not fresh:
            raise _deleted_meanwhile(ref, granted)
        current = from_api(fresh)
        desired = merge_settings(current, params)
        if settings_of(current) == desired:
            return fresh  # another writer made the change already
        update = to_update_api(current, desired)
        recheck = functools.partial(_check_still_there, client, ref, granted)

    api_settings = to_api(desired) if update is None else update
    timeout = params.get("iam_propagation_timeout") or 0
    try:
        return write_event_invoke_config(
            client,
            ref,
            api_settings,
            timeout,
            destination_exists,
            update=update is not None,
            settings=desired,
            before_retry=recheck if update is None else None,
        )
    except EventInvokeConfigError as e:
        if error_code(e.exception) != "ResourceNotFoundException":
            raise
        if current:
            raise _deleted_meanwhile(ref, granted, e.exception) from e
        # "The function doesn't exist." names neither the function nor what is missing of it.
        try:
            what = missing_target(client, ref)
        except EventInvokeConfigError:
            raise e from None
        if not what:
            raise
        raise _missing_target_error(ref, what) from e


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
        for arn in grant.other_account_destinations(destinations):
            warn(
                f"{ref.describe()}: {arn} is in another account: grant_destinations grants the execution role's side; "
                f"the destination's resource policy must also allow {grant.role_arn}"
            )
    if unchanged and (grant is None or not grant.would_change(destinations)):
        if grant is not None:
            grant.after_write(destinations, destinations)
        return _result(False, current, current, grant)
    if preflight is not None and not unchanged:
        preflight(desired)
    granted = False
    try:
        if grant is not None:
            named = _destinations(settings_of(current))
            granted = grant.before_write(destinations, check_mode, already_named=named) and not check_mode
        if unchanged:
            after = current
        elif check_mode:
            after = predict_config(current, desired, ref, function_arn_in_message(missing_message))
        else:
            after = from_api(_write(client, ref, current, params, destination_exists, granted))
    except EventInvokeConfigError as e:
        if granted:
            raise _written_before(e, _result(True, current, current, grant)) from None
        raise
    if grant is not None:
        grant.after_write(_destinations(settings_of(current)), _destinations(settings_of(after)))
    return _result(True, current, after, grant)


def ensure_absent(client, ref, check_mode, grant_reader=None):
    """Delete the config at ref (and only that qualifier's); a missing one is no change.
    With grant_reader (grant_destinations), the config's destinations are released: the end of
    the task revokes those no other config on the role needs (execution_role_grant)."""
    api_current, missing_message = get_event_invoke_config(client, ref)
    current = from_api(api_current)
    # Which config it was (its qualified ARN, from the config or from AWS's not-found answer),
    # for the entry of a configs task, whose deleted config is {}.
    function_arn = current.get("function_arn") or function_arn_in_message(missing_message) or ref.arn()
    identity = {"function_arn": function_arn, "qualifier": ref.qualifier or LATEST}
    grant = grant_reader() if grant_reader is not None and api_current else None
    if not api_current:
        return dict(_result(False, {}, {}, None), identity=identity)
    # A config deleted between our read and our delete is the state we wanted.
    if not check_mode:
        delete_event_invoke_config(client, ref)
    if grant is not None:
        grant.after_write(_destinations(settings_of(current)), [])
    return dict(_result(True, current, {}, grant), identity=identity)


def apply_task(client_for, ref, params, check_mode, warn, task_grants=None):
    """Bring the config at ref to what a task's params ask (state present or absent).

    client_for(service, region) gives boto3 clients; a function given by ARN is addressed in
    the ARN's region, whatever the module's region. warn(message) reports what the user
    should know and is not a failure. task_grants (TaskGrants) holds the execution roles'
    grants of the task, for the configs with grant_destinations; the task revokes what they
    released at its end (finish_grants).
    """
    client = client_for("lambda", ref.region)
    grant_reader = None
    if params.get("grant_destinations"):
        from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_grants import read_grant

        grant_reader = functools.partial(read_grant, client, task_grants, ref, warn)
    if params["state"] == "absent":
        ignored = settings_given(params)
        if ignored:
            warn(f"{ref.describe()}: state=absent deletes the config; {', '.join(ignored)} given with it is ignored")
        return ensure_absent(client, ref, check_mode, grant_reader)
    preflight = None
    if params.get("validate_destinations"):
        # A granted role is simulated with its grant added: only what the grant cannot lift refuses.
        from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_preflight import (
            preflight_destinations,
        )

        preflight = functools.partial(
            preflight_destinations, client_for, ref, client, warn=warn, planned=grant_reader is not None
        )
    return ensure_present(
        client,
        ref,
        params,
        check_mode,
        preflight=preflight,
        destination_exists=functools.partial(_destination_exists, client_for),
        warn=warn,
        grant_reader=grant_reader,
    )


def _destination_exists(client_for, arn):
    # Only a write that AWS refuses for a destination asks this.
    from ansible_collections.serverless.aws_lambda.plugins.module_utils.destination_preflight import destination_exists

    return destination_exists(client_for, arn)


def task_grants_for(client_for, items):
    """The TaskGrants of a task whose items (task params) ask grant_destinations, else None."""
    if not any(item.get("grant_destinations") for item in items):
        return None
    from ansible_collections.serverless.aws_lambda.plugins.module_utils.execution_role_grant import TaskGrants

    return TaskGrants(lambda region: client_for("iam", region))


def apply_one(client_for, ref, params, check_mode, warn):
    """A task of one config (function_name): apply_task, then the end of its grants."""
    task_grants = task_grants_for(client_for, [params])
    try:
        result = apply_task(client_for, ref, params, check_mode, warn, task_grants)
    except EventInvokeConfigError as e:
        if task_grants is not None and "changed" in e.kwargs:
            from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_grants import (
                report_roles,
            )

            report_roles(task_grants, e.kwargs)  # a grant written before the failure
        raise
    result.pop("identity", None)  # the single form's event_invoke_config names the config, until deleted
    if task_grants is None:
        return result
    from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_grants import finish_grants

    return finish_grants(task_grants, client_for, check_mode, warn, result)


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
                raise _not_found(f"Failed to get event invoke config of {ref.describe()}: {what}")
        api_configs = [api_config] if api_config else []
    configs = []
    for api_config in api_configs:
        config = from_api(api_config)
        config["module_params"] = module_params_for(config)
        configs.append(config)
    return configs
