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

import re
from collections import namedtuple

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

LATEST = "$LATEST"
SETTING_KEYS = ("maximum_retry_attempts", "maximum_event_age_in_seconds")
DESTINATION_SLOTS = ("on_success", "on_failure")
_API_SLOTS = {"on_success": "OnSuccess", "on_failure": "OnFailure"}

# AWS's limits (Lambda API reference, PutFunctionEventInvokeConfig). botocore only
# checks the minimum client-side, so the maximum must be checked here.
RETRY_RANGE = (0, 2)
EVENT_AGE_RANGE = (60, 21600)
IAM_PROPAGATION_TIMEOUT_RANGE = (0, 3600)

# Destination services AWS accepts, per slot: S3 buckets only receive failure records.
DESTINATION_SERVICES = {
    "on_success": ("sqs", "sns", "lambda", "events"),
    "on_failure": ("sqs", "sns", "lambda", "events", "s3"),
}

_REGION = r"(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d"
_NAME = r"[a-zA-Z0-9_-]{1,64}"
_QUALIFIER = r"\$LATEST|[a-zA-Z0-9_-]{1,128}"
# The forms AWS's FunctionName accepts: NAME, ACCOUNT:function:NAME and the full ARN,
# each optionally followed by :QUALIFIER. Anchored, unlike botocore's model pattern.
_FUNCTION_REF_RE = re.compile(
    r"^(?P<base>"
    r"(?:(?:arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>" + _REGION + r"):)?"
    r"(?P<account>\d{12}):function:)?"
    r"(?P<name>" + _NAME + r"))"
    r"(?::(?P<qualifier>" + _QUALIFIER + r"))?$"
)
_QUALIFIER_RE = re.compile(r"^(?:" + _QUALIFIER + r")$")
_FUNCTION_NAME_MAX = 140  # AWS's limit for the unqualified ARN form

