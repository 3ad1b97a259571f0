# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Lambda event invoke config API.

Each call is retried with jittered backoff on throttling and on
ResourceConflictException (a concurrent update of the same function), and turns
botocore errors into EventInvokeConfigError with a sentence a user can act on.
"""

import functools
import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import EventInvokeConfigError

# Retried beyond AWSRetry's defaults (which already cover TooManyRequestsException,
# ServiceException-style 5xx codes and throttling). Bounded: 7 attempts (6 retries),
# sleeping at most 1+2+4+8+16+20 = 51 s in all (jittered, so about half on average).
RETRY_EXTRA_CODES = ["ResourceConflictException", "ServiceException"]
lambda_retry = AWSRetry.jittered_backoff(retries=7, delay=1, max_delay=20, catch_extra_error_codes=RETRY_EXTRA_CODES)

# Hints that turn AWS's terse errors into something a user can act on.
_HINTS = {
    "ResourceNotFoundException": "the function, version or alias does not exist",
    "InvalidParameterValueException": (
        "check that each destination exists and that the function's execution role may send to it "
        "(sqs:SendMessage, sns:Publish, lambda:InvokeFunction, events:PutEvents or s3:PutObject); "
        "a freshly granted permission can take a few minutes to propagate"
    ),
    "AccessDeniedException": "the caller is not allowed this Lambda action",
    "ResourceConflictException": "another update of this function kept conflicting; retry later",
    "TooManyRequestsException": "AWS kept throttling the request; retry later",
}


def error_code(exception):
    """The AWS error code of a botocore exception, or None."""
    if isinstance(exception, botocore.exceptions.ClientError):
        return exception.response.get("Error", {}).get("Code")
    return None


def error_hint(exception):
    """A short explanation for a botocore error, or None."""
    return _HINTS.get(error_code(exception))


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
                    raise cls._CUSTOM_EXCEPTION(message=message, exception=e) from e

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


def is_propagation_error(exception):
    """AWS's answer while a freshly granted execution-role permission propagates."""
    if error_code(exception) != "InvalidParameterValueException":
        return False
    return "does not have permissions" in exception.response.get("Error", {}).get("Message", "")


def put_event_invoke_config(client, ref, api_settings, propagation_timeout=0):
    """Put the complete config at ref.

    An execution role that "does not have permissions to call" a destination may just be
    waiting for IAM to propagate a fresh grant: that answer is retried until
    propagation_timeout seconds have passed (Terraform waits 2 minutes), then fails
    naming the wait.
    """
    deadline = time.monotonic() + propagation_timeout
    delay = 2
    while True:
        try:
            return _put_event_invoke_config(client, ref, api_settings)
        except EventInvokeConfigError as e:
            if not is_propagation_error(e.exception):
                raise
            if time.monotonic() + delay > deadline:
                if propagation_timeout:
                    e.message += f"; retried for {propagation_timeout} s (iam_propagation_timeout) while IAM propagated"
                raise
        time.sleep(delay)
        delay = min(delay * 2, 20)


@LambdaErrorHandler.deletion_error_handler("delete event invoke config")
@lambda_retry
def delete_event_invoke_config(client, ref):
    """Delete the config at ref; False when it (or the function) was already gone."""
    client.delete_function_event_invoke_config(**ref.api_kwargs())
    return True


@LambdaErrorHandler.explained_error_handler("list event invoke configs")
@lambda_retry
def list_event_invoke_configs(client, ref):
    """Every config of the function, following all pages (50 per page at most)."""
    paginator = client.get_paginator("list_function_event_invoke_configs")
    pages = paginator.paginate(FunctionName=ref.function_name, PaginationConfig={"PageSize": 50})
    return pages.build_full_result().get("FunctionEventInvokeConfigs", [])
