# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count module executions and time tasks for bench/authorized_keys.

A loop task runs its module once per item, so the aggregated result's
``results`` list gives the number of executions; any other task counts one
per host. The totals go to the JSON file named by BENCH_COUNT_FILE.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_count
type: aggregate
short_description: Count module executions and task time per host (benchmarks only)
description:
  - Writes a JSON summary (executions and seconds per task and host) to E(BENCH_COUNT_FILE).
requirements:
  - enable in callbacks_enabled
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._task_start = None
        self._tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start = time.monotonic()

    def _record(self, result):
        data = result._result
        executions = len(data["results"]) if isinstance(data.get("results"), list) else 1
        if isinstance(data.get("module_executions"), int):  # an action plugin that says how many it ran
            executions = data["module_executions"]
        self._tasks.append({
            "task": result._task.get_name(),
            "action": result._task.action,
            "host": result._host.get_name(),
            "executions": executions,
            "seconds": round(time.monotonic() - self._task_start, 3),
            "changed": bool(data.get("changed")),
            "failed": bool(data.get("failed")),
        })

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_COUNT_FILE")
        if path:
            with open(path, "w") as handle:
                json.dump(self._tasks, handle, indent=1)
