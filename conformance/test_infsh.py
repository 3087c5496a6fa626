"""inference.sh conformance: the official ``inferencesh`` 0.36.0 SDK runs the flows of its
documentation against our emulator (cmd/emulator, service ``infsh``): run and wait, fire
and forget, streaming progress, file upload (explicit and automatic), sessions, a template
agent, an ad-hoc agent with a client tool, and tool approval. The harness fails a test when
the emulator saw any request or response that breaks specs/infsh.yaml.

What the SDK sends and expects is in conformance/wire/infsh.md. The emulator's defaults used
here (pkg/infsh/infshtest): API key ``inf_test_key``; apps ``infsh/text-templating``,
``infsh/slow``, ``infsh/fail``, ``infsh/needs-secret``, ``infsh/read-file``,
``infsh/session-test``; agents ``infsh/assistant`` (no tools) and ``infsh/tool-agent``
(client tool ``add``, app tool ``delete_file`` that requires approval). Its scripted model
calls a tool when the message names it (arguments: the JSON object in the message) and
answers "You said: <text>" otherwise.
"""

from __future__ import annotations

import base64

import pytest
from inferencesh import Inference, RequirementsNotMetError, TaskStatus, UploadFileOptions
from inferencesh.agent import pending_approvals
from inferencesh.models.errors import APIError
from inferencesh.tools import number, tool

APIKEY = "inf_test_key"  # infshtest.DefaultAPIKey


@pytest.fixture
def client(infsh_url: str) -> Inference:
    return Inference(api_key=APIKEY, base_url=infsh_url)


def _messages(chat) -> list:
    return chat.get("chat_messages") or []


def _text(message) -> str:
    return "\n".join(c.get("text") or "" for c in (message.get("content") or []) if c.get("type") == "text")


def test_run_and_wait(client: Inference) -> None:
    result = client.run({"app": "infsh/text-templating@53bk0yzk",
                         "input": {"template": "Hello {1}!", "strings": ["Pytest"]}})
    assert result["status"] == TaskStatus.COMPLETED
    assert result["output"] == {"text": "Hello Pytest!"}
    task = client.get_task(result["id"]).data
    assert task["status"] == 10 and task["status_text"] == "completed"


def test_fire_and_forget_then_wait(client: Inference) -> None:
    task = client.run({"app": "infsh/slow@latest", "input": {"steps": 2}}, wait=False)
    assert task["status"] == TaskStatus.RECEIVED
    assert set(task) >= {"id", "created_at", "updated_at", "input", "output", "logs", "status"}
    done = client.wait_for_completion(task["id"])
    assert done["output"] == {"steps": 2, "done": True}


def test_streaming_progress(client: Inference) -> None:
    statuses, logs = [], []
    for update in client.run({"app": "infsh/slow@latest", "input": {"steps": 3}}, stream=True):
        if update.get("status") is not None and (not statuses or statuses[-1] != update["status"]):
            statuses.append(update["status"])
        for entry in update.get("logs") or []:
            if entry["content"] not in logs:
                logs.append(entry["content"])
    assert statuses[-1] == TaskStatus.COMPLETED
    assert statuses == sorted(statuses)
    assert logs == ["step 1 of 3", "step 2 of 3", "step 3 of 3"]


def test_failed_task_and_requirements(client: Inference) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        client.run({"app": "infsh/fail@latest", "input": {"message": "boom"}})
    with pytest.raises(RequirementsNotMetError) as info:
        client.run({"app": "infsh/needs-secret@latest", "input": {}})
    assert info.value.errors[0].key == "OPENAI_API_KEY"
    with pytest.raises(APIError) as missing:
        client.get_task("no-such-task")
    assert missing.value.status_code == 404


def test_cancel(client: Inference) -> None:
    task = client.run({"app": "infsh/slow@latest", "input": {"steps": 50, "delay_ms": 50}}, wait=False)
    client.cancel(task["id"])
    with pytest.raises(RuntimeError, match="cancelled"):
        client.wait_for_completion(task["id"])


