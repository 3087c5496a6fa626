"""inference.sh conformance for the endpoints and stream lines issue 11 added to
specs/infsh.yaml: the official ``inferencesh`` 0.36.0 SDK deletes tasks and their files
(``TasksAPI.delete``, ``files``, ``delete_files`` in ``inferencesh/api/tasks.py``), stops a
chat (``Agent.stop_chat`` in ``inferencesh/agent.py``) and reads the delta lines of a task
stream (``client.py _stream_updates``, ``delta.py``) against the emulator. The harness
fails a test when the emulator saw a request or response that breaks the spec.
"""

from __future__ import annotations

import pytest
from inferencesh import Inference, TaskStatus, UploadFileOptions
from inferencesh.models.errors import APIError

APIKEY = "inf_test_key"  # infshtest.DefaultAPIKey


@pytest.fixture
def client(infsh_url: str) -> Inference:
    return Inference(api_key=APIKEY, base_url=infsh_url)


def _run_with_file(client: Inference) -> tuple[dict, dict]:
    up = client.upload_file(b"task file", UploadFileOptions(filename="t.txt", content_type="text/plain"))
    result = client.run({"app": "infsh/read-file@latest", "input": {"file": up["uri"]}})
    assert result["status"] == TaskStatus.COMPLETED
    return result, up


def test_task_files_and_delete(client: Inference) -> None:
    task, up = _run_with_file(client)
    files = client.tasks.files(task["id"]).data
    assert [(f["role"], f["uri"]) for f in files] == [("input", up["uri"])]
    assert client.tasks.files(task["id"], role="output").data == []

    deleted = client.tasks.delete_files(task["id"], role="input").data
    assert deleted["deleted"] == [files[0]["id"]]
    assert client.tasks.files(task["id"]).data == []
    assert client.get_task(task["id"]).data["id"] == task["id"]  # the task stays

    client.tasks.delete(task["id"])
    with pytest.raises(APIError) as gone:
        client.get_task(task["id"])
    assert gone.value.status_code == 404

    task, _ = _run_with_file(client)
    client.tasks.delete(task["id"], files=True)
    with pytest.raises(APIError) as gone:
        client.tasks.files(task["id"])
    assert gone.value.status_code == 404


def test_stop_chat(client: Inference) -> None:
    agent = client.agent("infsh/assistant@latest")
    agent.send_message("Hello agent")  # no callbacks: returns once the message is posted
    assert agent.chat_id
    agent.stop_chat()  # the SDK requires {"success": true} back
    run = agent.get_chat().get("active_run") or {}
    assert run.get("state") not in ("working", "submitted")


def test_task_stream_deltas(client: Inference) -> None:
    updates = list(client.run({"app": "infsh/llm-echo@latest", "input": {"text": "hi there"}}, stream=True))
    deltas = [u for u in updates if u.get("_delta")]
    assert deltas, "the SDK saw no delta line"
    assert deltas[-1]["output"]["response"] == "You said: hi there"
    assert updates[-1]["status"] == TaskStatus.COMPLETED
    assert updates[-1]["output"]["response"] == "You said: hi there"
