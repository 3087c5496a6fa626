"""Script the DIAL emulator's next chat replies over HTTP (loopback only).

The emulator (pkg/dial/dialtest, served by cmd/emulator) answers the next chat
completions of a deployment with the replies queued here, streamed or not as the
request asks, then goes back to its default responder. The JSON shape of a reply
is dialtest's ``Reply`` (``go doc ./pkg/dial/dialtest ScriptedReplies``)::

    {"content": "…",
     "attachments": [{"type": "…", "title": "…", "data": "…" or "url": "…"}],
     "stages": [{"name": "…", "content": "…", "attachments": […], "failed": false}],
     "state": <any JSON>,
     "tool_calls": [{"id": "…", "name": "…", "arguments": "<JSON text>"}],
     "finish_reason": "stop",
     "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
     "fail_after": 2, "fail_message": "…",          # stream: error event after 2 chunks
     "error": {"status": 429, "type": "…", "code": "…", "message": "…"}}

Every key is optional; unknown keys are refused (a typo fails loudly).
"""

from __future__ import annotations

import json
import urllib.error
from typing import Any, Dict

from emulator import EmulatorError, _admin

REPLIES_PATH = "/_emulator/replies"


def _call(method: str, base_url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    try:
        return _admin(method, base_url.rstrip("/") + REPLIES_PATH, data)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise EmulatorError(f"{method} {REPLIES_PATH} answered {exc.code}: {detail}") from exc


def script_replies(base_url: str, deployment: str, *replies: Dict[str, Any]) -> None:
    """Queue ``replies`` for the next chat completions of ``deployment`` (a deployment or
    application id) on the DIAL emulator at ``base_url``; raise EmulatorError, queueing
    nothing, when the emulator refuses them (the message says why)."""
    _call("POST", base_url, {"deployment": deployment, "replies": list(replies)})


def pending_replies(base_url: str) -> Dict[str, int]:
    """How many scripted replies each deployment has not used yet."""
    return _call("GET", base_url) or {}


def clear_replies(base_url: str) -> None:
    """Drop every scripted reply."""
    _call("DELETE", base_url)
