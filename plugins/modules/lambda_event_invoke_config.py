#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: lambda_event_invoke_config
version_added: 0.1.0
short_description: Manage the asynchronous invocation configuration of a Lambda function, version or alias
description:
  - Creates, updates or deletes the event invoke config of one AWS Lambda function, version or alias (or, with
    O(configs), of many). The config says how many times Lambda retries a failed asynchronous invocation, how
    old an event may get before it is dropped, and where records of successful and failed invocations are sent.
  - Settings the task does not mention are kept. The module reads the config, lays the given options over it and,
    when that changes something, sends a C(lambda:UpdateFunctionEventInvokeConfig) of only what changes; a create,
    or a change that removes a destination, is a C(lambda:PutFunctionEventInvokeConfig) of the complete config,
    sent right after reading it again, so that a config another tool deleted meanwhile is not brought back.
  - A task that changes nothing makes one read (C(lambda:GetFunctionEventInvokeConfig)) and no write.
  - Options are checked before any AWS call, in check mode too, with AWS's own patterns against the whole value.
  - Where no config is found, check mode also reads the function (C(lambda:GetFunction)) and fails as the real run
    would when the function, version or alias does not exist.
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
options:
  maximum_retry_attempts:
    description:
      - How many times Lambda retries when the function returns an error, from V(0) to V(2).
      - Left as it is when not set. When a config has no value, AWS applies its default (2).
    type: int
  maximum_event_age_in_seconds:
    description:
      - The maximum age of an event that Lambda sends to the function, from V(60) to V(21600) seconds.
      - Left as it is when not set. When a config has no value, AWS applies its default (21600).
    type: int
  destination_config:
    description:
      - Where Lambda sends records of asynchronous invocations; left as they are when not set.
      - With O(purge_destinations=true), a slot this option does not list is removed, so V({}) removes both.
    type: dict
    suboptions:
      on_success:
        description:
          - The destination for records of successful invocations.
        type: dict
        suboptions:
          destination:
            description:
              - The ARN of an SQS queue, SNS topic, Lambda function or EventBridge event bus.
              - S3 buckets are not accepted here; AWS allows them only for O(destination_config.on_failure).
              - Not a FIFO queue or topic (AWS never delivers records to them), not the function itself.
            type: str
            required: true
      on_failure:
        description:
          - The destination for records of invocations that failed or whose event expired.
        type: dict
        suboptions:
          destination:
            description:
              - The ARN of an SQS queue, SNS topic, Lambda function, EventBridge event bus or S3 bucket.
              - Not a FIFO queue or topic (AWS never delivers records to them), not the function itself.
            type: str
            required: true
  purge_destinations:
    description:
      - With O(destination_config) given, V(true) removes the slots it does not list, V(false) keeps them.
    type: bool
    default: true
  validate_destinations:
    description:
      - Before writing (and in check mode), check that each destination the task would write exists and that the
        function's execution role may send to it (C(sqs:SendMessage), C(sns:Publish), C(lambda:InvokeFunction),
        C(events:PutEvents), or C(s3:ListBucket) on the bucket and C(s3:PutObject) on its objects), with IAM's
        policy simulator (C(iam:SimulatePrincipalPolicy)) and the destination's resource policy.
      - The failure names the destination, what is missing and the policy statements that would fix it. What the
        module cannot judge (a policy it may not read, a condition, a customer-managed KMS key) gives a warning.
      - Runs only when there is something to write. The read permissions it needs are in the destinations guide.
    type: bool
    default: false
  grant_destinations:
    description:
      - Before writing, grant the function's execution role (the role of the version the config runs) exactly what
        each destination of the config needs, never a wildcard resource, so that a destination is wired in one task.
      - The grants are merged into one inline policy per destination service,
        C(event-invoke-config-destinations-SERVICE), shared by every config on the role; a role holds about 160 SQS
        queues of 60-character ARNs within IAM's 10,240 characters. A grant that would not fit fails before any
        write, naming the role's usage and the room left.
      - A destination no config on the role names any more is revoked at the end of the task. The diff shows the
        role's policies before and after; RV(execution_role_policies) says what was written, also when a later step
        fails. IAM's requests are capped at 5 per second per task; the destinations guide has the rest.
    type: bool
    default: false
  iam_propagation_timeout:
    description:
      - How long, in seconds, to keep retrying a write that AWS refuses while a permission just granted to the
        function's execution role propagates (say, by an M(amazon.aws.iam_policy) task or O(grant_destinations)).
      - A destination that does not exist fails at once, naming it; V(0) fails at once; at most V(3600).
    type: int
    default: 120
  state:
    description:
      - V(present) creates or updates the config; V(absent) deletes the config of this qualifier only.
      - Deleting a config that (or whose function) does not exist is not a change.
      - With V(absent), settings given with it are ignored, and a warning names them.
    type: str
    choices: [present, absent]
    default: present
  configs:
    description:
      - Many configs in one task, each an item with O(configs[].function_name) and any of O(configs[].qualifier),
        O(configs[].maximum_retry_attempts), O(configs[].maximum_event_age_in_seconds),
        O(configs[].destination_config), O(configs[].purge_destinations), O(configs[].grant_destinations) and
        O(configs[].state); an option an item does not set takes the task's top-level value.
      - Every item is checked before any AWS call, and two items may not address the same config. The items are
        read and written concurrently, at most O(max_concurrency) at once, items of one function one after the
        other, each exactly as a task with that one config (check mode and diff included).
      - When items fail, every other item is still applied; the task fails naming the first three and counting the
        others, and RV(event_invoke_configs) reports every item, each failed one with its message and AWS's error
        code.
      - A result of up to about 1,500 items fits an AWX job event; the fleets guide shows how to split larger fleets.
      - Mutually exclusive with O(function_name) and O(qualifier).
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      function_name:
        description:
          - As O(function_name).
        type: str
        required: true
      qualifier:
        description:
          - As O(qualifier).
        type: str
      maximum_retry_attempts:
        description:
          - As O(maximum_retry_attempts).
        type: int
      maximum_event_age_in_seconds:
        description:
          - As O(maximum_event_age_in_seconds).
        type: int
      destination_config:
        description:
          - As O(destination_config).
        type: dict
        suboptions:
          on_success:
            description:
              - As O(destination_config.on_success).
            type: dict
            suboptions:
              destination:
                description:
                  - As O(destination_config.on_success.destination).
                type: str
                required: true
          on_failure:
            description:
              - As O(destination_config.on_failure).
            type: dict
            suboptions:
              destination:
                description:
                  - As O(destination_config.on_failure.destination).
                type: str
                required: true
      purge_destinations:
        description:
          - As O(purge_destinations); the task's value when not set.
        type: bool
      grant_destinations:
        description:
          - As O(grant_destinations); the task's value when not set. Each config has a grant of its own.
        type: bool
      state:
        description:
          - As O(state); the task's value when not set.
        type: str
        choices: [present, absent]
  max_concurrency:
    description:
      - With O(configs), how many items are read and written at once, from V(1) to V(64).
    type: int
    default: 10
    version_added: 0.2.0
