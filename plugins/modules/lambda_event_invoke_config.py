#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: lambda_event_invoke_config
version_added: 0.1.0
short_description: Manage the asynchronous invocation configuration of a Lambda function, version or alias
description:
  - Creates, updates or deletes the event invoke config of one AWS Lambda function, version or alias. That
    config says how many times Lambda retries a failed asynchronous invocation, how old an event may get
    before it is dropped, and where records of successful and failed invocations are sent.
  - Settings the task does not mention are kept as they are. The module reads the config first, lays the given
    options over it and writes only when the result differs from what AWS holds.
  - A change of an existing config is a C(lambda:UpdateFunctionEventInvokeConfig) of only what changes (AWS has no
    conditional write for these configs). Another tool's change between the module's read and its write is kept for
    the number settings the task does not change; the destinations go to Update as one C(DestinationConfig) with
    every slot the config keeps, so the other slot is written as it was read. An Update that finds the config gone
    fails, writing nothing more.
  - A create, and a change that removes a destination, is a C(lambda:PutFunctionEventInvokeConfig) of the complete
    config, since Put replaces the whole config and AWS does not document that Update can clear a destination.
    Before a Put on an existing config (and before each retry of it) the config is read again; a config another
    tool deleted since the first read is not brought back (the task fails, writing nothing more), and the task's
    options are laid over the fresh read, so only the instant between that read and the Put can race.
  - A task that changes nothing makes one read (C(lambda:GetFunctionEventInvokeConfig)) and no write; a change
    adds one Update, Put or C(lambda:DeleteFunctionEventInvokeConfig).
  - AWS answers "not found" alike for a missing function, version, alias or config. Where no config is found,
    check mode also reads the function (C(lambda:GetFunction)) and fails with the message the real run gives
    when the function, version or alias does not exist; the real run makes that read only after AWS refused the write.
  - Options are checked before any AWS call, in check mode too, with AWS's own patterns against the whole value.
    Destinations AWS would accept and never deliver to (a FIFO queue or topic) and the function itself as a
    destination are refused there too (the function itself after the first read when O(function_name) is a
    name, since only AWS's answer names the account).
  - Throttling and concurrent-update conflicts (C(ResourceConflictException)) are retried with jittered backoff,
    and requests are kept under O(max_requests_per_second).
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
      - Where Lambda sends records of asynchronous invocations.
      - When not set, the destinations are left as they are.
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
      - When O(destination_config) is given and this is V(true), destination slots it does not list are removed.
      - When V(false), slots it does not list are kept.
      - Has no effect when O(destination_config) is not given.
    type: bool
    default: true
  validate_destinations:
    description:
      - Before writing (and in check mode), check each destination the task would write, so that check mode
        predicts the failures AWS otherwise reports only at apply time as "The destination ARN ... is invalid".
      - Each destination must exist, read with its own service (C(sqs:GetQueueUrl), C(sns:GetTopicAttributes),
        C(lambda:GetFunction), C(events:DescribeEventBus), C(s3:ListBucket) for C(HeadBucket)).
      - The function's execution role (C(lambda:GetFunction)) must be allowed to send to it
        (C(sqs:SendMessage), C(sns:Publish), C(lambda:InvokeFunction), C(events:PutEvents), or C(s3:ListBucket)
        on the bucket and C(s3:PutObject) on its objects, as AWS documents for an S3 destination).
        IAM's policy simulator (C(iam:SimulatePrincipalPolicy), once per action) answers for the role's own policies; when they
        do not allow it, or the destination is in another account, the destination's resource policy is read
        (C(sqs:GetQueueAttributes), C(sns:GetTopicAttributes), C(lambda:GetPolicy), C(events:DescribeEventBus),
        C(s3:GetBucketPolicy)) and weighed with IAM's rules (an explicit deny wins; within an account an allow
        on either side is enough; across accounts both must allow). IAM's simulator cannot weigh a resource
        policy for a role itself (it needs an IAM user as caller).
      - The failure names the destination, what is missing and the policy statements that would fix it.
      - A queue or topic encrypted with a customer-managed KMS key (its C(KmsMasterKeyId), one more
        C(sqs:GetQueueAttributes) for a queue) gives a warning that the execution role also needs
        C(kms:GenerateDataKey) and C(kms:Decrypt) on that key; KMS itself is not checked.
      - Runs only when there is something to write, so a task with no change still makes one read.
      - Where the caller may not make a preflight read, or a resource policy has conditions the module cannot
        evaluate, a warning is given and the task goes on; the preflight never refuses on a guess. Any other
        SDK error (no answer from AWS, and no unreachable service) fails the task, naming the preflight.
      - Off by default because it needs the read permissions above; turn it on for dry runs before a change window.
    type: bool
    default: false
  grant_destinations:
    description:
      - Before writing, grant the function's execution role exactly what each destination of the config needs
        (the actions listed in O(validate_destinations), on that destination, never a wildcard resource), as AWS
        CDK, SAM and the Serverless Framework do, so that a destination is wired in one task.
      - The execution role is the one the config runs with (for an alias, the role of the version it points to).
        Its grants are merged into one inline policy per destination service, named
        C(event-invoke-config-destinations-SERVICE) (C(sqs), C(sns), C(lambda), C(events), C(s3)), with one statement
        per action listing exactly the destinations, shared by every config on the role. IAM allows 10,240 characters
        of inline policies per role in all (whitespace not counted); a further destination takes its ARN and 3
        characters (an S3 bucket twice its ARN and 8), so a role holds about 160 SQS queues of 60-character ARNs,
        whatever the number of configs that send to them.
      - Before a destination is added, the role's inline policies are read (C(iam:ListRolePolicies),
        C(iam:GetRolePolicy)) and a grant that would not fit fails naming the quota, the role's usage, the room left
        and what the destination needs, before any write of the config and in check mode too.
      - The per-destination policies of earlier builds (C(event-invoke-config-SERVICE-RESOURCE-DIGEST)) still
        count as grants; the next run that grants on the role folds them into the merged policies, each put before
        the deletes it allows, so that no destination is ever ungranted (RV(execution_role_policies) lists them as
        revoked policies). A role left with less room than one more ARN is not migrated; a grant that does not fit
        then says how many characters to free.
      - A destination is granted before the Lambda write. One the config no longer names (a swap, a removal,
        O(state=absent)) is revoked at the end of the task, once per role, only when no other config on the role
        still names it; the module then reads every version of the functions of the region (C(lambda:ListFunctions))
        and the configs of those on the role (C(lambda:ListFunctionEventInvokeConfigs)), counting the task's own
        configs as the task leaves them; a config counts where it runs (an alias with the roles of the versions it
        points to, both of a weighted alias, found with C(lambda:ListAliases)). When these cannot be read, the
        policy is kept, with a warning. A task without this option never reads or writes the role.
      - A config whose role lacks the grant of a destination it already names runs with another role now (an alias
        moved to a version with another role, a new role for V($LATEST)) or is granted for the first time; the
        module then lists the function's versions (C(lambda:ListVersionsByFunction)) and revokes that destination's
        grant on their other roles at the end of the task, unless a config running with them still names it.
      - Within a task, the items that share a role queue their grants, and one put grants everything queued. A policy
        is only ever put whole, read just before (the task's changes are laid over what that read found), and read
        again at the end of the task; a destination of the task's configs that another writer's put took away is put
        back once, and a second loss fails the task naming it (IAM has no conditional write). A task revoking a
        destination while another starts to use it can still take it away, as with any tool.
      - After a fresh grant the write is retried while IAM propagates it, for up to O(iam_propagation_timeout).
        When the Lambda write fails anyway, the grant stays (the next run uses or revokes it), and the result says
        it was written (RV(execution_role_policies), C(changed=true)).
      - A destination in another account gets the role's side only; a warning says that its resource policy must
        allow the role too. KMS keys are not granted (a key's own policy must allow the role as well); see
        O(validate_destinations) for the warning about them.
      - Each task then also reads the function (C(lambda:GetFunction)) and the merged policy of each destination's
        service (C(iam:GetRolePolicy)); a change is a C(iam:PutRolePolicy) or C(iam:DeleteRolePolicy). A caller that may not
        read or grant fails naming the IAM action, before any Lambda write; a revoke that fails after the Lambda
        write fails the task with what was written. IAM requests are capped at 5 per second per task (IAM throttles
        per account, in every region at once). In check mode nothing is written, and the diff shows the role's
        policies before and after.
      - With O(validate_destinations), the preflight simulates the role with the grant added (the policy input of
        C(iam:SimulatePrincipalPolicy)), so that what the grant cannot lift (an explicit deny, the role's permissions
        boundary, a service control policy) fails before any write, naming it, instead of the write waiting out
        O(iam_propagation_timeout). A refusal that names none of them (as LocalStack's simulator gives) warns.
    type: bool
    default: false
  iam_propagation_timeout:
    description:
      - How long, in seconds, to keep retrying a write that AWS refuses while a permission granted to the
        function's execution role just before (say, by an M(amazon.aws.iam_policy) task in the same play)
        propagates, which takes seconds to minutes.
      - AWS answers that the role "does not have permissions to call" a destination, or that "The destination
        ARN ... is invalid". The second is also its answer for a destination that does not exist, so the
        module then reads that destination once with its own service; when it does not exist, the task fails
        at once naming it, without waiting. When it exists (or cannot be read), the write is retried.
      - Retries back off from 2 to 20 seconds. V(0) fails at once; at most V(3600). Terraform waits 2 minutes,
        for a typo too.
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
        O(configs[].state).
      - An option an item does not set takes the task's top-level value, so settings common to all items are
        given once, at the top level (O(validate_destinations) and O(iam_propagation_timeout) too).
      - Every item is checked before any AWS call, and two items may not address the same config (the
        unqualified config is the V($LATEST) one); then the items are read and written concurrently, at most
        O(max_concurrency) at once, one client per region, and items of the same function one after the other.
        Each item is handled exactly as a task with that one config (check mode and diff mode included);
        C(--diff) shows each changed item, headed by its function (a function ARN as its name, qualifier and
        region), with the settings that change before and after; the item's whole config after is in
        RV(event_invoke_configs), and the echo of the task's arguments gives O(configs) as the count of its
        items. So a task of up to about 1,500 configs keeps its result in an AWX job event (700,000 characters;
        the README gives the size per item and how to split a larger fleet into batches).
      - When items fail, every other item is still applied; the task fails naming the first three failed items and
        counting the others by kind of error (so that a fleet's message stays short), and RV(event_invoke_configs)
        reports every item, each failed one with its own message and AWS's error code.
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
      - AWS's Lambda control-plane APIs answer throttling with C(TooManyRequestsException), which is retried
        with backoff; lower this when other tools share the account's request rate.
    type: int
    default: 10
    version_added: 0.2.0
notes:
  - Give either O(function_name) (one config) or O(configs) (many).
  - A config may hold no settings at all (AWS then applies its defaults); removing the last destinations of a
    config leaves such a config. Creating a config needs at least one setting option (O(destination_config={})
    counts), as AWS refuses a write with none.
  - A published version does not inherit the V($LATEST) config; each qualifier has its own.
  - The function's execution role needs permission to send to each destination (C(sqs:SendMessage),
    C(sns:Publish), C(lambda:InvokeFunction), C(events:PutEvents), or C(s3:ListBucket) on the bucket and
    C(s3:PutObject) on its objects); AWS otherwise answers that the destination is invalid.
  - Use C(group/serverless.aws_lambda.aws) in O(ignore:module_defaults) to configure this module together
    with the amazon.aws modules.
seealso:
  - module: serverless.aws_lambda.lambda_event_invoke_config_info
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
