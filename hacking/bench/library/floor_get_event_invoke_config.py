# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: floor_get_event_invoke_config
short_description: Benchmark floor, one GetFunctionEventInvokeConfig call and nothing else
description:
  - The least an AnsibleAWSModule can do for this job; the benchmark compares our modules with it.
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
options:
  function_name:
    description: The function.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One read
  floor_get_event_invoke_config:
    function_name: my-function
"""

RETURN = r"""
found:
  description: Whether the config exists.
  type: bool
  returned: always
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def main():
    module = AnsibleAWSModule(
        argument_spec={"function_name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    client = module.client("lambda")
    try:
        client.get_function_event_invoke_config(FunctionName=module.params["function_name"])
        found = True
    except botocore.exceptions.ClientError:
        found = False
    module.exit_json(changed=False, found=found)


if __name__ == "__main__":
    main()
