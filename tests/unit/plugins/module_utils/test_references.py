# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one parser of function references and the one of ARNs."""

import pytest

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import FunctionRef
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import function_arn_in_message
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import function_identity
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_function_ref
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import qualifier_from_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import unqualified_function_arn
from ansible_collections.serverless.aws_lambda.tests.unit.plugins.aws_answers import ARN

SQS = "arn:aws:sqs:us-east-1:123456789012:failed"
BUCKET = "arn:aws:s3:::my-failures"
FN = "arn:aws:lambda:us-east-1:123456789012:function:sink"


@pytest.mark.parametrize(
    "function_name, qualifier, expected",
    [
        ("my-fn", None, ("my-fn", None)),
        ("my-fn", "$LATEST", ("my-fn", "$LATEST")),
        ("my-fn:prod", None, ("my-fn", "prod")),
        ("my-fn:prod", "prod", ("my-fn", "prod")),
        ("my-fn:7", None, ("my-fn", "7")),
        ("my-fn:$LATEST", None, ("my-fn", "$LATEST")),
        ("123456789012:function:my-fn", None, ("123456789012:function:my-fn", None)),
        ("123456789012:function:my-fn:3", None, ("123456789012:function:my-fn", "3")),
        (ARN, None, (ARN, None)),
        (ARN + ":prod", None, (ARN, "prod")),
        (ARN, "7", (ARN, "7")),
        (
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
            None,
            ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f", None),
        ),
        ("a" * 64, None, ("a" * 64, None)),
    ],
)
def test_parse_function_ref_accepts_every_form(function_name, qualifier, expected):
    ref = parse_function_ref(function_name, qualifier)
    assert (ref.function_name, ref.qualifier) == expected


@pytest.mark.parametrize(
    "function_name, expected",
    [
        # AWS's FunctionName pattern makes "function:" optional: this is the function my-fn.
        ("function:my-fn", ("my-fn", None, None, None, None)),
        ("function:my-fn:live", ("my-fn", "live", None, None, None)),
        ("my.fn", ("my.fn", None, None, None, None)),
        ("my-fn:$LATEST.PUBLISHED", ("my-fn", "$LATEST.PUBLISHED", None, None, None)),
        ("123456789012:function:my-fn", ("123456789012:function:my-fn", None, None, None, "123456789012")),
        (ARN + ":live", (ARN, "live", "aws", "us-east-1", "123456789012")),
        (
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
            ("arn:aws-cn:lambda:cn-north-1:123456789012:function:f", None, "aws-cn", "cn-north-1", "123456789012"),
        ),
    ],
)
def test_parse_function_ref_reads_what_aws_reads(function_name, expected):
    assert tuple(parse_function_ref(function_name)) == expected


def test_function_ref_name_reads_through_the_function_prefix():
    assert parse_function_ref("function:my-fn:live").name == "my-fn"


@pytest.mark.parametrize(
    "function_name, qualifier, fragment",
    [
        ("", None, "function_name must not be empty"),
        ("   ", None, "function_name must not be empty"),
        ("a" * 65, None, "function_name"),
        ("my fn", None, "function_name"),
        ("my-fn\n", None, "function_name"),
        ("my-fn:live\n", None, "function_name"),
        ("my/fn", None, "function_name"),
        ("my-fn:prod:extra", None, "function_name"),
        ("arn:aws:sqs:us-east-1:123456789012:function:f", None, "function_name"),
        ("arn:aws:lambda:us-east-1:12345:function:f", None, "function_name"),
        ("my-fn", "", "qualifier"),
        ("my-fn", "prod alias", "qualifier"),
        ("my-fn", "live\n", "qualifier"),
        ("my-fn", "$LATEST\n", "qualifier"),
        ("my-fn", "live.1", "qualifier"),
        ("my-fn", "a" * 129, "qualifier"),
        ("my-fn:prod", "staging", "differs from qualifier"),
        (ARN + ":1", "2", "differs from qualifier"),
        ("my-fn:$LATEST", "1", "differs from qualifier"),
    ],
)
def test_parse_function_ref_rejects_with_the_option_named(function_name, qualifier, fragment):
    with pytest.raises(ParameterError) as raised:
        parse_function_ref(function_name, qualifier)
    assert fragment in str(raised.value)


