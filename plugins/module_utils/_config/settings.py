# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions for Lambda event invoke configs (no AWS calls, no module object).

Three shapes appear here:
  - the API form, as boto3 sends and returns it (CamelCase);
  - the config form, what the modules return (snake_case, see from_api());
  - the settings form, the part of a config a user can set and that is compared
    to decide whether a write is needed (see settings_of()).
"""

from collections import namedtuple

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.options import check_ranges
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import DESTINATION_ARN_MAX
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import function_identity
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import qualifier_from_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import services_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import (
    undeliverable_reason,
)

# The number settings of a config, one entry each: the option (in both modules' specs, the
# result and module_params), AWS's name for it, its type and AWS's limits (Lambda API
# reference, PutFunctionEventInvokeConfig; botocore only checks the minimum client-side).
# The key lists, the argument spec (SETTINGS_ARGUMENT_SPEC), validation and the API conversion below are
# built from it, and a unit test keeps the modules' docs equal to it: a new number setting is
# one entry here and its docs.
NumberSetting = namedtuple("NumberSetting", ["option", "api_name", "type", "bounds"])
NUMBER_SETTINGS = (
    NumberSetting("maximum_retry_attempts", "MaximumRetryAttempts", "int", (0, 2)),
    NumberSetting("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds", "int", (60, 21600)),
)
SETTING_KEYS = tuple(setting.option for setting in NUMBER_SETTINGS)
# Every settings option, destination_config included: what a create needs at least one of.
SETTING_OPTIONS = SETTING_KEYS + ("destination_config",)
# The destination slots: option name and the API's name, once.
_API_SLOTS = {"on_success": "OnSuccess", "on_failure": "OnFailure"}
DESTINATION_SLOTS = tuple(_API_SLOTS)
_API_NUMBERS = {setting.option: setting.api_name for setting in NUMBER_SETTINGS}

# The settings options as an argument spec, with the same types at the top level and in an item
# of configs.
_DESTINATION_SPEC = {"type": "dict", "options": {"destination": {"type": "str", "required": True}}}
SETTINGS_ARGUMENT_SPEC = dict(
    {setting.option: {"type": setting.type} for setting in NUMBER_SETTINGS},
    destination_config={"type": "dict", "options": {slot: _DESTINATION_SPEC for slot in DESTINATION_SLOTS}},
)

# The limits of the options of a config with one: the settings', then the write's wait.
SETTING_BOUNDS = dict(
    {setting.option: setting.bounds for setting in NUMBER_SETTINGS},
    iam_propagation_timeout=(0, 3600),
)


def self_destinations(function_arn, settings):
    """The slots of settings whose destination is the function of function_arn itself
    (any qualifier): AWS refuses them ("You can't specify the function as a destination
    for itself"). Functions are compared by partition, region, account and name."""
    identity = function_identity(function_arn)
    if identity is None:
        return []
    return [
        slot
        for slot, entry in sorted((settings.get("destination_config") or {}).items())
        if entry and function_identity(entry.get("destination")) == identity
    ]


def check_not_self(function_arn, settings):
    """Raise ParameterError when settings send records of a function to itself."""
    slots = self_destinations(function_arn, settings)
    if slots:
        option = f"destination_config.{slots[0]}.destination"
        destination = settings["destination_config"][slots[0]]["destination"]
        raise ParameterError(
            f"{option} {destination} is the function itself (any version or alias of it), "
            "which AWS refuses as a destination"
        )


def validate_destination(slot, arn):
    """Check one destination ARN for a slot (on_success/on_failure); raise ParameterError."""
    option = f"destination_config.{slot}.destination"
    if not arn or not arn.strip():
        raise ParameterError(f"{option} must not be empty (leave the slot out to have no destination)")
    parts = parse_arn(arn)
    if parts is None:
        raise ParameterError(f"{option} {arn!r} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
    if len(arn) > DESTINATION_ARN_MAX:
        raise ParameterError(f"{option} {arn!r} is longer than {DESTINATION_ARN_MAX} characters, AWS's limit")
    allowed = services_for(slot)
    kind = DESTINATION_KINDS.get(parts.service)
    if kind is None or parts.service not in allowed:
        if kind is not None:
            slots = " or ".join(kind.slots)
            raise ParameterError(
                f"{option} {arn!r} names an {kind.noun}; AWS accepts {kind.noun}s only as {slots} destinations"
            )
        raise ParameterError(
            f"{option} {arn!r} is a {parts.service} ARN; a destination must be an ARN of {', '.join(allowed)}"
        )
    location_ok = bool(parts.region and parts.account) if kind.has_location else not (parts.region or parts.account)
    if not (kind.resource_re.fullmatch(parts.resource) and location_ok):
        raise ParameterError(f"{option} {arn!r} is not a valid {kind.service} ARN (expected {kind.example})")
    reason = undeliverable_reason(kind, parts.resource)
    if reason:
        raise ParameterError(f"{option} {arn!r} is {reason}")


def validate_settings(params):
    """Check the settings options of a task (numbers and destinations); raise ParameterError."""
    check_ranges(params, SETTING_BOUNDS)
    for slot, entry in (params.get("destination_config") or {}).items():
        if entry is not None:
            validate_destination(slot, entry.get("destination"))


def check_task(params):
    """Every check of a task's options that needs no AWS call; the FunctionRef it addresses.

    A destination that is the function itself is refused here when the task names the
    function's full ARN (otherwise after the first read, whose answer names it).
    """
    ref = parse_function_ref(params["function_name"], params.get("qualifier"))
    validate_settings(params)
    if params.get("state") != "absent":
        check_not_self(ref.arn(), params)
    return ref


def slot_destinations(config):
    """[(slot, destination ARN)] of a config or settings form, in slot order: the one reader of a
    config's destinations."""
    return [(slot, entry["destination"]) for slot, entry in sorted(config["destination_config"].items())]


def destinations_of(config):
    """The destination ARNs of a config or settings form, in slot order."""
    return [arn for dummy, arn in slot_destinations(config)]


def from_api(response):
    """Normalise an API config (Get/Put/List item) into the config form.

    Unset retry/age stay None (AWS omits them and applies its defaults; we never invent
    values); unset destinations, which AWS returns as {}, are left out of destination_config.
    """
    if not response:
        return {}
    destinations = {}
    api_destinations = response.get("DestinationConfig") or {}
    for slot, api_slot in _API_SLOTS.items():
        arn = (api_destinations.get(api_slot) or {}).get("Destination")
        if arn:
            destinations[slot] = {"destination": arn}
    last_modified = response.get("LastModified")
    config = {"function_arn": response.get("FunctionArn"), "qualifier": qualifier_from_arn(response.get("FunctionArn"))}
    config.update({option: response.get(api_name) for option, api_name in _API_NUMBERS.items()})
    config["destination_config"] = destinations
    config["last_modified"] = last_modified.isoformat() if hasattr(last_modified, "isoformat") else last_modified
    return config


def settings_of(config):
    """The comparable, user-settable part of a config form (empty settings for no config)."""
    config = config or {}
    settings = {key: config.get(key) for key in SETTING_KEYS}
    settings["destination_config"] = {
        slot: {"destination": entry["destination"]}
        for slot, entry in (config.get("destination_config") or {}).items()
        if entry and entry.get("destination")
    }
    return settings


def settings_given(params):
    """The settings options a task sets (destination_config counts even when it is {})."""
    return [key for key in SETTING_OPTIONS if params.get(key) is not None]


def merge_settings(current, params):
    """The desired settings: the current ones with the task's options laid over them.

    Options left unset (None) keep what AWS holds. When destination_config is given,
    purge_destinations decides whether slots it does not list are removed (True, the
    default) or kept (False); when it is not given, destinations are left alone.
    """
    desired = settings_of(current)
    for key in SETTING_KEYS:
        if params.get(key) is not None:
            desired[key] = params[key]
    requested = params.get("destination_config")
    if requested is not None:
        purge = params.get("purge_destinations", True)
        destinations = {} if purge else dict(desired["destination_config"])
        for slot in DESTINATION_SLOTS:
            entry = requested.get(slot)
            if entry is not None:
                destinations[slot] = {"destination": entry["destination"]}
        desired["destination_config"] = destinations
    return desired


def to_api(settings):
    """Put arguments (without FunctionName/Qualifier) for a complete settings form.

    Put replaces the whole config, so every setting to keep must be sent; both
    destination slots are always sent so an unlisted one is cleared.
    """
    kwargs = {api_key: settings[key] for key, api_key in _API_NUMBERS.items() if settings.get(key) is not None}
    destinations = settings.get("destination_config") or {}
    kwargs["DestinationConfig"] = {
        api_slot: ({"Destination": destinations[slot]["destination"]} if slot in destinations else {})
        for slot, api_slot in _API_SLOTS.items()
    }
    return kwargs


def to_update_api(current, desired):
    """Update arguments (without FunctionName/Qualifier) that turn the current config into the
    desired settings, sending only what changes; None when only a Put can (a destination to
    remove).

    Update changes only what it is given (AWS's recorded answers), so a setting the task does
    not change is never sent back with the value it had when it was read: another writer's
    concurrent change of it is kept. Destinations go as one DestinationConfig (LocalStack's
    Update replaces it whole; AWS documents neither way), with every slot the config keeps.
    Neither AWS's recorded answers nor its documentation say that Update clears a slot, so
    removing a destination is left to Put.
    """
    have = settings_of(current)
    kwargs = {}
    for key, api_key in _API_NUMBERS.items():
        if desired.get(key) != have[key]:
            if desired.get(key) is None:
                return None  # Update cannot unset a number (merge_settings never asks it to)
            kwargs[api_key] = desired[key]
    wanted = desired.get("destination_config") or {}
    if wanted != have["destination_config"]:
        if set(have["destination_config"]) - set(wanted):
            return None
        kwargs["DestinationConfig"] = {
            api_slot: {"Destination": wanted[slot]["destination"]}
            for slot, api_slot in _API_SLOTS.items()
            if slot in wanted
        }
    return kwargs


def option_for_destination(settings, arn):
    """The option that sets a destination ARN in a settings form, for messages about it."""
    for slot, entry in sorted((settings.get("destination_config") or {}).items()):
        if entry and entry.get("destination") == arn:
            return f"destination_config.{slot}.destination"
    return "destination"


def predict_config(current, desired, ref, function_arn=None):
    """The config form AWS will hold after a Put of desired settings (for check mode)."""
    predicted = (
        dict(current)
        if current
        else {
            "function_arn": function_arn or ref.arn(),
            "qualifier": ref.qualifier or LATEST,
            "last_modified": None,
        }
    )
    predicted.update(desired)
    return predicted


def diff_view(config):
    """What --diff shows of a config: everything but the modification time."""
    return {key: value for key, value in (config or {}).items() if key != "last_modified"}


def changes_view(before, after):
    """The settings that differ between two diff views: (before, after), each holding only
    the keys whose values differ (a key missing on one side is not shown there). A setting
    that is unset on both sides (missing, null or no destinations) is no change: a create
    shows only what it sets. A bulk task's diff shows this for each changed item, under a
    header that names the item (so not its ARN and qualifier), and its result then holds
    every config once."""

    def unset(value):
        return value is None or value == {}

    def differs(key):
        if key in ("function_arn", "qualifier") or before.get(key) == after.get(key):
            return False
        return not (unset(before.get(key)) and unset(after.get(key)))

    keys = [key for key in dict.fromkeys(list(before) + list(after)) if differs(key)]
    return (
        {key: before[key] for key in keys if key in before},
        {key: after[key] for key in keys if key in after},
    )


def module_params_for(config):
    """Arguments for lambda_event_invoke_config that describe exactly this config."""
    params = {"function_name": unqualified_function_arn(config["function_arn"]), "qualifier": config["qualifier"]}
    for key in SETTING_KEYS:
        if config.get(key) is not None:
            params[key] = config[key]
    params["destination_config"] = settings_of(config)["destination_config"]
    params["purge_destinations"] = True
    return params