def test_file_upload(client: Inference) -> None:
    up = client.upload_file(b"hello file", UploadFileOptions(filename="hello.txt", content_type="text/plain"))
    assert up["uri"] and up["upload_url"]
    result = client.run({"app": "infsh/read-file@latest", "input": {"file": up["uri"]}})
    assert result["output"]["text"] == "hello file"
    # The SDK uploads a data URI found in the input by itself.
    data_uri = "data:text/plain;base64," + base64.b64encode(b"auto upload").decode()
    result = client.run({"app": "infsh/read-file@latest", "input": {"file": data_uri}})
    assert result["output"]["text"] == "auto upload"


def test_sessions(client: Inference) -> None:
    session = client.session("infsh/session-test@latest", function="set_value", input={"key": "a", "value": "1"})
    got = session.call("get_value", {"key": "a"})
    assert got["output"] == {"key": "a", "value": "1"}
    info = session.info()
    assert info["status"] == "active" and info["call_count"] >= 2
    assert any(s["id"] == session.session_id for s in client.sessions.list())
    assert session.keepalive()["id"] == session.session_id
    session.end()
    assert client.sessions.get(session.session_id)["status"] == "ended"
    with pytest.raises(APIError) as ended:
        client.sessions.keepalive(session.session_id)
    assert ended.value.status_code == 410


def test_template_agent(client: Inference) -> None:
    agent = client.agent("infsh/assistant@latest")
    seen, deltas = [], []
    agent.send_message("Hello agent", on_message=seen.append, on_delta=deltas.append)
    assert agent.chat_id
    assert any(m.get("role") == "assistant" and m.get("status") == "ready" for m in seen)
    chat = agent.get_chat()
    assert _text(_messages(chat)[-1]) == "You said: Hello agent"
    # Token deltas accumulate to the final text.
    assert len(deltas) > 1
    assert deltas[-1].output["response"] == "You said: Hello agent"


def test_adhoc_agent_with_client_tool(client: Inference) -> None:
    add = (tool("add").describe("Add two numbers")
           .param("a", number("First number")).param("b", number("Second number")).build())
    agent = client.agent({"name": "Calculator", "system_prompt": "You add numbers.",
                          "core_app": {"ref": "infsh/scripted-llm@latest"}, "tools": [add]})
    calls = []

    def on_tool_call(call) -> None:
        calls.append(call)
        agent.submit_tool_result(call.id, str(call.args["a"] + call.args["b"]))

    agent.send_message('please add {"a": 2, "b": 3}', on_tool_call=on_tool_call)
    assert [c.name for c in calls] == ["add"]
    assert _text(_messages(agent.get_chat())[-1]) == "The tool add returned: 5"


@pytest.mark.parametrize("approve", [True, False])
def test_approval(client: Inference, approve: bool) -> None:
    agent = client.agent("infsh/tool-agent@latest")
    agent.send_message('please delete_file {"path": "a.txt"}', on_message=lambda m: None)
    pending = pending_approvals(agent.get_chat())
    assert [p.tool_name for p in pending] == ["delete_file"]
    assert pending[0].arguments == {"path": "a.txt"}
    if approve:
        agent.approve_tool(pending[0].tool_invocation_id)
    else:
        agent.reject_tool(pending[0].tool_invocation_id, "not today")
    agent.stream_all(on_message=lambda m: None)
    last = _text(_messages(agent.get_chat())[-1])
    if approve:
        assert last.startswith("The tool delete_file returned")
    else:
        assert last == "The call to delete_file was rejected: not today"


def test_async_client_run_and_upload(infsh_url: str) -> None:
    import asyncio

    from inferencesh import AsyncInference

    async def scenario() -> None:
        client = AsyncInference(api_key=APIKEY, base_url=infsh_url)
        result = await client.run({"app": "infsh/slow@latest", "input": {"steps": 2}})
        assert result["output"] == {"steps": 2, "done": True}
        up = await client.upload_file(b"async bytes", UploadFileOptions(filename="a.txt", content_type="text/plain"))
        read = await client.run({"app": "infsh/read-file@latest", "input": {"file": up["uri"]}})
        assert read["output"]["text"] == "async bytes"

    asyncio.run(scenario())
