"""VectorVein conformance: the official ``vectorvein`` 0.2.1 SDK runs its README flows
against our emulator (cmd/emulator, service ``vectorvein``).

What the SDK sends and expects is in conformance/wire/vectorvein.md: the API under
``{base_url}/<endpoint>`` with ``VECTORVEIN-API-KEY`` and ``VECTORVEIN-API-VERSION: 20240508``;
every reply HTTP 200 with an envelope ``{status, msg, data}``; output and access-key
objects built with ``Dataclass(**item)``, so an extra or missing field breaks the SDK.

The emulator's defaults used here (pkg/vectorvein/vectorveintest): API key ``APIKEY``,
known on the VApp page as ``KEY_ID``; workflows ``wf-echo`` (finishes at the first check,
echoing its inputs), ``wf-slow`` (one "running" answer first) and ``wf-fail``; VApps
``app-demo`` and ``app-second``. The SDK's wait loop sleeps 5 s between checks: scenarios
use workflows that finish at the first check, or make that sleep instant.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from vectorvein.api import (
    AccessKeyError,
    APIKeyError,
    AccessKeyListResponse,
    AsyncVectorVeinClient,
    VectorVeinAPIError,
    VectorVeinClient,
    WorkflowInputField,
    WorkflowRunResult,
)
from vectorvein.api import client as vv_client_module

APIKEY = "vvtest-api-key-0123456789abcdef0"  # vectorveintest.APIKey
KEY_ID = "vvtest-key"  # vectorveintest.KeyID
APP = "app-demo"  # vectorveintest.DefaultAppID
OTHER_APP = "app-second"  # vectorveintest.SecondAppID

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def client(vectorvein_url: str):
    with VectorVeinClient(api_key=APIKEY, base_url=vectorvein_url + "/api/v1/open-api") as c:
        yield c


def _open(url: str) -> int:
    try:
        with _OPENER.open(url, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_run_workflow_without_waiting(client: VectorVeinClient) -> None:
    rid = client.run_workflow(
        wid="wf-echo",
        input_fields=[WorkflowInputField(node_id="n1", field_name="text", value="hello")],
    )
    assert isinstance(rid, str) and rid

    status = client.check_workflow_status(rid)
    assert status["status"] == 200
    assert status["msg"] == "FINISHED"
    assert status["data"] == [{"type": "text", "title": "text", "value": "hello"}]


def test_run_workflow_and_wait(client: VectorVeinClient) -> None:
    result = client.run_workflow(
        wid="wf-echo",
        input_fields=[
            WorkflowInputField(node_id="n1", field_name="count", value=10),
            WorkflowInputField(node_id="n1", field_name="tags", value=["a", "b"]),
        ],
        output_scope="all",
        wait_for_completion=True,
        timeout=30,
    )
    assert isinstance(result, WorkflowRunResult)
    assert result.rid
    assert result.status == 200
    assert [(o.type, o.title, o.value) for o in result.data] == [
        ("text", "count", 10),
        ("text", "tags", ["a", "b"]),
    ]


def test_run_workflow_and_wait_polls_while_running(client: VectorVeinClient, monkeypatch) -> None:
    sleeps = []
    monkeypatch.setattr(vv_client_module.time, "sleep", lambda s: sleeps.append(s))
    result = client.run_workflow(
        wid="wf-slow",
        input_fields=[WorkflowInputField(node_id="n1", field_name="q", value="x")],
        wait_for_completion=True,
    )
    assert result.status == 200
    assert [o.value for o in result.data] == ["x"]
    assert sleeps == [5], "one 'running' answer, then finished: the SDK slept once, 5 s"


def test_failed_workflow(client: VectorVeinClient) -> None:
    rid = client.run_workflow(wid="wf-fail", input_fields=[])
    with pytest.raises(VectorVeinAPIError) as exc:
        client.check_workflow_status(rid)
    # 0.2.1 surfaces a failed run as the base error with the envelope status.
    assert exc.value.status_code == 500


def test_unknown_run_and_bad_key(vectorvein_url: str, client: VectorVeinClient) -> None:
    with pytest.raises(VectorVeinAPIError) as exc:
        client.check_workflow_status("no-such-run")
    assert exc.value.status_code == 404

    with VectorVeinClient(api_key="not-the-key", base_url=vectorvein_url + "/api/v1/open-api") as bad:
        with pytest.raises(APIKeyError):
            bad.run_workflow(wid="wf-echo", input_fields=[])


def test_access_key_flows(client: VectorVeinClient) -> None:
    created = client.create_access_keys(access_key_type="L", app_id=APP, count=3, description="conformance", max_use_count=5)
    assert len(created) == 3
    key = created[0]
    assert key.access_key_type == "L"
    assert key.status == "AC"
    assert key.access_scope == "S"
    assert key.description == "conformance"
    assert key.max_use_count == 5

    got = client.get_access_keys(access_keys=[created[0].access_key, created[1].access_key])
    assert [k.access_key for k in got] == [created[0].access_key, created[1].access_key]

    page = client.list_access_keys(page=1, page_size=2, app_id=APP, status=["AC"])
    assert isinstance(page, AccessKeyListResponse)
    assert page.page == 1 and page.page_size == 2
    assert page.total >= 3
    assert len(page.access_keys) == 2

    client.update_access_keys(access_key=key.access_key, description="renamed")
    assert client.get_access_keys(access_keys=[key.access_key])[0].description == "renamed"

    client.add_apps_to_access_keys(access_keys=[key.access_key], app_ids=[OTHER_APP])
    multi = client.get_access_keys(access_keys=[key.access_key])[0]
    assert multi.access_scope == "M"
    assert sorted(a["app_id"] for a in multi.v_apps) == [APP, OTHER_APP]

    client.remove_apps_from_access_keys(access_keys=[key.access_key], app_ids=[OTHER_APP])
    assert client.get_access_keys(access_keys=[key.access_key])[0].access_scope == "S"

    client.delete_access_keys(app_id=APP, access_keys=[key.access_key])
    with pytest.raises(AccessKeyError):
        client.get_access_keys(access_keys=[key.access_key])

    everything = client.get_access_keys(get_type="all")
    assert created[1].access_key in {k.access_key for k in everything}


def test_access_key_errors(client: VectorVeinClient) -> None:
    with pytest.raises(AccessKeyError):
        client.create_access_keys(access_key_type="L", app_id="no-such-app")
    # Client-side checks of the SDK: nothing reaches the emulator.
    with pytest.raises(AccessKeyError):
        client.create_access_keys(access_key_type="X")
    with pytest.raises(AccessKeyError):
        client.create_access_keys(access_key_type="O", app_id=APP, app_ids=[OTHER_APP])


def test_generate_vapp_url_verifies_in_emulator(vectorvein_url: str, client: VectorVeinClient) -> None:
    key = client.create_access_keys(access_key_type="M", app_id=APP, max_use_count=10)[0]

    url = client.generate_vapp_url(APP, key.access_key, KEY_ID, base_url=vectorvein_url)
    parsed = urllib.parse.urlsplit(url)
    assert parsed.path == f"/public/v-app/{APP}"
    assert _open(url) == 200
    assert client.get_access_keys(access_keys=[key.access_key])[0].use_count == 1

    # The same link for another app, an unknown key id, or an unknown access key: refused.
    assert _open(client.generate_vapp_url(OTHER_APP, key.access_key, KEY_ID, base_url=vectorvein_url)) == 403
    assert _open(client.generate_vapp_url(APP, key.access_key, "other-key", base_url=vectorvein_url)) == 403
    assert _open(client.generate_vapp_url(APP, "AK-unknown", KEY_ID, base_url=vectorvein_url)) == 403

    # Signed with another API key (the wrong AES key): refused.
    with VectorVeinClient(api_key="y" * 32, base_url=vectorvein_url + "/api/v1/open-api") as other:
        assert _open(other.generate_vapp_url(APP, key.access_key, KEY_ID, base_url=vectorvein_url)) == 403

    # A zero timeout is valid for the second it was signed in only.
    short = client.generate_vapp_url(APP, key.access_key, KEY_ID, timeout=0, base_url=vectorvein_url)
    time.sleep(1.1)
    assert _open(short) == 403


def test_async_client_flows(vectorvein_url: str) -> None:
    """The async client sends the same requests; one pass over its README flow."""

    async def flow() -> None:
        async with AsyncVectorVeinClient(api_key=APIKEY, base_url=vectorvein_url + "/api/v1/open-api") as c:
            rid = await c.run_workflow(wid="wf-echo", input_fields=[WorkflowInputField("n", "f", "v")])
            assert rid
            result = await c.run_workflow(
                wid="wf-echo", input_fields=[WorkflowInputField("n", "f", "v")], wait_for_completion=True
            )
            assert [o.value for o in result.data] == ["v"]
            key = (await c.create_access_keys(access_key_type="O", app_id=APP))[0]
            url = await c.generate_vapp_url(APP, key.access_key, KEY_ID, base_url=vectorvein_url)
            assert _open(url) == 200
            # A one-time key is used up by the first visit.
            assert (await c.get_access_keys(access_keys=[key.access_key]))[0].status == "US"
            assert _open(url) == 403

    asyncio.run(flow())
