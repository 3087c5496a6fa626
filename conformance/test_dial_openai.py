"""The `openai` Python SDK's AzureOpenAI client against the DIAL emulator.

Many DIAL users call DIAL Core with `openai.AzureOpenAI` (pinned in requirements.txt):
it sends `api-key`, `?api-version=` on every call (GET /openai/models included) and
`/openai/deployments/{model}/...` paths (openai/lib/azure.py), and asks for base64
embeddings by default (openai/resources/embeddings.py). Chat (plain, streamed, with
tools), embeddings and the model list must work with no spec violation (the harness
checks the emulator's violations after every test).
"""

import base64
import json
import math

import pytest
from openai import AzureOpenAI, NotFoundError

API_KEY = "dialtest-key"  # dialtest.APIKey
API_VERSION = "2024-02-01"


def client(url: str) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=url, api_key=API_KEY, api_version=API_VERSION, max_retries=0)


def last_request(emulator, operation: str) -> dict:
    reqs = [r for r in emulator.requests("dial") if r.get("operation") == operation]
    assert reqs, f"{operation} was recorded"
    return reqs[-1]


def test_models_list_with_api_version(dial_url: str, emulator) -> None:
    emulator.clear_requests("dial")
    ids = [m.id for m in client(dial_url).models.list()]
    assert "gpt-4" in ids
    assert last_request(emulator, "listModels")["query"].get("api-version") == [API_VERSION]


def test_chat_plain(dial_url: str, emulator) -> None:
    emulator.clear_requests("dial")
    resp = client(dial_url).chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "2+3="}]
    )
    assert resp.choices[0].message.content == "5"
    assert resp.usage is not None and resp.usage.total_tokens > 0
    req = last_request(emulator, "createChatCompletion")
    assert req["path"] == "/openai/deployments/gpt-4/chat/completions"
    assert req["query"].get("api-version") == [API_VERSION]


def test_chat_streamed(dial_url: str) -> None:
    stream = client(dial_url).chat.completions.create(
        model="gpt-4",
        messages=[{"role": "user", "content": "streamed words arrive"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed words arrive"
    assert any(c.usage is not None for c in chunks)


def test_chat_with_tools(dial_url: str) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        }
    ]
    messages = [
        {"role": "user", "content": "weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "user", "content": "thanks"},
    ]
    resp = client(dial_url).chat.completions.create(
        model="gpt-4", messages=messages, tools=tools, tool_choice="auto", parallel_tool_calls=False
    )
    assert resp.choices[0].message.content == "thanks"


def test_embeddings_base64_default_and_float(dial_url: str, emulator) -> None:
    c = client(dial_url)
    emulator.clear_requests("dial")
    default = c.embeddings.create(model="gpt-4", input=["hello", "world"])
    req = last_request(emulator, "createEmbeddings")
    assert req["path"] == "/openai/deployments/gpt-4/embeddings"
    sent = json.loads(base64.b64decode(req["body"]))  # the recorded body is base64 ([]byte)
    assert sent["encoding_format"] == "base64", "the openai SDK's default"
    floats = c.embeddings.create(model="gpt-4", input=["hello", "world"], encoding_format="float")
    assert [d.index for d in default.data] == [0, 1]
    for a, b in zip(default.data, floats.data):
        assert len(a.embedding) == 8
        assert all(math.isclose(x, y, rel_tol=1e-6) for x, y in zip(a.embedding, b.embedding))
    assert math.isclose(sum(x * x for x in floats.data[0].embedding), 1.0, rel_tol=1e-4)
    assert default.usage.total_tokens == 2
    one = c.embeddings.create(model="gpt-4", input="single", dimensions=3, encoding_format="float")
    assert len(one.data) == 1 and len(one.data[0].embedding) == 3


def test_unknown_deployment(dial_url: str) -> None:
    with pytest.raises(NotFoundError) as info:
        client(dial_url).embeddings.create(model="nope", input="x")
    assert "Unknown application: nope" in str(info.value)
