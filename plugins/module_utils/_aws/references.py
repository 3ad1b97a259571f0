# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""References to functions and ARNs, parsed as AWS's own patterns accept them (pure).

The one parser of function references (parse_function_ref) and the one of ARNs (parse_arn):
validation, the preflight, error handling, both modules and the audit all use them.
"""

import re
from collections import namedtuple

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError

LATEST = "$LATEST"

# AWS's own patterns (the Lambda service model), matched against the whole string
# (fullmatch: "$" would also accept a final newline, which AWS refuses). The pieces of a
# function's name and qualifier are written once and bounded where each pattern needs it.
_PARTITION = r"aws[a-zA-Z0-9-]*"
_REGION = r"(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d"
_NAME_CHAR = r"[a-zA-Z0-9._-]"
_LATEST_OR_PUBLISHED = r"\$LATEST(?:\.PUBLISHED)?"
_VERSION_OR_ALIAS_CHAR = r"[a-zA-Z0-9_-]"
# FunctionName (NamespacedFunctionName): NAME, ACCOUNT:function:NAME or the ARN, each part
# of the prefix optional as in AWS's pattern (so "function:NAME" is the function NAME),
# optionally followed by :QUALIFIER. Lengths are checked apart, to name the part too long.
_FUNCTION_REF_RE = re.compile(
    r"(?P<base>"
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>" + _REGION + r"):)?"
    r"(?:(?P<account>\d{12}):)?"
    r"(?:function:)?"
    r"(?P<name>" + _NAME_CHAR + r"+))"
    r"(?::(?P<qualifier>" + _LATEST_OR_PUBLISHED + "|" + _VERSION_OR_ALIAS_CHAR + r"+))?"
)
_FUNCTION_REF_MAX = 256  # AWS's limit for the whole FunctionName
_FUNCTION_NAME_MAX = 64  # AWS's limit for the bare name
# Qualifier (NumericLatestPublishedOrAliasQualifier; its character class admits "$").
_QUALIFIER_RE = re.compile(_LATEST_OR_PUBLISHED + r"|[a-zA-Z0-9_$-]{1,128}")
# Destination (DestinationArn), less the empty string and kafka:// (not valid for these slots).
_ARN_RE = re.compile(
    r"arn:(?P<partition>" + _PARTITION + r"):(?P<service>[a-zA-Z0-9-]+):"
    r"(?P<region>" + _REGION + r")?:(?P<account>\d{12})?:(?P<resource>.*)"
)
DESTINATION_ARN_MAX = 350
# A qualified function ARN inside AWS's message text.
_ARN_IN_TEXT_RE = re.compile(
    r"arn:" + _PARTITION + r":lambda:" + _REGION + r":\d{12}:function:" + _NAME_CHAR + r"+:"
    r"(?:" + _LATEST_OR_PUBLISHED + "|" + _VERSION_OR_ALIAS_CHAR + r"+)"
)
# The resource part of a Lambda function ARN (function:NAME, optionally :QUALIFIER), as a
# destination or in a function's identity.
FUNCTION_RESOURCE_RE = re.compile(
    r"function:(?P<name>" + _NAME_CHAR + r"{1,64})"
    r"(?::(?P<qualifier>" + _LATEST_OR_PUBLISHED + "|" + _VERSION_OR_ALIAS_CHAR + r"{1,128}))?"
)

Arn = namedtuple("Arn", ["partition", "service", "region", "account", "resource"])

# An IAM role's resource part: role/NAME, or role/PATH/NAME (a path of /-separated segments).
_ROLE_RESOURCE_RE = re.compile(r"role/(?:[\x21-\x7e]*/)?(?P<name>[\w+=,.@-]{1,64})")


def parse_arn(text):
    """An Arn when text is an ARN as AWS's destination pattern accepts it (whole string), else None.

    The one ARN parser of this collection: validation, preflight, resource policies, error
    handling and the destinations' readers all use it. Its length is not checked here (a
    destination's is, by validation; a role's ARN may be longer). Not amazon.aws's parse_aws_arn:
    that accepts any ARN, where a destination must match AWS's own pattern (partition, region).
    """
    match = _ARN_RE.fullmatch(text or "")
    if not match:
        return None
    return Arn(*match.group("partition", "service", "region", "account", "resource"))


class FunctionRef(
    namedtuple("FunctionRef", ["function_name", "qualifier", "partition", "region", "account"], defaults=(None,) * 3)
):
    """Which config a task addresses: the function (as given, without qualifier), the
    qualifier (None for the unqualified config, which AWS stores as $LATEST), and the
    partition, region and account when the reference names them."""

    __slots__ = ()

    def api_kwargs(self):
        kwargs = {"FunctionName": self.function_name}
        if self.qualifier is not None:
            kwargs["Qualifier"] = self.qualifier
        return kwargs

    @property
    def name(self):
        """The bare function name: every accepted form ends in NAME once the qualifier is split off."""
        return self.function_name.rsplit(":", 1)[-1]

    def describe(self):
        if self.qualifier is None:
            return self.function_name
        return f"{self.function_name}:{self.qualifier}"

    def arn(self):
        """The qualified ARN when the reference names partition, region and account, else None."""
        if not (self.partition and self.region and self.account):
            return None
        return (
            f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{self.name}:{self.qualifier or LATEST}"
        )


def parse_function_ref(function_name, qualifier=None):
    """Split a function reference into a FunctionRef, validating both parts.

    function_name may be a name, a partial ARN or an ARN, each with an optional
    ":QUALIFIER" suffix; that suffix must agree with qualifier when both are given.
    The one parser of function references: both modules and the preflight use it.
    """
    if function_name is None or not function_name.strip():
        raise ParameterError("function_name must not be empty")
    match = _FUNCTION_REF_RE.fullmatch(function_name)
    if not match:
        raise ParameterError(
            f"function_name {function_name!r} is not a Lambda function name (letters, digits, '-', '_' or '.'), "
            "partial ARN (ACCOUNT:function:NAME) or ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), "
            "optionally followed by ':QUALIFIER'"
        )
    if len(function_name) > _FUNCTION_REF_MAX:
        raise ParameterError(f"function_name {function_name!r} is longer than {_FUNCTION_REF_MAX} characters")
    if len(match.group("name")) > _FUNCTION_NAME_MAX:
        raise ParameterError(
            f"function_name {function_name!r}: the name {match.group('name')!r} is longer than {_FUNCTION_NAME_MAX} characters"
        )
    embedded = match.group("qualifier")
    if qualifier is not None:
        if not _QUALIFIER_RE.fullmatch(qualifier):
            raise ParameterError(
                f"qualifier {qualifier!r} is not a version number, an alias name (1-128 letters, digits, '-' or '_') or $LATEST"
            )
        if embedded is not None and embedded != qualifier:
            raise ParameterError(
                f"function_name {function_name!r} carries the qualifier {embedded!r}, which differs from qualifier {qualifier!r}"
            )
    base = match.group("base")
    if base.startswith("function:"):
        # AWS reads "function:NAME" as the function NAME; send it so, which every endpoint understands.
        base = match.group("name")
    return FunctionRef(
        base,
        qualifier if qualifier is not None else embedded,
        *match.group("partition", "region", "account"),
    )


def _function_arn(function_arn):
    """(Arn, FUNCTION_RESOURCE_RE's match on its resource) of a function ARN, or None."""
    arn = parse_arn(function_arn)
    resource = FUNCTION_RESOURCE_RE.fullmatch(arn.resource) if arn is not None and arn.service == "lambda" else None
    return None if resource is None else (arn, resource)


def qualifier_from_arn(function_arn):
    """The qualifier of a function ARN as AWS returns it (…:function:NAME:QUALIFIER; an
    unqualified ARN is $LATEST's); None when function_arn is not a function ARN."""
    parsed = _function_arn(function_arn)
    if parsed is None:
        return None
    return parsed[1].group("qualifier") or LATEST


def unqualified_function_arn(function_arn):
    """A function ARN without its qualifier (the function's own ARN); None when it is none."""
    parsed = _function_arn(function_arn)
    if parsed is None:
        return None
    arn, resource = parsed
    return f"arn:{arn.partition}:lambda:{arn.region}:{arn.account}:function:{resource.group('name')}"


def function_arn_in_message(message):
    """AWS names the qualified function ARN in some messages (e.g. 'The function ARN doesn't
    have an EventInvokeConfig'); used to predict function_arn in check mode and to learn the
    function's account without another call."""
    match = _ARN_IN_TEXT_RE.search(message or "")
    return match.group(0) if match else None


def role_name(role_arn):
    """The name of an IAM role from its ARN (arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME), or None."""
    arn = parse_arn(role_arn)
    match = _ROLE_RESOURCE_RE.fullmatch(arn.resource) if arn is not None and arn.service == "iam" else None
    return match.group("name") if match else None


def function_identity(function_arn):
    """(partition, region, account, name) of a function ARN, qualified or not; None if it is none."""
    parsed = _function_arn(function_arn)
    if parsed is None:
        return None
    arn, resource = parsed
    return (arn.partition, arn.region, arn.account, resource.group("name"))
