"""DIAL replies scripted over HTTP (harness/dial_script.py), read by aidial-client 0.3.0.

The emulator's ``POST /_emulator/replies`` queues the next answers of a deployment: here
an application stream with stages (one with an attachment, one failed), message
attachments, state and usage; a tool call; a mid-stream error. aidial-client 0.3.0
models ``custom_content.attachments`` and ``state``; ``stages`` reach it as extra fields
(plain dicts), merged here by ``index`` the way DIAL's chat UI merges them.
"""

from typing import Any, Dict, List

import pytest

import aidial_client
from aidial_client._exception import DialException
from dial_script import clear_replies, pending_replies, script_replies
from emulator import EmulatorError

API_KEY = "dialtest-key"  # dialtest.APIKey


def client(url: str) -> aidial_client.Dial:
    return aidial_client.Dial(base_url=url, api_key=API_KEY, max_retries=0)


@pytest.fixture(autouse=True)
def _no_leftover_replies(urls: Dict[str, str]):
    """Scripted replies never leak into other scenarios."""
    yield
    if "dial" in urls:
        clear_replies(urls["dial"])


STAGED_REPLY = {
    "stages": [
        {"name": "Search", "content": "found two pages",
         "attachments": [{"title": "Page", "url": "https://example.com/a"}]},
        {"name": "Render", "content": "no renderer", "failed": True},
    ],
    "content": "Here is what I found.",
    "attachments": [
        {"type": "text/plain", "title": "Note", "data": "hello"},
        {"type": "image/png", "title": "Chart", "url": "files/public/chart.png"},
    ],
    "state": {"step": 2},
    "usage": {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9},
}


def merge_stages(into: List[Dict[str, Any]], deltas: List[Dict[str, Any]]) -> None:
    for d in deltas:
        i = d["index"]
        while len(into) <= i:
            into.append({"name": "", "content": "", "status": None, "attachments": []})
        st = into[i]
        st["name"] += d.get("name") or ""
        st["content"] += d.get("content") or ""
        if d.get("status") is not None:
            st["status"] = d["status"]
        st["attachments"].extend(d.get("attachments") or [])


def test_stream_with_stages_and_attachments(dial_url: str) -> None:
    script_replies(dial_url, "echo", STAGED_REPLY)
    assert pending_replies(dial_url) == {"echo": 1}
    stream = client(dial_url).chat.completions.create(
        deployment_name="echo", messages=[{"role": "user", "content": "find it"}], stream=True
    )
    text, stages, attachments, state, usage, finish = "", [], [], None, None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        delta = choice.delta
        text += delta.content or ""
        cc = delta.custom_content
        if cc is None:
            continue
        merge_stages(stages, getattr(cc, "stages", None) or [])
        attachments.extend(cc.attachments or [])
        if cc.state is not None:
            state = cc.state

    assert text == "Here is what I found."
    assert [(s["name"], s["status"]) for s in stages] == [("Search", "completed"), ("Render", "failed")]
    assert stages[0]["content"] == "found two pages"
    assert [a["url"] for a in stages[0]["attachments"]] == ["https://example.com/a"]
    assert stages[1]["content"] == "no renderer"
    assert [(a.type, a.title, a.data, a.url) for a in attachments] == [
        ("text/plain", "Note", "hello", None),
        ("image/png", "Chart", None, "files/public/chart.png"),
    ]
    assert state == {"step": 2}
    assert finish == "stop"
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (4, 5, 9)
    assert pending_replies(dial_url) == {}, "the reply was used"


def test_json_with_stages_and_tool_call(dial_url: str) -> None:
    script_replies(
        dial_url,
        "gpt-4",
        STAGED_REPLY,
        {"tool_calls": [{"id": "call_7", "name": "weather", "arguments": '{"city": "Paris"}'}],
         "usage": {"prompt_tokens": 3}},
    )
    c = client(dial_url)
    first = c.chat.completions.create(
        deployment_name="gpt-4", messages=[{"role": "user", "content": "go"}], stream=False
    )
    msg = first.choices[0].message
    assert msg.content == "Here is what I found."
    assert [a.title for a in msg.custom_content.attachments] == ["Note", "Chart"]
    assert [(s["name"], s["status"]) for s in msg.custom_content.stages] == [
        ("Search", "completed"), ("Render", "failed")
    ]
    assert msg.custom_content.stages[0]["attachments"][0]["url"] == "https://example.com/a"
    assert msg.custom_content.state == {"step": 2}

    second = c.chat.completions.create(
        deployment_name="gpt-4", messages=[{"role": "user", "content": "weather?"}], stream=False
    )
    call = second.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name, call.function.arguments) == ("call_7", "weather", '{"city": "Paris"}')
    assert second.choices[0].finish_reason == "tool_calls"
    # Zero counts are sent, not dropped: aidial-client requires all three.
    assert (second.usage.prompt_tokens, second.usage.completion_tokens, second.usage.total_tokens) == (3, 0, 0)

    third = c.chat.completions.create(
        deployment_name="gpt-4", messages=[{"role": "user", "content": "2+3="}], stream=False
    )
    assert third.choices[0].message.content == "5", "the default responder answers again"


def test_scripted_mid_stream_error(dial_url: str) -> None:
    script_replies(dial_url, "gpt-4", {"content": "one two three four", "fail_after": 2, "fail_message": "upstream died"})
    stream = client(dial_url).chat.completions.create(
        deployment_name="gpt-4", messages=[{"role": "user", "content": "x"}], stream=True
    )
    received = []
    with pytest.raises(DialException) as err:
        for chunk in stream:
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "one two "
    assert "upstream died" in str(err.value)


def test_bad_script_is_refused(dial_url: str) -> None:
    with pytest.raises(EmulatorError, match=r"stages\[0\]: needs a name"):
        script_replies(dial_url, "gpt-4", {"content": "fine"}, {"stages": [{"content": "nameless"}]})
    with pytest.raises(EmulatorError, match="unknown field"):
        script_replies(dial_url, "gpt-4", {"contnet": "typo"})
    assert pending_replies(dial_url) == {}


def test_attachment_in_other_bucket_is_refused(dial_url: str) -> None:
    url = "files/SomeoneElsesBucket/report.pdf"
    with pytest.raises(DialException) as err:
        client(dial_url).chat.completions.create(
            deployment_name="gpt-4",
            messages=[{"role": "user", "content": "summarize",
                       "custom_content": {"attachments": [{"type": "application/pdf", "url": url}]}}],
            stream=False,
        )
    assert err.value.status_code == 403
    assert "Access denied to the file " + url in str(err.value)


@pytest.mark.parametrize("url", ["b.png", "/files/bucket/b.png", "foo/bucket/b.png", "files/bucket"])
def test_attachment_url_core_cannot_parse_is_empty_400(dial_url: str, url: str) -> None:
    """DIAL Core answers an empty 400 for an attachment URL it cannot resolve
    (ai-dial-core ResourceDescriptorFactory.fromUrl via CollectRequestAttachmentsFn);
    aidial-client raises it as a DialException with that status."""
    with pytest.raises(DialException) as err:
        client(dial_url).chat.completions.create(
            deployment_name="gpt-4",
            messages=[{"role": "user", "content": "look",
                       "custom_content": {"attachments": [{"type": "image/png", "url": url}]}}],
            stream=False,
        )
    assert err.value.status_code == 400
