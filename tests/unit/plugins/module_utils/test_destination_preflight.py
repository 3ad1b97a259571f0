# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Destination preflight, each destination type found / missing / denied, with Stubber."""

import json

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import FunctionRef
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import statements_for
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations.preflight import PreflightError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations.preflight import destination_exists
from ansible_collections.serverless.aws_lambda.plugins.module_utils._destinations.preflight import (
    preflight_destinations,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/orders-exec"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-failed"
QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders-failed"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders-ok"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:archive"
BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
BUCKET = "arn:aws:s3:::orders-failures"
REF = FunctionRef("orders", "live")


class Clients:
    """boto3 clients with a Stubber each; client_for(service, region) hands them out."""

    def __init__(self):
        self.clients = {}
        self.stubbers = {}

    def __call__(self, service, region):
        if service not in self.clients:
            client = boto3.client(
                service,
                region_name=region or "us-east-1",
                aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="not-a-secret",
            )
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.clients[service]

    def stub(self, service):
        self(service, None)
        return self.stubbers[service]

    def assert_done(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def clients(mocker):
    mocker.patch.object(cloud.time, "sleep")
    return Clients()


def desired(**slots):
    return {
        "maximum_retry_attempts": None,
        "maximum_event_age_in_seconds": None,
        "destination_config": {slot: {"destination": arn} for slot, arn in slots.items()},
    }


def expect_role(clients):
    clients.stub("lambda").add_response(
        "get_function", {"Configuration": {"Role": ROLE}}, {"FunctionName": "orders", "Qualifier": "live"}
    )


def expect_simulation(clients, action, resource, decision="allowed"):
    clients.stub("iam").add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [{"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision}]},
        {"PolicySourceArn": ROLE, "ActionNames": [action], "ResourceArns": [resource]},
    )


def expect_queue(clients, arn=QUEUE):
    parts = arn.split(":")
    clients.stub("sqs").add_response(
        "get_queue_url", {"QueueUrl": QUEUE_URL}, {"QueueName": parts[5], "QueueOwnerAWSAccountId": parts[4]}
    )


def expect_queue_read(clients, arn=QUEUE, key=None):
    """The preflight's read of a queue: its URL, then the KMS key it is encrypted with."""
    expect_queue(clients, arn)
    clients.stub("sqs").add_response(
        "get_queue_attributes",
        {"Attributes": {"KmsMasterKeyId": key}} if key else {},
        {"QueueUrl": QUEUE_URL, "AttributeNames": ["KmsMasterKeyId"]},
    )


def policy(principal, action, resource, effect="Allow", **extra):
    statement = dict({"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}, **extra)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# How each kind's resource policy is read (operation, request, answer carrying the policy).
def expect_policy(clients, arn, text):
    service = arn.split(":")[2]
    if service == "sqs":
        expect_queue(clients, arn)
        clients.stub("sqs").add_response(
            "get_queue_attributes",
            {"Attributes": {"Policy": text}},
            {"QueueUrl": QUEUE_URL, "AttributeNames": ["Policy"]},
        )
    elif service == "sns":
        clients.stub("sns").add_response("get_topic_attributes", {"Attributes": {"Policy": text}}, {"TopicArn": arn})
    elif service == "lambda":
        clients.stub("lambda").add_response("get_policy", {"Policy": text}, {"FunctionName": arn})
    elif service == "events":
        clients.stub("events").add_response("describe_event_bus", {"Policy": text}, {"Name": arn})
    else:
        clients.stub("s3").add_response("get_bucket_policy", {"Policy": text}, {"Bucket": "orders-failures"})


def run(clients, settings, warnings=None, planned=False):
    """The preflight of settings; the warnings it gives go to warnings, and a test that passes
    none expects none (an unexpected one fails it, as does any unstubbed call: Stubber raises)."""
    given = [] if warnings is None else warnings
    try:
        preflight_destinations(clients, REF, clients("lambda", None), settings, warn=given.append, planned=planned)
    finally:
        if warnings is None:
            assert given == []


def test_every_destination_type_found_and_allowed(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE)
    run(clients, desired(on_failure=QUEUE))
    clients.assert_done()


@pytest.mark.parametrize(
    "arn, service, operation, request_, action, resource",
    [
        (TOPIC, "sns", "get_topic_attributes", {"TopicArn": TOPIC}, "sns:Publish", TOPIC),
        (FUNCTION, "lambda", "get_function", {"FunctionName": FUNCTION}, "lambda:InvokeFunction", FUNCTION),
        (BUS, "events", "describe_event_bus", {"Name": BUS}, "events:PutEvents", BUS),
    ],
)
def test_success_destinations_found_and_allowed(clients, arn, service, operation, request_, action, resource):
    clients.stub(service).add_response(operation, {}, request_)
    expect_role(clients)
    expect_simulation(clients, action, resource)
    run(clients, desired(on_success=arn))
    clients.assert_done()


def test_bucket_needs_list_bucket_on_it_and_put_object_on_its_objects(clients):
    # What AWS documents for an S3 failure destination: both, each on its own resource.
    clients.stub("s3").add_response("head_bucket", {}, {"Bucket": "orders-failures"})
    expect_role(clients)
    expect_simulation(clients, "s3:ListBucket", BUCKET)
    expect_simulation(clients, "s3:PutObject", BUCKET + "/*")
    run(clients, desired(on_failure=BUCKET))
    clients.assert_done()


def test_bucket_with_put_object_alone_fails_naming_list_bucket(clients):
    # The new user's case: a role allowed s3:PutObject on the bucket's objects, and nothing more.
    clients.stub("s3").add_response("head_bucket", {}, {"Bucket": "orders-failures"})
    expect_role(clients)
    expect_simulation(clients, "s3:ListBucket", BUCKET, decision="implicitDeny")
    expect_policy(clients, BUCKET, policy({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject", BUCKET + "/*"))
    expect_simulation(clients, "s3:PutObject", BUCKET + "/*")
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=BUCKET))
    clients.assert_done()
    message = str(raised.value)
    assert f"execution role {ROLE} may not s3:ListBucket (implicitDeny); add to its policy: " in message
    assert json.dumps([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}]) in message
    assert "s3:PutObject" not in message


@pytest.mark.parametrize(
    "arn, key, warned",
    [
        (QUEUE, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        (QUEUE, "alias/orders", True),
        (QUEUE, "alias/aws/sqs", False),
        (TOPIC, "alias/orders", True),
        (TOPIC, "alias/aws/sns", False),
    ],
)
def test_a_queue_or_topic_encrypted_with_a_customer_key_warns_naming_the_key_actions(clients, arn, key, warned):
    # SQS and SNS: a sender to a queue or topic encrypted with a customer-managed key needs
    # kms:GenerateDataKey and kms:Decrypt on it; an AWS-managed key needs nothing of its own.
    if arn == QUEUE:
        expect_queue_read(clients, key=key)
        action = "sqs:SendMessage"
    else:
        clients.stub("sns").add_response(
            "get_topic_attributes", {"Attributes": {"KmsMasterKeyId": key}}, {"TopicArn": arn}
        )
        action = "sns:Publish"
    expect_role(clients)
    expect_simulation(clients, action, arn)
    warnings = []
    run(clients, desired(on_failure=arn), warnings)
    clients.assert_done()
    if warned:
        assert len(warnings) == 1
        assert f"is encrypted with the KMS key {key}" in warnings[0]
        assert "kms:GenerateDataKey and kms:Decrypt" in warnings[0]
    else:
        assert warnings == []


@pytest.mark.parametrize(
    "arn, service, operation, code, status",
    [
        (QUEUE, "sqs", "get_queue_url", "AWS.SimpleQueueService.NonExistentQueue", 400),
        (TOPIC, "sns", "get_topic_attributes", "NotFound", 404),
        (FUNCTION, "lambda", "get_function", "ResourceNotFoundException", 404),
        (BUS, "events", "describe_event_bus", "ResourceNotFoundException", 400),
        (BUCKET, "s3", "head_bucket", "404", 404),
    ],
)
def test_missing_destination_fails_naming_it(clients, arn, service, operation, code, status):
    clients.stub(service).add_client_error(operation, service_error_code=code, http_status_code=status)
    expect_role(clients)
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=arn))
    clients.assert_done()
    assert f"{arn} does not exist" in str(raised.value)
    assert "orders:live" in str(raised.value)


def test_role_without_permission_fails_with_the_fixing_statement(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="implicitDeny")
    expect_policy(clients, QUEUE, policy({"Service": "sns.amazonaws.com"}, "sqs:SendMessage", QUEUE))
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=QUEUE))
    message = str(raised.value)
    assert "destination_config.on_failure.destination" in message
    assert f"execution role {ROLE} may not sqs:SendMessage (implicitDeny)" in message
    assert f'{{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "{QUEUE}"}}' in message


@pytest.mark.parametrize(
    "arn, slot",
    [
        (QUEUE, "on_failure"),
        (TOPIC, "on_success"),
        (FUNCTION, "on_success"),
        (BUS, "on_failure"),
        (BUCKET, "on_failure"),
    ],
)
@pytest.mark.parametrize("principal", [{"AWS": ROLE}, {"AWS": [ROLE, "arn:aws:iam::210987654321:root"]}, "*"])
def test_grant_in_the_resource_policy_alone_is_enough_within_the_account(clients, arn, slot, principal):
    # IAM: within one account, an Allow in the identity policies OR in the resource policy
    # grants access. IAM's simulator cannot weigh a resource policy for a role (CallerArn
    # must be a user), so the policy is read and weighed by the module.
    statements = statements_for(arn)
    read = {
        "sqs": expect_queue_read,
        "s3": lambda c, a: c.stub("s3").add_response("head_bucket", {}),
        "lambda": lambda c, a: c.stub("lambda").add_response("get_function", {}, {"FunctionName": a}),
        "sns": lambda c, a: c.stub("sns").add_response("get_topic_attributes", {}),
        "events": lambda c, a: c.stub("events").add_response("describe_event_bus", {}),
    }
    read[arn.split(":")[2]](clients, arn)
    expect_role(clients)
    for statement in statements:
        expect_simulation(clients, statement["Action"], statement["Resource"], decision="implicitDeny")
    # Read once, weighed for each of the kind's permissions.
    expect_policy(
        clients,
        arn,
        json.dumps({"Statement": [dict(statement, Principal=principal) for statement in statements]}),
    )
    warnings = []
    run(clients, desired(**{slot: arn}), warnings)
    clients.assert_done()
    assert warnings == []


def test_resource_policy_for_the_account_only_does_not_grant_within_the_account(clients):
    # Naming the account delegates to its identity policies, which say no.
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="implicitDeny")
    expect_policy(clients, QUEUE, policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "sqs:*", QUEUE))
    with pytest.raises(PreflightError):
        run(clients, desired(on_failure=QUEUE))


def test_explicit_deny_in_the_resource_policy_refuses(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="implicitDeny")
    expect_policy(
        clients,
        QUEUE,
        json.dumps(
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE},
                    {"Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "sqs:Send*", "Resource": "*"},
                ]
            }
        ),
    )
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=QUEUE))
    assert "(explicitDeny)" in str(raised.value)


def test_explicit_deny_of_the_identity_policies_needs_no_policy_read(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="explicitDeny")
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=QUEUE))
    clients.assert_done()
    assert "(explicitDeny)" in str(raised.value)


def test_conditional_grant_warns_and_goes_on(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="implicitDeny")
    expect_policy(
        clients,
        QUEUE,
        policy({"AWS": ROLE}, "sqs:SendMessage", QUEUE, Condition={"ArnEquals": {"aws:SourceArn": FUNCTION}}),
    )
    warnings = []
    run(clients, desired(on_failure=QUEUE), warnings)
    assert len(warnings) == 1
    assert "could not decide whether the resource policy" in warnings[0]


def test_unreadable_resource_policy_warns_and_goes_on(clients):
    clients.stub("sns").add_response("get_topic_attributes", {}, {"TopicArn": TOPIC})
    expect_role(clients)
    expect_simulation(clients, "sns:Publish", TOPIC, decision="implicitDeny")
    clients.stub("sns").add_client_error(
        "get_topic_attributes", service_error_code="AuthorizationError", http_status_code=403
    )
    warnings = []
    run(clients, desired(on_success=TOPIC), warnings)
    clients.assert_done()
    assert len(warnings) == 1
    assert f"could not read the resource policy of {TOPIC} (AuthorizationError)" in warnings[0]


OTHER_QUEUE = "arn:aws:sqs:us-east-1:210987654321:shared-failures"


@pytest.mark.parametrize(
    "principal, refused",
    [
        ({"AWS": ROLE}, False),
        ({"AWS": ACCOUNT}, False),
        ({"AWS": "arn:aws:iam::555555555555:root"}, True),
    ],
)
def test_another_accounts_destination_needs_both_policies(clients, principal, refused):
    # Across accounts, IAM needs the identity policies AND the resource policy to allow.
    expect_queue_read(clients, OTHER_QUEUE)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", OTHER_QUEUE, decision="allowed")
    expect_policy(clients, OTHER_QUEUE, policy(principal, "sqs:SendMessage", OTHER_QUEUE))
    if refused:
        with pytest.raises(PreflightError):
            run(clients, desired(on_failure=OTHER_QUEUE))
    else:
        run(clients, desired(on_failure=OTHER_QUEUE))
    clients.assert_done()


def test_all_problems_are_reported_together(clients):
    clients.stub("sns").add_client_error("get_topic_attributes", service_error_code="NotFound", http_status_code=404)
    expect_queue_read(clients)
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE, decision="explicitDeny")
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=QUEUE, on_success=TOPIC))
    clients.assert_done()
    assert f"{TOPIC} does not exist" in str(raised.value)
    assert "may not sqs:SendMessage" in str(raised.value)


def test_caller_denied_reads_warn_and_go_on(clients):
    clients.stub("sqs").add_client_error("get_queue_url", service_error_code="AccessDenied", http_status_code=403)
    expect_role(clients)
    clients.stub("iam").add_client_error(
        "simulate_principal_policy", service_error_code="AccessDenied", http_status_code=403
    )
    warnings = []
    run(clients, desired(on_failure=QUEUE), warnings)
    clients.assert_done()
    assert len(warnings) == 2
    assert "could not check that" in warnings[0]
    assert "could not simulate sqs:SendMessage" in warnings[1]


def test_caller_denied_role_read_warns_and_skips_the_simulation(clients):
    expect_queue_read(clients)
    clients.stub("lambda").add_client_error(
        "get_function", service_error_code="AccessDeniedException", http_status_code=403
    )
    warnings = []
    run(clients, desired(on_failure=QUEUE), warnings)
    clients.assert_done()
    assert warnings == ["preflight could not read the execution role of orders:live (AccessDeniedException)"]


def test_missing_function_is_reported(clients):
    expect_queue_read(clients)
    clients.stub("lambda").add_client_error(
        "get_function", service_error_code="ResourceNotFoundException", http_status_code=404
    )
    with pytest.raises(PreflightError) as raised:
        run(clients, desired(on_failure=QUEUE))
    assert "function orders:live does not exist" in str(raised.value)


def test_no_destinations_means_no_calls(clients):
    run(clients, desired())
    assert set(clients.clients) == {"lambda"}
    clients.assert_done()


@pytest.mark.parametrize("arn, exists", [(QUEUE, True), (QUEUE + "-typo", False)])
def test_destination_exists_reads_it_with_its_own_service(clients, arn, exists):
    if exists:
        expect_queue(clients)
    else:
        clients.stub("sqs").add_client_error(
            "get_queue_url", service_error_code="AWS.SimpleQueueService.NonExistentQueue", http_status_code=400
        )
    assert destination_exists(clients, arn) is exists
    clients.assert_done()


def test_destination_exists_cannot_tell_when_the_read_is_denied(clients):
    clients.stub("sqs").add_client_error("get_queue_url", service_error_code="AccessDenied", http_status_code=403)
    assert destination_exists(clients, QUEUE) is None


def test_an_unexpected_sdk_error_fails_cleanly_naming_the_preflight(clients):
    # Nothing stubbed for the queue: Stubber raises UnStubbedResponseError, a BotoCoreError that
    # is neither an answer of AWS nor an unreachable service. It is not turned into a warning.
    warnings = []
    with pytest.raises(EventInvokeConfigError) as raised:
        run(clients, desired(on_failure=QUEUE), warnings)
    assert raised.value.message == "preflight of orders:live (validate_destinations) failed: UnStubbedResponseError"
    assert warnings == []


def test_an_unreachable_service_warns_and_goes_on(clients, mocker):
    expect_role(clients)
    expect_simulation(clients, "sqs:SendMessage", QUEUE)
    sqs = clients("sqs", None)
    mocker.patch.object(
        sqs, "get_queue_url", side_effect=EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com/")
    )
    warnings = []
    run(clients, desired(on_failure=QUEUE), warnings)
    clients.assert_done()
    assert len(warnings) == 1
    assert f"preflight could not check that {QUEUE} exists: Could not connect to the endpoint URL" in warnings[0]


def test_an_unexpected_sdk_error_reading_the_role_fails_too(clients):
    # GetFunction goes through the API wrappers, which wrap every botocore error: the
    # preflight still tells an unstubbed call from AWS's answer there.
    expect_queue_read(clients)
    warnings = []
    with pytest.raises(EventInvokeConfigError) as raised:
        run(clients, desired(on_failure=QUEUE), warnings)
    assert raised.value.message.startswith("Failed to read the function of orders:live")
    assert type(raised.value.exception).__name__ == "UnStubbedResponseError"
    assert warnings == []


# grant_destinations with validate_destinations: the role is simulated with the grant added
# (PolicyInputList), as AWS answers it; only what the grant cannot lift refuses.


def expect_planned_simulation(clients, result):
    clients.stub("iam").add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [dict({"EvalActionName": "sqs:SendMessage", "EvalResourceName": QUEUE}, **result)]},
        {
            "PolicySourceArn": ROLE,
            "ActionNames": ["sqs:SendMessage"],
            "ResourceArns": [QUEUE],
            "PolicyInputList": [
                json.dumps({"Version": "2012-10-17", "Statement": statements_for(QUEUE)}),
            ],
        },
    )


def test_with_the_grant_added_an_allowed_role_passes(clients):
    expect_queue_read(clients)
    expect_role(clients)
    expect_planned_simulation(clients, {"EvalDecision": "allowed"})
    run(clients, desired(on_failure=QUEUE), planned=True)
    clients.assert_done()


@pytest.mark.parametrize(
    "result, why",
    [
        (
            {
                "EvalDecision": "explicitDeny",
                "MatchedStatements": [{"SourcePolicyId": "no-queues", "SourcePolicyType": "IAM Policy"}],
            },
            "explicitly denied by no-queues",
        ),
        (
            {
                "EvalDecision": "implicitDeny",
                "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False},
            },
            "the role's permissions boundary does not allow it",
        ),
        (
            {"EvalDecision": "implicitDeny", "OrganizationsDecisionDetail": {"AllowedByOrganizations": False}},
            "a service control policy of the organization does not allow it",
        ),
    ],
    ids=["an explicit deny", "a permissions boundary", "an SCP"],
)
def test_what_the_grant_cannot_lift_fails_before_any_write(clients, result, why):
    # Without the simulation, the write waited out iam_propagation_timeout and then failed.
    expect_queue_read(clients)
    expect_role(clients)
    expect_planned_simulation(clients, result)
    with pytest.raises(PreflightError) as failure:
        run(clients, desired(on_failure=QUEUE), planned=True)
    clients.assert_done()
    assert str(failure.value) == (
        f"AWS would refuse the event invoke config of orders:live: destination_config.on_failure.destination {QUEUE}: "
        f"the function's execution role {ROLE} may not sqs:SendMessage even with the grant ({why}); "
        "grant_destinations cannot lift that"
    )


def test_a_refusal_that_names_no_reason_warns_and_goes_on(clients):
    # LocalStack ignores PolicyInputList and answers explicitDeny for a role without an Allow.
    expect_queue_read(clients)
    expect_role(clients)
    expect_planned_simulation(clients, {"EvalDecision": "explicitDeny", "MatchedStatements": []})
    warnings = []
    run(clients, desired(on_failure=QUEUE), warnings, planned=True)
    clients.assert_done()
    assert len(warnings) == 1
    assert "answered explicitDeny" in warnings[0] and "with the grant added" in warnings[0]
