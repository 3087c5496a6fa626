"""Failures inside a DIAL chat stream, as aidial-client 0.3.0 sees them.

The emulator fails on request: ``custom_fields.configuration.fail_after`` makes it send
some chunks and then a ``data: {"error": …}`` event (what DIAL SDK applications do), and
the harness's fault injection cuts the connection mid-stream (what DIAL Core does when
relaying fails). ``custom_fields`` goes through ``extra_body`` because the 0.3.0 keyword
argument is broken (see conformance/wire/dial.md).
"""

import pytest

import aidial_client
from aidial_client._exception import DialException

API_KEY = "dialtest-key"
CHAT_PATH = "/openai/deployments/{deploymentId}/chat/completions"


def client(url: str) -> aidial_client.Dial:
    return aidial_client.Dial(base_url=url, api_key=API_KEY, max_retries=0)


def test_error_event_mid_stream(dial_url: str) -> None:
    stream = client(dial_url).chat.completions.create(
        deployment_name="gpt-4",
        messages=[{"role": "user", "content": "one two three four five"}],
        stream=True,
        extra_body={"custom_fields": {"configuration": {"fail_after": 2, "fail_message": "upstream died"}}},
    )
    received = []
    with pytest.raises(DialException) as err:
        for chunk in stream:
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "one two "
    assert "upstream died" in str(err.value)
    assert err.value.status_code == 500


def test_error_before_stream(dial_url: str) -> None:
    with pytest.raises(DialException) as err:
        client(dial_url).chat.completions.create(
            deployment_name="gpt-4",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            extra_body={"custom_fields": {"configuration": {"fail_status": 429, "fail_message": "slow down"}}},
        )
    assert err.value.status_code == 429


def test_connection_cut_mid_stream(dial_url: str, emulator) -> None:
    emulator.inject_fault("dial", {"path": CHAT_PATH, "drop_after": 400})
    try:
        stream = client(dial_url).chat.completions.create(
            deployment_name="gpt-4",
            messages=[{"role": "user", "content": " ".join(f"w{i}" for i in range(50))}],
            stream=True,
        )
        with pytest.raises(Exception):
            for _ in stream:
                pass
    finally:
        emulator.clear_faults("dial")
