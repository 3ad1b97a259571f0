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
  - Without O(function_name), audits the region, or every region of O(regions) at once. It returns every
    function's configs (all pages of C(ListFunctions), read concurrently) and RV(functions_without_failure_handling),
    the V($LATEST), aliases and versions whose failed asynchronous events are dropped after the retries. Each names
    its function by ARN, so its region too, and M(serverless.aws_lambda.lambda_event_invoke_config) addresses it there.
  - The audit judges every qualifier on its own, as Lambda runs it, since services invoke aliases and nothing is
    inherited between qualifiers. V($LATEST), every alias and every version with a config is handled by its own
    config's C(on_failure) destination, else by the dead-letter queue of the version it runs; an alias runs the
    version it points to, and a weighted alias needs both versions covered.
  - CloudWatch's metrics of the last O(lookback_days) days then tell what each qualifier did, in
    RV(failure_audit). A qualifier is V(losing) when it dropped events with no handling or its handling failed
    to deliver, V(unprotected) when it received async events with no handling, V(idle) when it has no handling
    and received none, and V(protected) otherwise.
  - The audit also lists, in RV(event_source_mappings_without_failure_handling), the event source mappings that
    discard records which keep failing, the other way Lambda loses failed work.
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
  lookback_days:
    description:
      - Without O(function_name), the days of CloudWatch's metrics the audit reads, from V(1) to V(63) (CloudWatch
        keeps the 5-minute data points of 63 days).
    type: int
    default: 14
    version_added: 0.2.0
  regions:
    description:
      - Without O(function_name), the regions to audit, all at once, each under its own request quota
        (O(max_requests_per_second) and O(max_concurrency) apply to each region).
      - Omitted, the module's O(region) alone. Mutually exclusive with O(function_name).
    type: list
    elements: str
    version_added: 0.2.0
notes:
  - Without O(function_name), the caller also needs C(lambda:ListFunctions) (with C(FunctionVersion=ALL), for each
    version's dead-letter queue), C(lambda:ListAliases) and C(cloudwatch:GetMetricData). Where CloudWatch denies
    the metrics, the module warns and judges each qualifier by its configuration alone (V(protected) or
    V(unprotected), its counts null).
  - For event source mappings, the audit needs C(lambda:ListEventSourceMappings), and C(sqs:GetQueueUrl) and
    C(sqs:GetQueueAttributes) on the queues of SQS mappings (their redrive policy). Where the listing is denied, the
    module warns and lists no mapping.
  - CloudWatch bills C(GetMetricData) per metric requested (USD 0.01 per 1,000 in most regions); the audit
    requests 4 per function and 4 per alias or configured version, in calls of up to 500, made one at a time
    while the functions are read (CloudWatch's quota is not Lambda's).
  - Lambda counts an alias's or a version's traffic in its own series (dimension C(Resource)) and in the
    function's total; the unqualified traffic is the total less the audited qualifiers'. A version invoked
    directly that has no config is not audited, and its traffic counts as V($LATEST)'s.
  - With a qualifier (in O(qualifier) or in O(function_name)), only the config of that version, alias or
    V($LATEST) is returned; without one, every config of the function.
  - A function without configs gives an empty list; a function, version or alias that does not exist is a failure.
  - For a single qualifier whose config does not exist, C(lambda:GetFunction) tells a missing function, version or
    alias from a missing config.
seealso:
  - module: serverless.aws_lambda.lambda_event_invoke_config
extends_documentation_fragment:
  - serverless.aws_lambda.function_reference
  - serverless.aws_lambda.request_rate
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads, so there is nothing to show.
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

- name: Audit the region - which functions drop failed events?
  serverless.aws_lambda.lambda_event_invoke_config_info:
  register: audit

- name: Audit three regions at once
  serverless.aws_lambda.lambda_event_invoke_config_info:
    regions: [us-east-1, eu-west-1, ap-southeast-2]
  register: audit_regions

- name: Send the failed events of each of them to one queue (keeps their other settings)
  serverless.aws_lambda.lambda_event_invoke_config:
    configs: "{{ audit.functions_without_failure_handling }}"
    destination_config:
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:failed-events
    purge_destinations: false
  when: audit.functions_without_failure_handling | length > 0

- name: Print the configs as tasks to paste into a playbook
  ansible.builtin.debug:
    msg: "{{ {'serverless.aws_lambda.lambda_event_invoke_config': item.module_params} | to_nice_yaml }}"
  loop: "{{ configs.event_invoke_configs }}"
"""

RETURN = r"""
failure_audit:
  description:
    - Without O(function_name), one entry per audited qualifier of every function of the regions, the most urgent
      first (V(losing), V(unprotected), V(idle), V(protected)); within a status region after region, function after
      function, V($LATEST) first, then versions by number, then aliases by name.
  returned: when O(function_name) is not given
  type: list
  version_added: 0.2.0
  elements: dict
  contains:
    function_arn:
      description: The qualified ARN of the function's V($LATEST), alias or version.
      type: str
    qualifier:
      description: V($LATEST), the alias or the version.
      type: str
    status:
      description:
        - V(losing) - in the window, async events were dropped with no handling, or Lambda failed to deliver
          invocation records to the dead-letter queue or a destination.
        - V(unprotected) - async events were received, none dropped yet, and nothing keeps failed ones; also the
          status of every qualifier with no handling when the metrics could not be read.
        - V(idle) - no handling, and no async event received in the window.
        - V(protected) - handled, and no delivery failed.
      type: str
      choices: [losing, unprotected, idle, protected]
    async_events_received:
      description: The Sum of C(AsyncEventsReceived) of the qualifier's own traffic over the window; null when the
        metrics could not be read.
      type: int
    async_events_dropped:
      description: The Sum of C(AsyncEventsDropped) (events dropped after the retries or their age, sent to the
        handling first when there is one).
      type: int
    dead_letter_errors:
      description: The Sum of C(DeadLetterErrors), records Lambda could not send to the dead-letter queue.
      type: int
    destination_delivery_failures:
      description: The Sum of C(DestinationDeliveryFailures), records Lambda could not send to a destination.
      type: int
    failure_destination:
      description: The C(on_failure) destination or the dead-letter queue that keeps the failed events; null when
        there is none.
      type: str
    reason:
      description: What the status rests on, in a sentence a person can act on.
      type: str
  sample:
    - function_arn: arn:aws:lambda:us-east-1:123456789012:function:orders:live
      qualifier: live
      status: losing
      async_events_received: 1200
      async_events_dropped: 14
      dead_letter_errors: 0
      destination_delivery_failures: 0
      failure_destination: null
      reason: "14 async events dropped in the last 14 days: alias of version 3: no on_failure destination in the
        alias's config (it does not inherit the version's) and no dead-letter queue on version 3"
