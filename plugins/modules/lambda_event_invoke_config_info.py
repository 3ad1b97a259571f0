#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: lambda_event_invoke_config_info
version_added: 0.1.0
short_description: List the asynchronous invocation configs of a Lambda function, ready to adopt into a playbook
description:
  - Returns the event invoke config of one qualifier, or every config of a function across V($LATEST),
    versions and aliases, following every page of C(ListFunctionEventInvokeConfigs).
  - Without O(function_name), returns every config of every function of the region (all pages of
    C(ListFunctions), each function's configs read concurrently), as any C(_info) module lists everything
    without a filter.
  - Each config comes with RV(event_invoke_configs[].module_params), the arguments with which
    M(serverless.aws_lambda.lambda_event_invoke_config) describes exactly that config; a task run with them
    reports no change. That is how configs made by hand or by another tool are adopted into a playbook.
  - Needs C(lambda:ListFunctionEventInvokeConfigs), and C(lambda:GetFunctionEventInvokeConfig) for a
    single qualifier.
  - Configs with no settings (AWS's defaults apply) are listed too; their RV(event_invoke_configs[].module_params)
    adopt them with no change.
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
options:
  max_concurrency:
    description:
      - Without O(function_name), how many functions' configs are read at once, from V(1) to V(64).
    type: int
    default: 10
    version_added: 0.2.0
notes:
  - Without O(function_name), the caller also needs C(lambda:ListFunctions).
  - To find the functions that lose failed events, use M(serverless.aws_lambda.lambda_failure_handling_info).
  - With a qualifier (in O(qualifier) or in O(function_name)), only the config of that version, alias or
    V($LATEST) is returned; without one, every config of the function.
  - A function without configs gives an empty list; a function, version or alias that does not exist is a failure.
  - For a single qualifier whose config does not exist, C(lambda:GetFunction) tells a missing function, version or
    alias from a missing config.
seealso:
  - module: serverless.aws_lambda.lambda_event_invoke_config
  - module: serverless.aws_lambda.lambda_failure_handling_info
  - ref: ansible_collections.serverless.aws_lambda.docsite.guide_configs
    description: Adopting existing configs into a playbook.
extends_documentation_fragment:
  - serverless.aws_lambda.read_only
  - serverless.aws_lambda.function_reference
  - serverless.aws_lambda.request_rate
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Every async config of a function
  serverless.aws_lambda.lambda_event_invoke_config_info:
    function_name: my-function
  register: configs

- name: The config of the production alias
  serverless.aws_lambda.lambda_event_invoke_config_info:
    function_name: my-function:production
  register: production

- name: Adopt every existing config into this playbook (reports no change)
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: "{{ item.module_params.function_name }}"
    qualifier: "{{ item.module_params.qualifier }}"
    maximum_retry_attempts: "{{ item.module_params.maximum_retry_attempts | default(omit) }}"
    maximum_event_age_in_seconds: "{{ item.module_params.maximum_event_age_in_seconds | default(omit) }}"
    destination_config: "{{ item.module_params.destination_config }}"
    purge_destinations: "{{ item.module_params.purge_destinations }}"
  loop: "{{ configs.event_invoke_configs }}"
  loop_control:
    label: "{{ item.qualifier }}"

- name: The same adoption in one task
  serverless.aws_lambda.lambda_event_invoke_config:
    configs: "{{ configs.event_invoke_configs | map(attribute='module_params') | list }}"

- name: Every config of every function of the region
  serverless.aws_lambda.lambda_event_invoke_config_info:
  register: region_configs

- name: Print the configs as tasks to paste into a playbook
  ansible.builtin.debug:
    msg: "{{ {'serverless.aws_lambda.lambda_event_invoke_config': item.module_params} | to_nice_yaml }}"
  loop: "{{ configs.event_invoke_configs }}"
"""

RETURN = r"""
event_invoke_configs:
  description: The configs, in the shape of the RV(serverless.aws_lambda.lambda_event_invoke_config#module:event_invoke_config)
    return value of M(serverless.aws_lambda.lambda_event_invoke_config), plus RV(event_invoke_configs[].module_params).
  returned: always
  type: list
  elements: dict
  contains:
    function_arn:
      description: The qualified ARN of the function, version or alias; the unqualified config ends in V(:$LATEST).
      type: str
      returned: always
      sample: arn:aws:lambda:us-east-1:123456789012:function:my-function:production
    qualifier:
      description: The version, alias or V($LATEST) the config belongs to.
      type: str
      returned: always
      sample: production
    maximum_retry_attempts:
      description: Retries of a failed asynchronous invocation; null when unset (AWS applies 2).
      type: int
      returned: always
      sample: 1
    maximum_event_age_in_seconds:
      description: Maximum event age in seconds; null when unset (AWS applies 21600).
      type: int
      returned: always
      sample: 3600
    destination_config:
      description: The destinations; a slot that is not set is left out.
      type: dict
      returned: always
      contains:
        on_success:
          description: The destination for successful invocations.
          type: dict
          returned: when set
          contains:
            destination:
              description: The destination ARN.
              type: str
              returned: when set
        on_failure:
          description: The destination for failed invocations.
          type: dict
          returned: when set
          contains:
            destination:
              description: The destination ARN.
              type: str
              returned: when set
    last_modified:
      description: When the config was last changed (ISO 8601).
      type: str
      returned: always
      sample: "2026-11-22T20:56:23.783000+00:00"
    module_params:
      description:
        - Arguments for M(serverless.aws_lambda.lambda_event_invoke_config) that describe exactly this config
          (add connection options); a task run with them reports no change.
        - Unset settings are left out.
      type: dict
      returned: always
      sample:
        function_name: arn:aws:lambda:us-east-1:123456789012:function:my-function
        qualifier: production
        maximum_retry_attempts: 1
        destination_config:
          on_failure:
            destination: arn:aws:sqs:us-east-1:123456789012:orders-failed
        purge_destinations: true
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import CONCURRENCY_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import FUNCTION_REFERENCE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import REQUEST_RATE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import LambdaAWSModule
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.options import check_ranges
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import REQUEST_RATE_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.describe import (
    describe_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.describe import describe_region_configs


def main():
    argument_spec = dict(
        FUNCTION_REFERENCE_ARGUMENT_SPEC,
        **REQUEST_RATE_ARGUMENT_SPEC,
        max_concurrency={"type": "int", "default": 10},
    )
    module = LambdaAWSModule(
        argument_spec=argument_spec, supports_check_mode=True, required_by={"qualifier": "function_name"}
    )
    module.exit_with(lambda: describe(module))


def describe(module):
    params = module.params
    check_ranges(params, {"max_concurrency": CONCURRENCY_RANGE, "max_requests_per_second": REQUEST_RATE_RANGE})
    if params["function_name"] is None:
        configs = describe_region_configs(module.client_for("lambda", module.region), params["max_concurrency"])
        return {"changed": False, "event_invoke_configs": configs}
    ref = parse_function_ref(params["function_name"], params["qualifier"])
    client = module.client_for("lambda", ref.region)  # a function ARN is read in its own region
    return {"changed": False, "event_invoke_configs": describe_event_invoke_configs(client, ref)}


if __name__ == "__main__":
    main()
