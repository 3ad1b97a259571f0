# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring an event invoke config to a state.

These functions only orchestrate: one read, then at most one write, using the pure functions of
settings and the API wrappers of api. With grant_destinations, the execution role's grant is read
too, and written around the Lambda write; with validate_destinations, the preflight runs before it.
Both are features the module file gives (TaskFeatures): the core imports none of them.
"""

import collections
import functools

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import function_arn_in_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import delete_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import get_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import missing_target
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import not_found
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.api import write_event_invoke_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import SETTING_OPTIONS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import check_not_self
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import destinations_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import diff_view
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import from_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import merge_settings
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import predict_config
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import settings_given
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import settings_of
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import to_api
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import to_update_api


def _result(changed, before, after, grant=None):
    result = {
        "changed": changed,
        "event_invoke_config": after,
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }
    if grant is not None:
        # The role and the policies that grant the config's destinations, before and after.
        result["execution_role_grant"] = grant.view(destinations_of(settings_of(after)))
        result["diff"]["before"]["execution_role_grant"] = grant.view(destinations_of(settings_of(before)))
        result["diff"]["after"]["execution_role_grant"] = result["execution_role_grant"]
    return result


def _written_before(error, result):
    """An error after a write: the failure carries what was written (changed, the config as AWS
    holds it, the grant), so that the result says it, in the single and the fleet form."""
    error.kwargs.update(result)
    return error


def _missing_target_error(ref, what):
    # One message, and no AWS error appended to it, for check mode and the real run alike:
    # a dry run fails exactly as the real run would, AWS's error code included.
    return not_found(f"Failed to put event invoke config of {ref.describe()}: {what}")


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
    longer need after it (see _grants); a change of the grant alone is a change.
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
    destinations = destinations_of(desired)
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
            named = destinations_of(settings_of(current))
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
        grant.after_write(destinations_of(settings_of(current)), destinations_of(settings_of(after)))
    return _result(True, current, after, grant)


def ensure_absent(client, ref, check_mode, grant_reader=None):
    """Delete the config at ref (and only that qualifier's); a missing one is no change.
    With grant_reader (grant_destinations), the config's destinations are released: the end of
    the task revokes those no other config on the role needs (_grants)."""
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
        grant.after_write(destinations_of(settings_of(current)), [])
    return dict(_result(True, current, {}, grant), identity=identity)


# What the features add to a task, given by the module file that wires them in (the core imports
# none of them):
# grants: with grant_destinations, the task's execution-role grants (_grants.task.DestinationGrants:
#   read(client, ref, warn) -> the config's grant or None, changed() -> whether a role was written,
#   report(result) after a failed write,
#   finish(client_for, check_mode, warn, result) at the end of the task); None when no config asks.
# preflight(client_for, ref, client, warn=, planned=) -> a check of the desired settings that raises
#   where AWS would refuse them (validate_destinations).
# destination_exists(client_for, arn) -> True, False or None: tells a missing destination from a
#   grant that has not propagated when AWS calls a destination invalid.
TaskFeatures = collections.namedtuple("TaskFeatures", ["grants", "preflight", "destination_exists"])


def apply_task(client_for, ref, params, check_mode, warn, features):
    """Bring the config at ref to what a task's params ask (state present or absent).

    client_for(service, region) gives boto3 clients; a function given by ARN is addressed in
    the ARN's region, whatever the module's region. warn(message) reports what the user
    should know and is not a failure. features (TaskFeatures): the grants of the task, for the
    configs with grant_destinations, whose end revokes what they released (features.grants.finish),
    and the preflight of validate_destinations.
    """
    client = client_for("lambda", ref.region)
    grant_reader = None
    if params.get("grant_destinations"):
        grant_reader = functools.partial(features.grants.read, client, ref, warn)
    if params["state"] == "absent":
        ignored = settings_given(params)
        if ignored:
            warn(f"{ref.describe()}: state=absent deletes the config; {', '.join(ignored)} given with it is ignored")
        return ensure_absent(client, ref, check_mode, grant_reader)
    preflight = None
    if params.get("validate_destinations"):
        # A granted role is simulated with its grant added: only what the grant cannot lift refuses.
        preflight = functools.partial(
            features.preflight, client_for, ref, client, warn=warn, planned=grant_reader is not None
        )
    return ensure_present(
        client,
        ref,
        params,
        check_mode,
        preflight=preflight,
        destination_exists=functools.partial(features.destination_exists, client_for),
        warn=warn,
        grant_reader=grant_reader,
    )


def apply_one(client_for, ref, params, check_mode, warn, features):
    """A task of one config (function_name): apply_task, then the end of its grants."""
    try:
        result = apply_task(client_for, ref, params, check_mode, warn, features)
    except EventInvokeConfigError as e:
        if features.grants is not None and ("changed" in e.kwargs or features.grants.changed()):
            features.grants.report(e.kwargs)  # what the roles got before the failure (a grant, a migration)
        raise
    result.pop("identity", None)  # the single form's event_invoke_config names the config, until deleted
    if features.grants is None:
        return result
    return features.grants.finish(client_for, check_mode, warn, result)
