# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: failed_events_report
version_added: 0.2.0
short_description: The report of the failed-events audit of one or several accounts
description:
  - Turns each account's audit (what M(serverless.aws_lambda.lambda_failure_handling_info) returned for it, or the
    error that stopped it) into the report the C(serverless.aws_lambda.audit_failed_events) playbook writes.
  - A finding is a qualifier that is not V(protected) (V(losing), V(unprotected) or V(idle)) or an event source
    mapping without failure handling (V(mapping_without_failure_handling)), as one flat record with its account,
    region, function, qualifier, status, counts, reason and the task that fixes it (C(fix_task), YAML text; null for a
    stream or Kafka mapping, which no module can fix). The findings come the most urgent first.
  - A qualifier's finding also has C(config), the item of
    O(serverless.aws_lambda.lambda_event_invoke_config#module:configs) that addresses it.
  - The summary counts the findings by status for the organization and per account and region; the accounts whose
    audit failed come first, then the others, the most losing first.
positional: _input, regions, lookback_days
options:
  _input:
    description:
      - One dict per account, with C(host) (the inventory host), C(account) (the account ID, when known), C(role_arn),
        C(regions), C(error) (why the audit failed, or null), C(warnings), and the audit's C(failure_audit) and
        C(event_source_mappings_without_failure_handling).
    type: list
    elements: dict
    required: true
  regions:
    description: The regions audited.
    type: list
    elements: str
  lookback_days:
    description: The days of CloudWatch's metrics the audit read.
    type: int
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
"""

EXAMPLES = r"""
- name: The report of every account's audit, as JSON
  ansible.builtin.copy:
    content: "{{ account_audits | serverless.aws_lambda.failed_events_report(['us-east-1'], 14) | to_nice_json }}"
    dest: failed-events-audit.json
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    regions:
      description: The regions audited.
      type: list
      elements: str
    lookback_days:
      description: The days of metrics read.
      type: int
    accounts:
      description: Each account, with its C(host), C(account), C(role_arn), C(regions), C(error) and C(warnings).
      type: list
      elements: dict
    findings:
      description: One record per finding, the most urgent first.
      type: list
      elements: dict
    summary:
      description: C(counts) by status for the audited accounts, C(accounts) (each with its C(counts) and its
        C(regions)' counts, the failed ones first), C(failed_accounts) and C(audited_accounts).
      type: dict
"""

from ansible_collections.serverless.aws_lambda.plugins.plugin_utils.failed_events import failed_events_report


class FilterModule:
    def filters(self):
        return {"failed_events_report": failed_events_report}
