# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Write each task's wall time (start to result) to the file in BENCH_TIMES_FILE
description:
  - Benchmark-only callback of serverless.aws_lambda; one JSON line per task result.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._path = os.environ.get("BENCH_TIMES_FILE")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.perf_counter()

    def _record(self, result, status):
        if not self._path:
            return
        task = result._task
        elapsed = time.perf_counter() - self._started.get(task._uuid, time.perf_counter())
        with open(self._path, "a") as handle:
            record = {"task": task.get_name(), "seconds": elapsed, "status": status}
            record.update(host=result._host.get_name(), end=time.time())  # when, for the phases of a playbook
            handle.write(json.dumps(record) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")