event_source_mappings_without_failure_handling:
  description:
    - Without O(function_name), the event source mappings of the regions that discard records which keep failing.
    - A stream or Kafka mapping (Kinesis, DynamoDB Streams, Amazon MSK, self-managed Kafka) without an on-failure
      destination discards a failing batch after its retries or its records' age, and with neither limit when the
      stream's retention ends. An SQS mapping's failed messages are kept only by its queue's redrive policy.
    - Mappings of other sources (Amazon MQ, DocumentDB) are not judged.
  returned: when O(function_name) is not given
  type: list
  version_added: 0.2.0
  elements: dict
  contains:
    uuid:
      description: The mapping's identifier.
      type: str
    function_arn:
      description: The function (or alias, or version) the mapping invokes.
      type: str
    event_source_arn:
      description: The stream, topic or queue; null for a self-managed Kafka cluster.
      type: str
    reason:
      description: Why its failed records are lost, in a sentence a person can act on.
      type: str
  sample:
    - uuid: 14e0db71-5d35-4eb5-b481-8945cf9d10c2
      function_arn: arn:aws:lambda:us-east-1:123456789012:function:orders
      event_source_arn: arn:aws:kinesis:us-east-1:123456789012:stream/orders
      reason: "no on-failure destination: a batch of its Kinesis stream that keeps failing is discarded after 2
        retries"
functions_without_failure_handling:
  description:
    - Without O(function_name), the qualifiers of the region's functions whose failed asynchronous events are
      dropped after the retries. That is V($LATEST), an alias or a version with a config, whose own config has no
      C(on_failure) destination and whose version (an alias's one or two) has no dead-letter queue.
    - Each entry is an item for O(serverless.aws_lambda.lambda_event_invoke_config#module:configs), naming the
      function by its ARN, with C(qualifier) for an alias or a version; in the order of RV(failure_audit), so
      V(losing) first, then V(unprotected), then V(idle). A qualifier whose handling exists but fails to deliver is
      in RV(failure_audit) only.
  returned: when O(function_name) is not given
  type: list
  version_added: 0.2.0
  elements: dict
  sample:
    - function_name: arn:aws:lambda:us-east-1:123456789012:function:reports
    - function_name: arn:aws:lambda:us-east-1:123456789012:function:orders
      qualifier: live
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

from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config import validate_settings
from ansible_collections.serverless.aws_lambda.plugins.module_utils.event_invoke_config_state import (
    describe_event_invoke_configs,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils.module import FUNCTION_REFERENCE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils.module import REQUEST_RATE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils.module import LambdaAWSModule
from ansible_collections.serverless.aws_lambda.plugins.module_utils.references import parse_function_ref


def main():
    argument_spec = dict(
        FUNCTION_REFERENCE_ARGUMENT_SPEC,
        **REQUEST_RATE_ARGUMENT_SPEC,
        max_concurrency={"type": "int", "default": 10},
        regions={"type": "list", "elements": "str"},
        lookback_days={"type": "int", "default": 14},
    )
    module = LambdaAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_by={"qualifier": "function_name"},
        mutually_exclusive=[("function_name", "regions")],
    )
    module.exit_with(lambda: describe(module))


def describe(module):
    params = module.params
    validate_settings(params)
    if params["function_name"] is None:
        # Only an audit loads the audit's code (a module's imports cost every task; see event_invoke_config_state).
        from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import audit_regions
        from ansible_collections.serverless.aws_lambda.plugins.module_utils.failure_audit import (
            without_failure_handling,
        )

        regions = params["regions"] or [module.region]
        audit = audit_regions(module.client_for, regions, params["max_concurrency"], params["lookback_days"])
        for warning in audit.warnings:
            module.warn(warning)
        return {
            "changed": False,
            "event_invoke_configs": audit.configs,
            "failure_audit": audit.entries,
            "functions_without_failure_handling": without_failure_handling(audit.entries),
            "event_source_mappings_without_failure_handling": audit.mappings,
        }
    ref = parse_function_ref(params["function_name"], params["qualifier"])
    client = module.client_for("lambda", ref.region)  # a function ARN is read in its own region
    return {"changed": False, "event_invoke_configs": describe_event_invoke_configs(client, ref)}


if __name__ == "__main__":
    main()
