"""VectorVein conformance, scripted from outside: the scenario defines a workflow over
HTTP (POST /_emulator/workflows, through the harness's ``vectorvein_define_workflow``)
whose runs finish 1.5 s after they start, and the official ``vectorvein`` 0.2.1 SDK reads
such a run: "running" (202, ``data`` an empty list of outputs, as the SDK reads it) until
the time has passed, then FINISHED with the chosen outputs; with
``wait_for_completion`` the server holds the reply until the run ends, so the SDK's
first status check already finds it finished and it never sleeps.
"""

from __future__ import annotations

import time
import uuid

import pytest
from vectorvein.api import VectorVeinClient, WorkflowInputField, WorkflowRunResult
from vectorvein.api import client as vv_client_module

from harness.emulator import Emulator

APIKEY = "vvtest-api-key-0123456789abcdef0"  # vectorveintest.APIKey
OUTPUTS = [{"type": "text", "title": "answer", "value": "ready"}]


@pytest.fixture
def client(vectorvein_url: str):
    with VectorVeinClient(api_key=APIKEY, base_url=vectorvein_url + "/api/v1/open-api") as c:
        yield c


def test_run_finishes_after_the_chosen_time(emulator: Emulator, client: VectorVeinClient) -> None:
    wid = f"wf-timed-{uuid.uuid4().hex[:8]}"
    emulator.vectorvein_define_workflow(wid, after="1.5s", outputs=OUTPUTS)
    started = time.monotonic()
    rid = client.run_workflow(wid=wid, input_fields=[WorkflowInputField("n1", "q", "x")])
    running = client.check_workflow_status(rid)
    assert running["status"] == 202 and running["data"] == []
    time.sleep(max(0.0, 1.6 - (time.monotonic() - started)))
    done = client.check_workflow_status(rid)
    assert done["status"] == 200 and done["msg"] == "FINISHED"
    assert done["data"] == OUTPUTS


def test_wait_for_completion_is_held_until_the_run_ends(emulator: Emulator, client: VectorVeinClient,
                                                        monkeypatch) -> None:
    wid = f"wf-timed-{uuid.uuid4().hex[:8]}"
    emulator.vectorvein_define_workflow(wid, after="1s", outputs=OUTPUTS)
    sleeps = []
    monkeypatch.setattr(vv_client_module.time, "sleep", lambda s: sleeps.append(s))
    started = time.monotonic()
    result = client.run_workflow(wid=wid, input_fields=[], wait_for_completion=True, timeout=30)
    assert time.monotonic() - started >= 1.0
    assert isinstance(result, WorkflowRunResult) and result.status == 200
    assert [(o.type, o.title, o.value) for o in result.data] == [("text", "answer", "ready")]
    assert sleeps == [], "the held reply ended the run: the SDK never slept"
