"""The harness's admin helpers (Emulator.inject_fault / requests / clear_*) against the
real cmd/emulator, driven by the official aidial-client: an injected fault reaches the
SDK, fires once, and both attempts are recorded with the SDK's auth header."""

import aidial_client
import pytest

from conftest import Emulator

API_KEY = "dialtest-key"  # dialtest.APIKey


def test_injected_fault_reaches_the_sdk_and_requests_are_recorded(emulator: Emulator, dial_url: str) -> None:
    emulator.clear_requests("dial")
    emulator.inject_fault("dial", {"method": "GET", "path": "/openai/deployments", "nth": 1, "status": 503})
    try:
        client = aidial_client.Dial(base_url=dial_url, api_key=API_KEY, max_retries=0)

        # aidial-client does not retry 5xx on non-chat calls (see conformance/wire/dial.md).
        with pytest.raises(aidial_client.DialException) as failed:
            client.deployments.list()
        assert failed.value.status_code == 503

        assert client.deployments.list(), "the fault fires once; the second call succeeds"

        recorded = [r for r in emulator.requests("dial") if r["path"] == "/openai/deployments"]
        assert [r["method"] for r in recorded] == ["GET", "GET"]
        for r in recorded:
            # The SDK sent its key (the emulator answered 200), but the admin
            # endpoint never echoes credentials back.
            assert r["header"].get("Api-Key") == ["REDACTED"]
    finally:
        emulator.clear_faults("dial")
        emulator.clear_requests("dial")