notes:
  - Creating a config needs at least one setting option (O(destination_config={}) counts), as AWS refuses a write
    with none.
  - A published version does not inherit the V($LATEST) config; each qualifier has its own.
  - The function's execution role needs permission to send to each destination (C(sqs:SendMessage),
    C(sns:Publish), C(lambda:InvokeFunction), C(events:PutEvents), or C(s3:ListBucket) on the bucket and
    C(s3:PutObject) on its objects); AWS otherwise answers that the destination is invalid.
  - Use C(group/serverless.aws_lambda.aws) in O(ignore:module_defaults) to configure this module together
    with the amazon.aws modules.
seealso:
  - module: serverless.aws_lambda.lambda_event_invoke_config_info
  - ref: ansible_collections.serverless.aws_lambda.docsite.guide_configs
    description: Scenarios, adoption, check mode and diff.
  - ref: ansible_collections.serverless.aws_lambda.docsite.guide_fleets
    description: O(configs), AWS's request quota, AWX's job events and batches.
  - ref: ansible_collections.serverless.aws_lambda.docsite.guide_destinations
    description: Permissions, the preflight, the grants and IAM's quota.
  - name: Asynchronous invocation in the AWS Lambda developer guide
    description: How retries, event age and destinations work.
    link: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
extends_documentation_fragment:
  - serverless.aws_lambda.function_reference
  - serverless.aws_lambda.request_rate
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Makes the same read and no write; reports the change a real run would make.
  diff_mode:
    support: full
    description: Shows the config before and after, in the shape of RV(event_invoke_config).
