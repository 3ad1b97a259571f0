# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Lambda event invoke config API.

Each call is retried with jittered backoff on throttling, on Lambda's ServiceException and
on ResourceConflictException (a concurrent update of the same function; see throttling.py),
and turns botocore errors into EventInvokeConfigError with a sentence a user can act on.
Listings retry each page on its own.
"""

import functools
import re
import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_code
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import error_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import unless_missing
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.pages import every_page
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import LATEST
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import lambda_retry
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import kind_actions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import option_for_destination

# Hints that turn AWS's terse errors into something a user can act on, chosen by the
# error code and what AWS said (the first entry that matches wins; a None hint adds nothing).
_ROLE_ACTIONS = [" and ".join(kind_actions(kind)) for kind in DESTINATION_KINDS.values()]
_PERMISSION_HINT = (
    "check that each destination exists and that the function's execution role may send to it "
    f"({', '.join(_ROLE_ACTIONS[:-1])} or {_ROLE_ACTIONS[-1]})"
)
_HINTS = (
    ("ResourceNotFoundException", re.compile(r"not reachable in this region"), None),
    ("ResourceNotFoundException", None, "the function, version or alias does not exist"),
    (
        "InvalidParameterValueException",
        re.compile(r"does not have permissions|destination ARN .* is invalid"),
        _PERMISSION_HINT,
    ),
    ("AccessDeniedException", None, "the caller is not allowed this Lambda action"),
    ("ResourceConflictException", None, "another update of this function kept conflicting; retry later"),
    ("TooManyRequestsException", None, "AWS kept throttling the request; retry later"),
)
# AWS's two answers while a freshly granted execution-role permission propagates; the
# second is also its answer for a destination that does not exist.
_NO_PERMISSION_RE = re.compile(r"does not have permissions")
_INVALID_DESTINATION_RE = re.compile(r"The destination ARN (?P<arn>\S+) is invalid")


def error_hint(exception):
    """A short explanation for a botocore error, or None."""
    code, message = error_code(exception), error_message(exception)
    for hint_code, pattern, hint in _HINTS:
        if code == hint_code and (pattern is None or pattern.search(message)):
            return hint
    return None


class LambdaErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = EventInvokeConfigError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")

    @classmethod
    def explained_error_handler(cls, description):
        """common_error_handler, with the function reference and a hint in the message."""

        def wrapper(func):
            @functools.wraps(func)
            def handler(client, ref, *args, **kwargs):
                try:
                    return func(client, ref, *args, **kwargs)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    hint = error_hint(e)
                    message = f"Failed to {description} of {ref.describe()}"
                    if hint:
                        message += f" ({hint})"
                    error = cls._CUSTOM_EXCEPTION(message=message, exception=e)
                    error.hint = hint
                    raise error from e

            return handler

        return wrapper


@LambdaErrorHandler.explained_error_handler("get event invoke config")
@lambda_retry
def _get_event_invoke_config(client, ref):
    return client.get_function_event_invoke_config(**ref.api_kwargs())


def get_event_invoke_config(client, ref):
    """(API config, None) when ref has a config, else (None, AWS's not-found message).

    A missing function and a missing config look alike here (ResourceNotFoundException).
    The message names the qualified function ARN, which check mode uses to predict
    function_arn without another call.
    """
    try:
        return _get_event_invoke_config(client, ref), None
    except EventInvokeConfigError as e:
        if error_code(e.exception) != "ResourceNotFoundException":
            raise
        return None, e.exception.response["Error"].get("Message", "")


@LambdaErrorHandler.explained_error_handler("put event invoke config")
@lambda_retry
def _put_event_invoke_config(client, ref, api_settings):
    return client.put_function_event_invoke_config(**ref.api_kwargs(), **api_settings)


@LambdaErrorHandler.explained_error_handler("update event invoke config")
@lambda_retry
def _update_event_invoke_config(client, ref, api_settings):
    return client.update_function_event_invoke_config(**ref.api_kwargs(), **api_settings)


def invalid_destination(exception):
    """The destination ARN AWS calls invalid, or None (AWS's answer for a destination that
    does not exist, and at times while the execution role's fresh grant propagates)."""
    if error_code(exception) != "InvalidParameterValueException":
        return None
    match = _INVALID_DESTINATION_RE.search(error_message(exception))
    return match.group("arn").rstrip(".") if match else None


def is_permission_refusal(exception):
    """AWS's answer while a freshly granted execution-role permission propagates."""
    return error_code(exception) == "InvalidParameterValueException" and bool(
        _NO_PERMISSION_RE.search(error_message(exception))
    )


def write_event_invoke_config(
    client,
    ref,
    api_settings,
    propagation_timeout=0,
    destination_exists=None,
    update=False,
    settings=None,
    before_retry=None,
):
    """Put the complete config at ref, or (update=True) Update only the settings given;
    settings, the whole settings form written, names the option of a destination in messages
    (an Update may not carry the destination AWS answers about).

    AWS answers a grant to the execution role that has not propagated yet with "does not
    have permissions to call ..." or with "The destination ARN ... is invalid"; the second
    is also its answer for a destination that does not exist. So on that answer the
    destination is read once with its own service (destination_exists(arn) -> True, False,
    or None when it cannot be told): a missing one fails at once, naming it. Otherwise the
    write is retried until propagation_timeout seconds have passed (Terraform waits 2
    minutes for both answers, typo or not), then fails naming the wait. before_retry(), when
    given, runs before each retry and may raise to stop it (a Put must not recreate a config
    deleted while it waited).
    """
    write = _update_event_invoke_config if update else _put_event_invoke_config
    verb = "update" if update else "put"
    deadline = time.monotonic() + propagation_timeout
    delay = 2
    known = {}
    while True:
        try:
            return write(client, ref, api_settings)
        except EventInvokeConfigError as e:
            arn = invalid_destination(e.exception)
            if arn is not None and destination_exists is not None:
                if arn not in known:
                    known[arn] = destination_exists(arn)
                if known[arn] is False:
                    e.message = (
                        f"Failed to {verb} event invoke config of {ref.describe()}: "
                        f"{option_for_destination(settings or {}, arn)} {arn} does not exist"
                    )
                    e.hint = None
                    raise
            elif not is_permission_refusal(e.exception):
                raise
            if time.monotonic() + delay > deadline:
                if propagation_timeout:
                    e.message += f"; retried for {propagation_timeout} s (iam_propagation_timeout) while IAM propagated"
                raise
        time.sleep(delay)
        delay = min(delay * 2, 20)
        if before_retry is not None:
            before_retry()


@LambdaErrorHandler.deletion_error_handler("delete event invoke config")
@lambda_retry
def delete_event_invoke_config(client, ref):
    """Delete the config at ref; False when it (or the function) was already gone."""
    client.delete_function_event_invoke_config(**ref.api_kwargs())
    return True


@LambdaErrorHandler.explained_error_handler("read the function")
@lambda_retry
def get_function(client, ref):
    """GetFunction of ref's function, version or alias (raises when it does not exist)."""
    return client.get_function(**ref.api_kwargs())


def not_found(message):
    """A failure worded by the collection after AWS answered ResourceNotFoundException (a second
    read said what is missing), carrying AWS's code."""
    error = EventInvokeConfigError(message=message)
    error.code = "ResourceNotFoundException"
    return error


def missing_target(client, ref):
    """What is missing when AWS answers "not found" for ref: a sentence naming the function,
    version or alias that does not exist, or None when it exists. Only called on the path
    where a config was not found, so the no-op and update paths make no extra call.

    Get answers alike for a missing function, qualifier or config; GetFunction tells them
    apart (a second GetFunction, unqualified, only when a qualified one found nothing).
    Errors other than "not found" (say, lambda:GetFunction denied) are raised.
    """
    if unless_missing(get_function, client, ref) is not None:
        return None
    if ref.qualifier in (None, LATEST) or unless_missing(get_function, client, ref._replace(qualifier=None)) is None:
        return f"the function {ref.function_name} does not exist"
    return f"the function {ref.function_name} has no version or alias {ref.qualifier!r}"


@lambda_retry
def _page(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


def _all_pages(client, operation, items_key, **kwargs):
    """Every item of a Lambda listing, 50 a page, each page retried on its own (pages.every_page)."""
    pages = every_page(functools.partial(_page, client, operation, MaxItems=50, **kwargs))
    return [item for page in pages for item in page.get(items_key, [])]


@LambdaErrorHandler.common_error_handler("list the functions of the region")
def list_functions(client, all_versions=False):
    """Every function ($LATEST) of the client's region, or every version of each (all_versions:
    each with its own execution role), following all pages."""
    return _all_pages(client, "list_functions", "Functions", **({"FunctionVersion": "ALL"} if all_versions else {}))


@LambdaErrorHandler.explained_error_handler("list event invoke configs")
def list_event_invoke_configs(client, ref):
    """Every config of the function, following all pages."""
    return _all_pages(
        client, "list_function_event_invoke_configs", "FunctionEventInvokeConfigs", FunctionName=ref.function_name
    )


@LambdaErrorHandler.common_error_handler("list the aliases of a function")
def list_aliases(client, function_name):
    """{alias: [the versions it runs]} of a function (a weighted alias runs two), all pages."""
    aliases = _all_pages(client, "list_aliases", "Aliases", FunctionName=function_name)
    return {alias["Name"]: _versions_run(alias) for alias in aliases}


def _versions_run(alias):
    weighted = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return [alias["FunctionVersion"], *sorted(weighted)]


@LambdaErrorHandler.common_error_handler("list the versions of a function")
def list_versions(client, function_name):
    """Every version of a function ($LATEST included), each with its execution role, all pages."""
    return _all_pages(client, "list_versions_by_function", "Versions", FunctionName=function_name)


@LambdaErrorHandler.common_error_handler("list the event source mappings of the region")
def list_event_source_mappings(client):
    """Every event source mapping of the client's region, following all pages."""
    return _all_pages(client, "list_event_source_mappings", "EventSourceMappings")
