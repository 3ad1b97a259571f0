# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The exceptions of this collection's module_utils, and what AWS said in a botocore error."""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


def _aws_error(exception):
    """The Error part of AWS's answer in a botocore exception ({} when AWS did not answer)."""
    response = getattr(exception, "response", None)
    return response.get("Error", {}) if isinstance(response, dict) else {}


def error_code(exception):
    """The AWS error code of a botocore exception, or None."""
    return _aws_error(exception).get("Code")


def error_message(exception):
    """What AWS said in a botocore exception ("" when it said nothing)."""
    return _aws_error(exception).get("Message") or ""


class EventInvokeConfigError(AnsibleAWSError):
    """A failure of this collection's Lambda event invoke config handling.

    hint: the explanation of AWS's answer that the message ends with (in parentheses), if any;
    a task of many configs gives it once per kind of error rather than in every item's message.
    kwargs: what was written before the failure (changed, the config, the grant), for the result.
    code: AWS's error code behind a failure whose message this collection words itself after
    reading AWS again (a missing function: ResourceNotFoundException), where no exception is kept.
    """

    hint = None
    code = None

    def aws_code(self):
        """AWS's error code of the failure: its botocore exception's, else the one it carries."""
        return error_code(self.exception) or self.code


def unless_missing(call, *args, **kwargs):
    """call(*args, **kwargs), or None where it failed because AWS answered ResourceNotFoundException
    (the one "not found" path of the reads that expect it); any other failure is raised."""
    try:
        return call(*args, **kwargs)
    except EventInvokeConfigError as e:
        if e.aws_code() != "ResourceNotFoundException":
            raise
        return None


class ParameterError(EventInvokeConfigError):
    """A bad option value, found before any AWS call."""


class ClientUnavailableError(EventInvokeConfigError):
    """An AWS client that could not be made in a worker thread (amazon.aws's connection code
    fails the module, which a thread must not do: the item fails instead)."""
