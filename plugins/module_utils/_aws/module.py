# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module class and option specs shared by this collection's modules."""

import threading

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ClientUnavailableError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import BOTOCORE_RETRIES
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import iam_rate_limiter
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import lambda_rate_limiter
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import limit_request_rate

COLLECTION_NAME = "serverless.aws_lambda"
COLLECTION_VERSION = "0.2.0"  # the same as galaxy.yml (tests/unit/plugins/module_utils/test_module.py)

# function_name and qualifier, documented once in the function_reference doc fragment.
FUNCTION_REFERENCE_ARGUMENT_SPEC = {
    "function_name": {"type": "str"},
    "qualifier": {"type": "str"},
}

# max_requests_per_second, documented once in the request_rate doc fragment.
REQUEST_RATE_ARGUMENT_SPEC = {
    "max_requests_per_second": {"type": "float", "default": 13},
}


def invocation_of(params):
    """The arguments a result echoes (invocation.module_args): configs as the count of its
    items, which the result gives one by one (event_invoke_configs). ansible-core 2.17 to 2.20
    echo every task's arguments in its result, each item with its seven options (about 280
    characters an item, ahead of the item's own result); AWX drops a job event's whole result
    beyond 700,000 characters. Later cores echo nothing unless asked (INJECT_INVOCATION), and
    then this."""
    module_args = dict(params)
    if params.get("configs"):
        count = len(params["configs"])
        module_args["configs"] = (
            "1 item, in event_invoke_configs" if count == 1 else f"{count} items, each in event_invoke_configs"
        )
    return {"module_args": module_args}


class LambdaAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule that names this collection in the botocore user agent."""

    def __init__(self, **kwargs):
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        super().__init__(**kwargs)
        self._clients = {}
        self._clients_lock = threading.Lock()
        self._iam_limiter = None  # one for the task: IAM throttles per account, all regions at once

    def client_for(self, service, region=None):
        """One client per service and region for the whole run (creating one costs ~10 ms).

        Lambda clients pass every request through the region's rate cap, IAM clients (one per
        region asked, so that the partition is the region's) through the task's one IAM cap
        (throttling.py); every client retries in botocore's adaptive mode. Safe to call from the threads of a
        bulk run: a client is made once, under a lock (boto3 clients are thread-safe once
        made; making them is not), and a client that cannot be made there raises
        ClientUnavailableError for the item instead of failing the module from a thread.
        """
        region = region or self.region  # the module's region and its name are one client
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                client = self.client(service, config={"retries": dict(BOTOCORE_RETRIES)}, region=region)
                if service == "lambda":
                    limit_request_rate(client, lambda_rate_limiter(self.params["max_requests_per_second"]))
                elif service == "iam":
                    self._iam_limiter = self._iam_limiter or iam_rate_limiter()
                    limit_request_rate(client, self._iam_limiter)
                self._clients[key] = client
            return self._clients[key]

    def fail_json(self, *args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            # Below client_for, only amazon.aws's connection code fails the module.
            raise ClientUnavailableError(message=kwargs.get("msg") or "could not make an AWS client")
        super().fail_json(*args, **kwargs)

    def exit_with(self, action):
        """Run action() -> result dict and exit with it, or fail.

        Bad option values fail outside the exception handler, so the result carries no
        traceback: they are the user's input, not a crash. AWS errors fail through
        fail_json_aws (error code, message, SDK versions). A "diff" in the result is
        kept only in diff mode. A result with "failed" (some items of a bulk run) fails
        with the whole result, so the items that were applied are reported too.
        """
        result = None  # set before the try: pylint of older cores does not know fail_json_aws_error exits
        # Ansible masks the no_log values in the whole result, this echo included.
        invocation = invocation_of(self.params)
        try:
            result = action()
        except ParameterError as e:
            # Failed below, outside the handler: bad input is not a crash, so no traceback.
            result = {"failed": True, "msg": str(e)}
        except EventInvokeConfigError as e:
            # kwargs: what was written before the failure (see _config/state.py).
            written = dict(e.kwargs, invocation=invocation)
            if not self._diff:
                written.pop("diff", None)
            if e.exception is not None:
                self.fail_json_aws(e.exception, msg=e.message, **written)
            if e.code:
                written["error"] = {"code": e.code}  # as fail_json_aws gives AWS's code
            self.fail_json(msg=e.message, **written)
        if not self._diff:
            result.pop("diff", None)
        result["invocation"] = invocation
        if result.pop("failed", False):
            self.fail_json(**result)
        self.exit_json(**result)
