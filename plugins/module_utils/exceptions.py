# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The exceptions of this collection's module_utils."""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


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
        response = getattr(self.exception, "response", None) or {}
        return response.get("Error", {}).get("Code") or self.code


class ParameterError(EventInvokeConfigError):
    """A bad option value, found before any AWS call."""


class ClientUnavailableError(EventInvokeConfigError):
    """An AWS client that could not be made in a worker thread (amazon.aws's connection code
    fails the module, which a thread must not do: the item fails instead)."""
