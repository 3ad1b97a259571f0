# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: failed_events_merge
version_added: 0.2.0
short_description: One failed-events report of several
description:
  - Merges the reports of several runs of the C(serverless.aws_lambda.audit_failed_events) playbook (the
    C(failed-events-audit.json) that each slice of a sliced AWX job writes) into one, with the summary counted again.
  - An account in two reports (the same inventory host) is taken once, from the later report.
positional: _input
options:
  _input:
    description: The reports, as P(serverless.aws_lambda.failed_events_report#filter) returns them.
    type: list
    elements: dict
    required: true
author:
  - Serverless AWS Lambda maintainers (@serverless-aws-lambda)
"""

EXAMPLES = r"""
- name: Read each slice's report
  ansible.builtin.slurp:
    src: "{{ item }}"
  loop: "{{ query('ansible.builtin.fileglob', 'reports/*/failed-events-audit.json') }}"
  register: slices

- name: One report of them
  ansible.builtin.set_fact:
    merged: "{{ slices.results | map(attribute='content') | map('b64decode') | map('from_json') | list
                | serverless.aws_lambda.failed_events_merge }}"
"""

RETURN = r"""
_value:
  description: The merged report, in the shape of P(serverless.aws_lambda.failed_events_report#filter)'s.
  type: dict
"""

from ansible_collections.serverless.aws_lambda.plugins.plugin_utils.failed_events import failed_events_merge


class FilterModule:
    def filters(self):
        return {"failed_events_merge": failed_events_merge}
