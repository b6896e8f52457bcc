# A stdout callback for the template differential test: one JSON line per task result,
# written to the file named by ROLLER_JSONL_OUT. ansible-core 2.19 ships no json callback
# (that lives in the ansible.posix collection), so the test brings this small one.
from __future__ import annotations

import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: roller_jsonl
    type: stdout
    short_description: one JSON line per task result
    description: used by roller's tests only
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "roller_jsonl"

    def __init__(self):
        super().__init__()
        self._out = open(os.environ["ROLLER_JSONL_OUT"], "w", encoding="utf-8")

    def _write(self, status, result):
        res = result._result
        record = {
            "task": result._task.get_name(),
            "status": status,
            "msg": res.get("msg"),
            "ansible_facts": res.get("ansible_facts"),
            "warnings": [str(w) for w in res.get("warnings", [])],
        }
        if status == "failed":
            record["exception"] = str(res.get("exception", ""))[-2000:]
        self._out.write(json.dumps(record, cls=AnsibleJSONEncoder) + "\n")
        self._out.flush()

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_on_skipped(self, result):
        self._write("skipped", result)

    def v2_playbook_on_warning(self, msg, *args, **kwargs):
        pass
