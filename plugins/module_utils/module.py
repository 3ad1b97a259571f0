# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module class and option specs shared by this collection's modules."""

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

COLLECTION_NAME = "serverless.aws_lambda"
COLLECTION_VERSION = "0.1.0"

# function_name and qualifier, documented once in the function_reference doc fragment.
FUNCTION_REFERENCE_ARGUMENT_SPEC = {
    "function_name": {"type": "str", "required": True},
    "qualifier": {"type": "str"},
}


class LambdaAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule that names this collection in the botocore user agent."""

    def __init__(self, **kwargs):
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        super().__init__(**kwargs)
