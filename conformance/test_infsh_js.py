"""inference.sh conformance with the official JS SDK (@inferencesh/sdk 0.6.54, pinned in the
repo's package.json and installed by ``make conformance`` with npm ci): a node program
(conformance/js/infsh_agent.mjs) chats with the emulator's template agent once by polling
(``sendMessage(..., {stream: false})`` → ``pollUntilIdle`` → ``GET /chats/{id}/status``) and
once by streaming (``onMessage`` → ``GET /chats/{id}/stream``), then reads the status and
the chat. The harness fails a test when the emulator saw a request or response that breaks
the spec.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

APIKEY = "inf_test_key"  # infshtest.DefaultAPIKey
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JS = os.path.join(ROOT, "conformance", "js")


def run_agent(url: str, mode: str) -> dict:
    node = shutil.which(os.environ.get("NODE", "node"))
    assert node, "node is not on PATH"
    sdk = os.path.join(ROOT, "node_modules", "@inferencesh", "sdk", "package.json")
    assert os.path.isfile(sdk), "@inferencesh/sdk is not installed: run `make conformance` (npm ci)"
    done = subprocess.run(
        [node, "--import", os.path.join(JS, "register.mjs"), os.path.join(JS, "infsh_agent.mjs"), url, APIKEY, mode],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def operations(emulator) -> list:
    """The operations the emulator saw, without the script's own last two reads
    (getStatus, then getChat), so that what is left is the SDK's sendMessage."""
    ops = [r.get("operation") for r in emulator.requests("infsh")]
    assert ops[-2:] == ["getChatStatus", "getChat"], ops
    return ops[:-2]


@pytest.mark.parametrize("mode", ["poll", "stream"])
def test_js_agent_chat(emulator, infsh_url: str, mode: str) -> None:
    emulator.clear_requests("infsh")
    got = run_agent(infsh_url, mode)
    assert got["status"] == {"status": "idle"}
    assert got["chatStatus"] == "idle"
    assert got["reply"] == "You said: Hello agent"
    ops = operations(emulator)
    assert "runAgent" in ops, ops
    if mode == "poll":
        assert got["assistantMessage"] is True
        # pollUntilIdle reads the status at each interval, then the chat when it changed.
        assert ops.count("getChatStatus") >= 1, ops
        assert "getChat" in ops, ops
        assert "streamChat" not in ops
    else:
        assert ["assistant", "ready"] in got["messages"], got["messages"]
        assert "streamChat" in ops
        assert "getChatStatus" not in ops, ops
