# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # How fast a task may call Lambda's control plane (module_utils/_aws/throttling.py).
    DOCUMENTATION = r"""
options:
  max_requests_per_second:
    description:
      - The most Lambda control-plane requests the task sends per second in each region, retries included,
        from V(1) to V(15). After the first three, which go at once, requests are evenly spaced.
      - The cap belongs to one task on one host. Tasks that run at once (several hosts or forks against one
        account) each have their own, and share AWS's quota.
      - AWS allows 15 such requests per second per account and region, shared by every tool of the account,
        and does not raise that quota (C(GetFunction) has its own, and is not counted here). The default leaves
        2 requests per second of it to the account's other tools; lower it when they need more.
      - When AWS throttles anyway, botocore's adaptive retry mode slows the task down further and the
        request is retried with backoff.
    type: float
    default: 13
    version_added: 0.2.0
"""