"""

EXAMPLES = r"""
- name: Retry once, drop events older than an hour, send failures to a queue and successes to a topic
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    maximum_retry_attempts: 1
    maximum_event_age_in_seconds: 3600
    destination_config:
      on_success:
        destination: arn:aws:sns:us-east-1:123456789012:orders-succeeded
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:orders-failed

- name: Error handling only, on the production alias (destinations are left as they are)
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    qualifier: production
    maximum_retry_attempts: 0

- name: A published version, given in the function name
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: arn:aws:lambda:us-east-1:123456789012:function:my-function:7
    maximum_event_age_in_seconds: 600

- name: Change the failure destination and keep the success destination
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    destination_config:
      on_failure:
        destination: arn:aws:s3:::my-function-failures
    purge_destinations: false

- name: Dry run that also checks each destination exists and the execution role may send to it
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    destination_config:
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:orders-failed
    validate_destinations: true
  check_mode: true

- name: Send failures to a queue, and grant the execution role sqs:SendMessage on that queue (and nothing more)
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    qualifier: live
    destination_config:
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:orders-failed
    grant_destinations: true

- name: Remove both destinations, keep retry and age settings
  serverless.aws_lambda.lambda_event_invoke_config:
    function_name: my-function
    destination_config: {}

- name: The same failure handling for many functions in one task (items may override any setting)
  serverless.aws_lambda.lambda_event_invoke_config:
    configs:
      - function_name: orders
      - function_name: payments
        qualifier: live
      - function_name: reports
        maximum_retry_attempts: 2
    maximum_retry_attempts: 0
    destination_config:
      on_failure:
        destination: arn:aws:sqs:us-east-1:123456789012:failed-events
    purge_destinations: false
  register: fleet

- name: A fleet larger than one AWX job event keeps (about 1,500 configs), 1,000 configs a task run
  serverless.aws_lambda.lambda_event_invoke_config:
    configs: "{{ item }}"
    maximum_retry_attempts: 1
  loop: "{{ fleet_items | batch(1000) | list }}"
  loop_control:
    label: "{{ item | length }} configs"
  register: fleet_batches  # fleet_batches.results[N].event_invoke_configs

- name: One connection block for this collection and amazon.aws
  module_defaults:
    group/serverless.aws_lambda.aws:
      region: eu-west-1
  block:
    - name: Delete the config of the $LATEST version
      serverless.aws_lambda.lambda_event_invoke_config:
        function_name: my-function
        qualifier: $LATEST
        state: absent
