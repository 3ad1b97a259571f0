#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: lambda_failure_handling_info
version_added: 0.2.0
short_description: Find the Lambda functions, aliases and event source mappings that lose failed events
description:
  - Audits the region, or every region of O(regions) at once, for the failed work Lambda drops.
  - Every qualifier is judged on its own, as Lambda runs it, since services invoke aliases and nothing is inherited
    between qualifiers. V($LATEST), every alias and every version with a config is handled by its own config's
    C(on_failure) destination, else by the dead-letter queue of the version it runs; an alias runs the version it
    points to, and a weighted alias needs both versions covered.
  - CloudWatch's metrics of the last O(lookback_days) days then tell what each qualifier did, in RV(failure_audit). A
    qualifier is V(losing) when it dropped events with no handling or its handling failed to deliver, V(unprotected)
    when it received async events with no handling, V(idle) when it has no handling and received none, and
    V(protected) otherwise.
  - RV(functions_without_failure_handling) gives the qualifiers with no handling as items for
    O(serverless.aws_lambda.lambda_event_invoke_config#module:configs), each naming its function by ARN, so its
    region too.
  - RV(event_source_mappings_without_failure_handling) lists the event source mappings that discard records which
    keep failing, the other way Lambda loses failed work.
  - To list the configs themselves, for adoption into a playbook, use
    M(serverless.aws_lambda.lambda_event_invoke_config_info).
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
options:
  regions:
    description:
      - The regions to audit, all at once, each under its own request quota (O(max_requests_per_second) and
        O(max_concurrency) apply to each region).
      - Omitted, the module's O(region) alone.
    type: list
    elements: str
  lookback_days:
    description:
      - The days of CloudWatch's metrics the audit reads, from V(1) to V(63) (CloudWatch keeps the 5-minute data
        points of 63 days).
    type: int
    default: 14
  max_concurrency:
    description:
      - How many functions of a region are read at once, from V(1) to V(64).
    type: int
    default: 10
notes:
  - Needs C(lambda:ListFunctions) (with C(FunctionVersion=ALL), for each version's dead-letter queue),
    C(lambda:ListFunctionEventInvokeConfigs), C(lambda:ListAliases) and C(cloudwatch:GetMetricData). Where CloudWatch
    denies the metrics, the module warns and judges each qualifier by its configuration alone (V(protected) or
    V(unprotected), its counts null).
  - For event source mappings, it needs C(lambda:ListEventSourceMappings), and C(sqs:GetQueueUrl) and
    C(sqs:GetQueueAttributes) on the queues of SQS mappings (their redrive policy). Where the listing is denied, the
    module warns and lists no mapping.
  - CloudWatch bills C(GetMetricData) per metric requested (USD 0.01 per 1,000 in most regions); the audit requests 4
    per function and 4 per alias or configured version while the functions are read (CloudWatch's quota is not
    Lambda's), each call the series read since the one before (up to 500), one at a time and at most one a second,
    the last ones at once when the functions are read.
  - Lambda counts an alias's or a version's traffic in its own series (dimension C(Resource)) and in the function's
    total; the unqualified traffic is the total less the audited qualifiers'. A version invoked directly that has no
    config is not audited, and its traffic counts as V($LATEST)'s.
seealso:
  - module: serverless.aws_lambda.lambda_event_invoke_config
  - module: serverless.aws_lambda.lambda_event_invoke_config_info
  - ref: ansible_collections.serverless.aws_lambda.docsite.guide_audit
    description: The statuses and their evidence, the report playbook, what an audit costs.
extends_documentation_fragment:
  - serverless.aws_lambda.read_only
  - serverless.aws_lambda.request_rate
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Audit the region - which functions drop failed events?
  serverless.aws_lambda.lambda_failure_handling_info:
  register: audit

- name: Audit three regions at once, over the last 30 days
  serverless.aws_lambda.lambda_failure_handling_info:
    regions: [us-east-1, eu-west-1, ap-southeast-2]
    lookback_days: 30
  register: audit_regions

- name: The qualifiers losing events now
  ansible.builtin.debug:
    msg: "{{ audit.failure_audit | selectattr('status', 'eq', 'losing') | map(attribute='reason') | list }}"

- name: Send the failed events of each of them to one queue (keeps their other settings)
  serverless.aws_lambda.lambda_event_invoke_config:
    configs: "{{ audit.functions_without_failure_handling }}"
    destination_config:
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:failed-events
    purge_destinations: false
  when: audit.functions_without_failure_handling | length > 0
"""

RETURN = r"""
failure_audit:
  description:
    - One entry per audited qualifier of every function of the regions, the most urgent
      first (V(losing), V(unprotected), V(idle), V(protected)); within a status region after region, function after
      function, V($LATEST) first, then versions by number, then aliases by name.
  returned: always
  type: list
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
    - The event source mappings of the regions that discard records which keep failing.
    - A stream or Kafka mapping (Kinesis, DynamoDB Streams, Amazon MSK, self-managed Kafka) without an on-failure
      destination discards a failing batch after its retries or its records' age, and with neither limit when the
      stream's retention ends. An SQS mapping's failed messages are kept only by its queue's redrive policy.
    - Mappings of other sources (Amazon MQ, DocumentDB) are not judged.
  returned: always
  type: list
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
    - The qualifiers of the regions' functions whose failed asynchronous events are
      dropped after the retries. That is V($LATEST), an alias or a version with a config, whose own config has no
      C(on_failure) destination and whose version (an alias's one or two) has no dead-letter queue.
    - Each entry is an item for O(serverless.aws_lambda.lambda_event_invoke_config#module:configs), naming the
      function by its ARN, with C(qualifier) for an alias or a version; in the order of RV(failure_audit), so
      V(losing) first, then V(unprotected), then V(idle). A qualifier whose handling exists but fails to deliver is
      in RV(failure_audit) only.
  returned: always
  type: list
  elements: dict
  sample:
    - function_name: arn:aws:lambda:us-east-1:123456789012:function:reports
    - function_name: arn:aws:lambda:us-east-1:123456789012:function:orders
      qualifier: live
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import audit_regions
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.audit import without_failure_handling
from ansible_collections.serverless.aws_lambda.plugins.module_utils._audit.metrics import LOOKBACK_DAYS_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import CONCURRENCY_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import REQUEST_RATE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import LambdaAWSModule
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.options import check_ranges
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import REQUEST_RATE_RANGE


def main():
    argument_spec = dict(
        REQUEST_RATE_ARGUMENT_SPEC,
        regions={"type": "list", "elements": "str"},
        lookback_days={"type": "int", "default": 14},
        max_concurrency={"type": "int", "default": 10},
    )
    module = LambdaAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_with(lambda: audit(module))


def audit(module):
    params = module.params
    check_ranges(
        params,
        {
            "lookback_days": LOOKBACK_DAYS_RANGE,
            "max_concurrency": CONCURRENCY_RANGE,
            "max_requests_per_second": REQUEST_RATE_RANGE,
        },
    )
    regions = params["regions"] or [module.region]
    found = audit_regions(module.client_for, regions, params["max_concurrency"], params["lookback_days"])
    for warning in found.warnings:
        module.warn(warning)
    return {
        "changed": False,
        "failure_audit": found.entries,
        "functions_without_failure_handling": without_failure_handling(found.entries),
        "event_source_mappings_without_failure_handling": found.mappings,
    }


if __name__ == "__main__":
    main()
