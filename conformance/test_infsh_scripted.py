"""inference.sh conformance, scripted from outside: the scenario defines an agent over
HTTP (POST /_emulator/agents, through the harness's ``infsh_define_agent``) whose core
model first calls the client tool ``add`` and then answers, and the official
``inferencesh`` 0.36.0 SDK reads that turn: it gets the tool call with its arguments,
submits the result, and reads the final answer. A scripted app (POST /_emulator/apps)
is run the same way. The harness fails a test when the emulator saw any request or
response that breaks specs/infsh.yaml.
"""

from __future__ import annotations

import uuid

import pytest
from inferencesh import Inference
from inferencesh.tools import number, tool

from harness.emulator import Emulator

APIKEY = "inf_test_key"  # infshtest.APIKey


@pytest.fixture
def client(infsh_url: str) -> Inference:
    return Inference(api_key=APIKEY, base_url=infsh_url)


def _text(message) -> str:
    return "\n".join(c.get("text") or "" for c in (message.get("content") or []) if c.get("type") == "text")


def test_scripted_agent_turn_with_a_tool_call(emulator: Emulator, client: Inference) -> None:
    ref = f"conformance/calc-{uuid.uuid4().hex[:8]}"
    add = (tool("add").describe("Add two numbers")
           .param("a", number("First number")).param("b", number("Second number")).build())
    emulator.infsh_define_agent(ref, {"name": "Calc", "core_app": {"ref": "infsh/scripted-llm@latest"},
                                      "tools": [add]},
                                [{"tool_call": {"name": "add", "arguments": {"a": 2, "b": 3}}},
                                 {"text": "2 + 3 = 5"}])
    agent = client.agent(ref + "@latest")
    calls = []

    def on_tool_call(call) -> None:
        calls.append((call.name, call.args))
        agent.submit_tool_result(call.id, str(call.args["a"] + call.args["b"]))

    agent.send_message("what is 2 + 3?", on_tool_call=on_tool_call)
    assert calls == [("add", {"a": 2, "b": 3})]
    messages = agent.get_chat().get("chat_messages") or []
    assert _text(messages[-1]) == "2 + 3 = 5"
    invocations = messages[-1].get("tool_invocations") or []
    assert [(i["function"]["name"], i["status"], i.get("result")) for i in invocations] == [("add", "completed", "5")]


def test_scripted_app(emulator: Emulator, client: Inference) -> None:
    ref = f"conformance/summarize-{uuid.uuid4().hex[:8]}"
    emulator.infsh_define_app(ref, logs=["loading model"], output={"summary": "short"})
    result = client.run({"app": ref + "@latest", "input": {"text": "a long text"}})
    assert result["output"] == {"summary": "short"}
    task = client.get_task(result["id"]).data
    assert [log["content"] for log in task["logs"]] == ["loading model"]

    failing = f"conformance/broken-{uuid.uuid4().hex[:8]}"
    emulator.infsh_define_app(failing, fail="out of memory")
    with pytest.raises(RuntimeError, match="out of memory"):
        client.run({"app": failing, "input": {}})