def test_function_ref_api_kwargs_carries_qualifier_only_when_set():
    assert FunctionRef("f", None).api_kwargs() == {"FunctionName": "f"}
    assert FunctionRef("f", "prod").api_kwargs() == {"FunctionName": "f", "Qualifier": "prod"}


@pytest.mark.parametrize("function_name", ["my-fn", "my-fn:prod", "123456789012:function:my-fn:3", ARN, ARN + ":7"])
def test_function_ref_name_is_the_bare_name(function_name):
    assert parse_function_ref(function_name).name == "my-fn"


def test_function_ref_arn_is_known_only_for_full_arns():
    assert parse_function_ref(ARN).arn() == ARN + ":$LATEST"
    assert parse_function_ref(ARN, "prod").arn() == ARN + ":prod"
    assert parse_function_ref("my-fn", "prod").arn() is None
    assert parse_function_ref("123456789012:function:my-fn").arn() is None


@pytest.mark.parametrize(
    "arn, qualifier",
    [(ARN + ":$LATEST", "$LATEST"), (ARN + ":prod", "prod"), (ARN + ":12", "12"), (ARN, "$LATEST"), (None, None)],
)
def test_qualifier_from_arn(arn, qualifier):
    assert qualifier_from_arn(arn) == qualifier


@pytest.mark.parametrize(
    "arn, unqualified",
    [
        (ARN + ":$LATEST", ARN),
        (ARN + ":prod", ARN),
        (ARN, ARN),
        (
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:7",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
        ),
        ("arn:aws:sqs:us-east-1:123456789012:q", None),
        (None, None),
    ],
)
def test_unqualified_function_arn_drops_only_the_qualifier(arn, unqualified):
    assert unqualified_function_arn(arn) == unqualified


def test_function_arn_in_message_reads_the_arn_aws_names():
    message = f"The function {ARN}:$LATEST doesn't have an EventInvokeConfig"
    assert function_arn_in_message(message) == ARN + ":$LATEST"
    assert function_arn_in_message("Function not found") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        (SQS, ("aws", "sqs", "us-east-1", "123456789012", "failed")),
        (BUCKET, ("aws", "s3", None, None, "my-failures")),
        (FN + ":live", ("aws", "lambda", "us-east-1", "123456789012", "function:sink:live")),
        ("arn:awsx:sqs:us-east-1:123456789012:q", ("awsx", "sqs", "us-east-1", "123456789012", "q")),
        (SQS + "\n", None),
        ("x" + SQS, None),
        ("arn:aws:sqs:us-east-1:1234:q", None),
        ("", None),
        (None, None),
        # A role ARN may be longer than a destination's 350 characters (validation checks those).
        (
            "arn:aws:iam::123456789012:role/" + "p/" * 200 + "r",
            ("aws", "iam", None, "123456789012", "role/" + "p/" * 200 + "r"),
        ),
    ],
)
def test_parse_arn_is_anchored_at_both_ends(text, expected):
    parsed = parse_arn(text)
    assert (tuple(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    "arn, identity",
    [
        (FN, ("aws", "us-east-1", "123456789012", "sink")),
        (FN + ":live", ("aws", "us-east-1", "123456789012", "sink")),
        (FN + ":$LATEST", ("aws", "us-east-1", "123456789012", "sink")),
        ("arn:aws:lambda:us-east-1:123456789012:layer:sink", None),
        (FN + ":live:extra", None),
        (SQS, None),
        (None, None),
    ],
)
def test_function_identity_is_partition_region_account_and_name(arn, identity):
    assert function_identity(arn) == identity
