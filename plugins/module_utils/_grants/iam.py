# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The IAM calls of the grants: an execution role's inline policies, each call retried with a
backoff of its own (throttling.iam_retry) and its failure naming the IAM action."""

import functools
import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.pages import every_page
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.throttling import iam_retry


class GrantErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = EventInvokeConfigError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


@GrantErrorHandler.list_error_handler("read the execution role's grants (iam:GetRolePolicy)")
@iam_retry
def get_role_policy(client, role, name):
    """The inline policy's document (botocore decodes it), or None when the role has none of that name."""
    return client.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


@GrantErrorHandler.list_error_handler("list the execution role's inline policies (iam:ListRolePolicies)")
def list_role_policies(client, role):
    """The names of every inline policy of the role, all pages ([] when the role does not exist)."""
    # IAM gives Marker, for the next page, only while IsTruncated.
    pages = every_page(functools.partial(_role_policies_page, client, role), next_marker="Marker")
    return [name for page in pages for name in page.get("PolicyNames", [])]


@iam_retry
def _role_policies_page(client, role, **marker):
    return client.list_role_policies(RoleName=role, **marker)


@GrantErrorHandler.common_error_handler("grant the execution role its destinations (iam:PutRolePolicy)")
@iam_retry
def put_role_policy(client, role, name, document):
    client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


@GrantErrorHandler.deletion_error_handler("revoke the execution role's grants (iam:DeleteRolePolicy)")
@iam_retry
def delete_role_policy(client, role, name):
    client.delete_role_policy(RoleName=role, PolicyName=name)
    return True