_DESTINATION_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-zA-Z0-9-]*):(?P<service>[a-z0-9-]+):"
    r"(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:(?P<resource>.+)$"
)
# What the resource part of a destination ARN looks like, per service.
_DESTINATION_RESOURCE_RE = {
    "sqs": re.compile(r"^[a-zA-Z0-9_-]{1,80}(?:\.fifo)?$"),
    "sns": re.compile(r"^[a-zA-Z0-9_-]{1,256}(?:\.fifo)?$"),
    "lambda": re.compile(r"^function:" + _NAME + r"(?::(?:" + _QUALIFIER + r"))?$"),
    "events": re.compile(r"^event-bus/[a-zA-Z0-9/._-]{1,256}$"),
    "s3": re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
}
_DESTINATION_EXAMPLE = {
    "sqs": "arn:aws:sqs:REGION:ACCOUNT:QUEUE",
    "sns": "arn:aws:sns:REGION:ACCOUNT:TOPIC",
    "lambda": "arn:aws:lambda:REGION:ACCOUNT:function:NAME",
    "events": "arn:aws:events:REGION:ACCOUNT:event-bus/NAME",
    "s3": "arn:aws:s3:::BUCKET",
}
_ARN_IN_TEXT_RE = re.compile(r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+:(?:\$LATEST|[a-zA-Z0-9_-]+)")


class EventInvokeConfigError(AnsibleAWSError):
    """A failure of this collection's Lambda event invoke config handling."""


class ParameterError(EventInvokeConfigError):
    """A bad option value, found before any AWS call."""


class FunctionRef(namedtuple("FunctionRef", ["function_name", "qualifier"])):
    """Which config a task addresses: the function (name or ARN, without qualifier) and
    the qualifier (None for the unqualified config, which AWS stores as $LATEST)."""

    __slots__ = ()

    def api_kwargs(self):
        kwargs = {"FunctionName": self.function_name}
        if self.qualifier is not None:
            kwargs["Qualifier"] = self.qualifier
        return kwargs

    @property
    def name(self):
        """The bare function name: every accepted form ends in NAME once the qualifier is split off."""
        return self.function_name.rsplit(":", 1)[-1]

    def describe(self):
        if self.qualifier is None:
            return self.function_name
        return f"{self.function_name}:{self.qualifier}"

    def arn(self):
        """The qualified ARN when the function was given by full ARN, else None."""
        if not self.function_name.startswith("arn:"):
            return None
        return f"{self.function_name}:{self.qualifier or LATEST}"


def parse_function_ref(function_name, qualifier=None):
    """Split a function reference into a FunctionRef, validating both parts.

    function_name may be a name, a partial ARN or an ARN, each with an optional
    ":QUALIFIER" suffix; that suffix must agree with qualifier when both are given.
    """
    if function_name is None or not function_name.strip():
        raise ParameterError("function_name must not be empty")
    match = _FUNCTION_REF_RE.match(function_name)
    if not match:
        raise ParameterError(
            f"function_name {function_name!r} is not a Lambda function name (1-64 letters, digits, '-' or '_'), "
            "partial ARN (ACCOUNT:function:NAME) or ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), "
            "optionally followed by ':QUALIFIER'"
        )
    base = match.group("base")
    if len(base) > _FUNCTION_NAME_MAX:
        raise ParameterError(f"function_name {function_name!r} is longer than {_FUNCTION_NAME_MAX} characters")
    embedded = match.group("qualifier")
    if qualifier is not None:
        if not _QUALIFIER_RE.match(qualifier):
            raise ParameterError(
                f"qualifier {qualifier!r} is not a version number, an alias name (1-128 letters, digits, '-' or '_') or $LATEST"
            )
        if embedded is not None and embedded != qualifier:
            raise ParameterError(
                f"function_name {function_name!r} carries the qualifier {embedded!r}, which differs from qualifier {qualifier!r}"
            )
    return FunctionRef(base, qualifier if qualifier is not None else embedded)


def qualifier_from_arn(function_arn):
    """The qualifier of a qualified function ARN as AWS returns it (…:function:NAME:QUALIFIER)."""
    if not function_arn:
        return None
    parts = function_arn.split(":")
    return parts[7] if len(parts) > 7 else LATEST


def function_arn_in_message(message):
    """AWS names the qualified function ARN in some messages (e.g. 'The function ARN doesn't
    have an EventInvokeConfig'); used only to predict function_arn in check mode."""
    match = _ARN_IN_TEXT_RE.search(message or "")
    return match.group(0) if match else None


def validate_destination(slot, arn):
    """Check one destination ARN for a slot (on_success/on_failure); raise ParameterError."""
    option = f"destination_config.{slot}.destination"
    if not arn or not arn.strip():
        raise ParameterError(f"{option} must not be empty")
    match = _DESTINATION_ARN_RE.match(arn)
    if not match:
        raise ParameterError(f"{option} {arn!r} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
    service = match.group("service")
    allowed = DESTINATION_SERVICES[slot]
    if service not in allowed:
        if service == "s3":
            raise ParameterError(
                f"{option} {arn!r} is an S3 bucket; AWS accepts S3 buckets only as on_failure destinations"
            )
        raise ParameterError(
            f"{option} {arn!r} is a {service} ARN; a destination must be an ARN of {', '.join(allowed)}"
        )
    resource_ok = _DESTINATION_RESOURCE_RE[service].match(match.group("resource"))
    if service == "s3":
        location_ok = not match.group("region") and not match.group("account")
    else:
        location_ok = bool(match.group("region")) and bool(match.group("account"))
    if not (resource_ok and location_ok):
        raise ParameterError(f"{option} {arn!r} is not a valid {service} ARN (expected {_DESTINATION_EXAMPLE[service]})")


def _check_range(option, value, bounds):
    low, high = bounds
    if value is not None and not low <= value <= high:
        raise ParameterError(f"{option} must be between {low} and {high}, got {value}")


def validate_settings(params):
    """Check the settings options of a task (numbers and destinations); raise ParameterError."""
    _check_range("maximum_retry_attempts", params.get("maximum_retry_attempts"), RETRY_RANGE)
    _check_range("maximum_event_age_in_seconds", params.get("maximum_event_age_in_seconds"), EVENT_AGE_RANGE)
    _check_range("iam_propagation_timeout", params.get("iam_propagation_timeout"), IAM_PROPAGATION_TIMEOUT_RANGE)
    for slot, entry in (params.get("destination_config") or {}).items():
        if entry is not None:
            validate_destination(slot, entry.get("destination"))


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
    return {
        "function_arn": response.get("FunctionArn"),
        "qualifier": qualifier_from_arn(response.get("FunctionArn")),
        "maximum_retry_attempts": response.get("MaximumRetryAttempts"),
        "maximum_event_age_in_seconds": response.get("MaximumEventAgeInSeconds"),
        "destination_config": destinations,
        "last_modified": last_modified.isoformat() if hasattr(last_modified, "isoformat") else last_modified,
    }


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


def is_empty(settings):
    return all(settings.get(key) is None for key in SETTING_KEYS) and not settings.get("destination_config")


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
    kwargs = {}
    if settings.get("maximum_retry_attempts") is not None:
        kwargs["MaximumRetryAttempts"] = settings["maximum_retry_attempts"]
    if settings.get("maximum_event_age_in_seconds") is not None:
        kwargs["MaximumEventAgeInSeconds"] = settings["maximum_event_age_in_seconds"]
    destinations = settings.get("destination_config") or {}
    kwargs["DestinationConfig"] = {
        api_slot: ({"Destination": destinations[slot]["destination"]} if slot in destinations else {})
        for slot, api_slot in _API_SLOTS.items()
    }
    return kwargs


def predict_config(current, desired, ref, function_arn=None):
    """The config form AWS will hold after a Put of desired settings (for check mode)."""
    predicted = dict(current) if current else {
        "function_arn": function_arn or ref.arn(),
        "qualifier": ref.qualifier or LATEST,
        "last_modified": None,
    }
    predicted.update(desired)
    return predicted


def diff_view(config):
    """What --diff shows of a config: everything but the modification time."""
    return {key: value for key, value in (config or {}).items() if key != "last_modified"}


def module_params_for(config):
    """Arguments for lambda_event_invoke_config that describe exactly this config."""
    function_arn = config["function_arn"]
    params = {"function_name": function_arn.rsplit(":", 1)[0], "qualifier": config["qualifier"]}
    for key in SETTING_KEYS:
        if config.get(key) is not None:
            params[key] = config[key]
    params["destination_config"] = settings_of(config)["destination_config"]
    params["purge_destinations"] = True
    return params