"""

RETURN = r"""
event_invoke_configs:
  description:
    - With O(configs), one entry per item, in the order given.
    - An item's config after the task, in the shape of RV(event_invoke_config) (so of the entries of
      M(serverless.aws_lambda.lambda_event_invoke_config_info)), with RV(event_invoke_configs[].changed).
    - An item that deleted its config or found none (O(configs[].state=absent)) has only
      RV(event_invoke_configs[].function_arn), RV(event_invoke_configs[].qualifier) and RV(event_invoke_configs[].changed).
    - A failed item has RV(event_invoke_configs[].function_name) and RV(event_invoke_configs[].qualifier) as given,
      and the config as AWS holds it when the item wrote it before failing.
  returned: when O(configs) is given
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    function_arn:
      description:
        - The qualified ARN of the config, as in RV(event_invoke_config.function_arn); it names the item.
      type: str
      returned: when the item did not fail, or wrote its config before it failed
      sample: arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST
    qualifier:
      description:
        - The version, alias or V($LATEST) the config belongs to.
        - For a failed item that did not write its config, O(configs[].qualifier) as given (null when not set).
      type: str
      returned: always
      sample: $LATEST
    maximum_retry_attempts:
      description: As in RV(event_invoke_config.maximum_retry_attempts).
      type: int
      returned: when the item has a config after the task
      sample: 1
    maximum_event_age_in_seconds:
      description: As in RV(event_invoke_config.maximum_event_age_in_seconds).
      type: int
      returned: when the item has a config after the task
      sample: 3600
    destination_config:
      description: As in RV(event_invoke_config.destination_config); V({}) when there are none.
      type: dict
      returned: when the item has a config after the task
      sample:
        on_failure:
          destination: arn:aws:sqs:us-east-1:123456789012:failed-events
    last_modified:
      description: As in RV(event_invoke_config.last_modified).
      type: str
      returned: when the item has a config after the task
      sample: "2026-11-22T20:56:23.783000+00:00"
    function_name:
      description: The item's O(configs[].function_name), as given.
      type: str
      returned: when the item failed
      sample: orders
    changed:
      description:
        - Whether the item changed (or, in check mode, would change) its config or its execution role's grant.
        - True for a failed item that wrote something before it failed (a grant before a refused Lambda write).
      type: bool
      returned: always
    execution_role_grant:
      description: The item's grant after the task, in the shape of RV(execution_role_grant).
      type: dict
      returned: when the item has O(configs[].grant_destinations=true) and its function exists
      version_added: 0.2.0
    failed:
      description: True when the item failed.
      type: bool
      returned: when the item failed
    msg:
      description: Why the item failed.
      type: str
      returned: when the item failed
    error_code:
      description: AWS's error code for the item's failure; null when the failure is not an answer of AWS.
      type: str
      returned: when the item failed
      sample: InvalidParameterValueException
execution_role_grant:
  description:
    - With O(grant_destinations), the config's execution role and the inline policies on it that grant the config's
      destinations (the merged policies of their services), after the task (predicted in check mode).
  returned: when O(grant_destinations=true) and the function exists
  type: dict
  version_added: 0.2.0
  contains:
    role_arn:
      description: The execution role the config runs with.
      type: str
      sample: arn:aws:iam::123456789012:role/orders-exec
    policy_names:
      description: The inline policies that grant the config's destinations.
      type: list
      elements: str
      sample: [event-invoke-config-destinations-sqs]
