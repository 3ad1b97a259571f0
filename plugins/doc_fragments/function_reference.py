# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options that say which function, version or alias a task addresses.
    DOCUMENTATION = r"""
options:
  function_name:
    description:
      - The Lambda function, as a name (V(my-function)), a partial ARN (V(123456789012:function:my-function))
        or a full ARN (V(arn:aws:lambda:us-east-1:123456789012:function:my-function)).
      - Any of these may end in V(:QUALIFIER) (V(my-function:production), V(arn:aws:lambda:...:function:my-function:7)),
        which is then used as the qualifier; it must agree with O(qualifier) when both are given.
      - Names are 1 to 64 letters, digits, hyphens, underscores or periods, and V(function:NAME) is the function
        V(NAME), as AWS's own pattern reads them; the whole value must match (a final newline is refused).
      - A function given by ARN is addressed in the ARN's region, whatever O(region) says.
      - Each module's notes say when it may be left out.
    type: str
  qualifier:
    description:
      - A version number, an alias name or V($LATEST).
      - Omitted (and no qualifier in O(function_name)) means the unqualified config, which AWS holds as the
        V($LATEST) config; both address the same config.
    type: str
"""