execution_role_policies:
  description:
    - With O(grant_destinations), what the task did to each execution role it granted or revoked on (predicted in
      check mode); empty when it changed no role.
  returned: when O(grant_destinations=true) (at the top level or in an item of O(configs))
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    role_arn:
      description: The execution role.
      type: str
      sample: arn:aws:iam::123456789012:role/orders-exec
    granted:
      description: The inline policies the task put, by name, each as the task left it.
      type: dict
      sample: {"event-invoke-config-destinations-sqs": {"Version": "2012-10-17", "Statement": [
               {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": ["arn:aws:sqs:us-east-1:123456789012:orders-failed"]}]}}
    revoked:
      description:
        - The inline policies the task deleted (no config on the role names a destination of theirs any more, or an
          earlier build's per-destination policy folded into the merged one).
      type: list
      elements: str
    granted_destinations:
      description: The destinations the task granted to the role.
      type: list
      elements: str
      version_added: 0.2.0
    revoked_destinations:
      description: The destinations the task revoked (no config on the role names them any more).
      type: list
      elements: str
      version_added: 0.2.0
    kept_destinations:
      description:
        - The destinations the task's configs stopped naming that another config on the role still names (or that
          could not be checked; a warning then says so), kept.
      type: list
      elements: str
      version_added: 0.2.0
event_invoke_config:
  description:
    - The config after the task, as AWS holds it (predicted in check mode).
    - Empty after O(state=absent).
  returned: when O(function_name) is given
  type: dict
  contains:
    function_arn:
      description:
        - The qualified ARN of the function, version or alias; the unqualified config ends in V(:$LATEST).
        - In check mode, when a config would be created, it is taken from AWS's answer to the read and may be null.
        - A function given by ARN is addressed in the ARN's region, whatever O(region) says; this shows it.
      type: str
      returned: when the config exists
      sample: arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST
    qualifier:
      description: The version, alias or V($LATEST) the config belongs to.
      type: str
      returned: when the config exists
      sample: $LATEST
    maximum_retry_attempts:
      description: Retries of a failed asynchronous invocation; null when unset (AWS applies 2).
      type: int
      returned: when the config exists
      sample: 1
    maximum_event_age_in_seconds:
      description: Maximum event age in seconds; null when unset (AWS applies 21600).
      type: int
      returned: when the config exists
      sample: 3600
    destination_config:
      description:
        - The destinations; a slot that is not set is left out, so this is V({}) when there are none.
      type: dict
      returned: when the config exists
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
              sample: arn:aws:sns:us-east-1:123456789012:orders-succeeded
        on_failure:
          description: The destination for failed invocations.
          type: dict
          returned: when set
          contains:
            destination:
              description: The destination ARN.
              type: str
              returned: when set
              sample: arn:aws:sqs:us-east-1:123456789012:orders-failed
    last_modified:
      description: When the config was last changed (ISO 8601); null for a config predicted in check mode.
      type: str
      returned: when the config exists
      sample: "2026-11-22T20:56:23.783000+00:00"
"""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.concurrency import CONCURRENCY_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import FUNCTION_REFERENCE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import REQUEST_RATE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import LambdaAWSModule
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.options import check_ranges
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import REQUEST_RATE_RANGE
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import SETTINGS_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.settings import check_task
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.state import TaskFeatures
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.state import apply_one
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations.preflight import destination_exists
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations.preflight import (
    preflight_destinations,
)
from ansible_collections.serverless.aws_lambda.plugins.module_utils._fleet.fleet import apply_configs
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.task import DestinationGrants
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants.task import asks_grants

STATES = ["present", "absent"]
# What an item of configs may set; unset options take the task's top-level value.
CONFIG_ITEM_SPEC = dict(
    FUNCTION_REFERENCE_ARGUMENT_SPEC,
    **SETTINGS_ARGUMENT_SPEC,
    function_name={"type": "str", "required": True},
    purge_destinations={"type": "bool"},
    grant_destinations={"type": "bool"},
    state={"type": "str", "choices": STATES},
)


def main():
    argument_spec = dict(
        FUNCTION_REFERENCE_ARGUMENT_SPEC,
        **REQUEST_RATE_ARGUMENT_SPEC,
        **SETTINGS_ARGUMENT_SPEC,
        purge_destinations={"type": "bool", "default": True},
        validate_destinations={"type": "bool", "default": False},
        grant_destinations={"type": "bool", "default": False},
        iam_propagation_timeout={"type": "int", "default": 120},
        state={"type": "str", "choices": STATES, "default": "present"},
        configs={"type": "list", "elements": "dict", "options": CONFIG_ITEM_SPEC},
        max_concurrency={"type": "int", "default": 10},
    )
    module = LambdaAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("function_name", "configs"), ("qualifier", "configs")],
        required_one_of=[("function_name", "configs")],
    )
    module.exit_with(lambda: apply(module))


def apply(module):
    params = module.params
    check_ranges(params, {"max_concurrency": CONCURRENCY_RANGE, "max_requests_per_second": REQUEST_RATE_RANGE})
    # The features a task may use, wired into the core here (the core imports none of them).
    grants = DestinationGrants(module.client_for) if asks_grants(params) else None
    features = TaskFeatures(grants=grants, preflight=preflight_destinations, destination_exists=destination_exists)
    if params["configs"] is None:
        return apply_one(module.client_for, check_task(params), params, module.check_mode, module.warn, features)
    return apply_configs(
        module.client_for, params, module.check_mode, module.warn, module.region, module._diff, features
    )


if __name__ == "__main__":
    main()
