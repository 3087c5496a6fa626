"""Start cmd/emulator as a process and talk to its admin endpoints (loopback only).

The one launcher shared by conformance/conftest.py (`make conformance`, the official SDKs),
crosslang/fuzz.py (`make spec-fuzz`) and crosslang/python/conftest.py (`make spec-python`).
The binary is run as

    <binary> -service all -addr 127.0.0.1:0

and prints one ``<service> <url>`` line per registered emulator, then a line ``ready``.
Services that are not registered in cmd/emulator yet are simply absent from
``Emulator.urls``; while none is, cmd/emulator exits printing NO_SERVICE_MESSAGE and
``start`` returns an Emulator that serves nothing (every service is then skipped).

No pytest here: the callers turn EmulatorError into a skip, a failure or an exit status.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

SERVICES = ("dial", "infsh", "vectorvein", "dragoneye")
START_TIMEOUT_S = float(os.environ.get("EMULATOR_START_TIMEOUT", "60"))
ADMIN_TIMEOUT_S = 10.0
# What cmd/emulator prints (and exits with status 2) for `-service all` while no service
# is registered in its registry yet.
NO_SERVICE_MESSAGE = "no service available to serve"

# The SDKs and generated clients use requests, httpx and aiohttp, which all honour proxy
# variables; loopback traffic must never go through a proxy.
for _name in ("NO_PROXY", "no_proxy"):
    _have = os.environ.get(_name, "")
    os.environ[_name] = ",".join(p for p in (_have, "127.0.0.1", "localhost") if p)

# Loopback-only opener for the admin endpoints (ignores proxy settings entirely).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(Exception):
    """The emulator process could not be started or used; the message says why."""


def skip_reason(urls: Dict[str, str], service: str) -> Optional[str]:
    """Why ``service`` cannot be tested with an emulator serving ``urls`` (None when it can)."""
    if service in urls:
        return None
    return (
        f"service {service!r} is not registered in cmd/emulator yet "
        f"(it serves: {', '.join(sorted(urls)) or 'nothing'})"
    )


def _admin(method: str, url: str, body: Optional[bytes] = None) -> Any:
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with _OPENER.open(req, timeout=ADMIN_TIMEOUT_S) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


@dataclass
class Emulator:
    """A running cmd/emulator process and the URLs (no trailing slash) of its services."""

    proc: subprocess.Popen
    urls: Dict[str, str]
    stderr_path: str
    other_output: List[str] = field(default_factory=list)

    def skip_reason(self, service: str) -> Optional[str]:
        """Why ``service`` cannot be tested (None when it is served)."""
        return skip_reason(self.urls, service)

    # --- admin endpoints (see pkg/internal/emulator/admin.go) ---

    def violations(self, service: str) -> List[Dict[str, Any]]:
        """The spec violations the service's emulator has seen (not cleared)."""
        return _admin("GET", self.urls[service] + "/_emulator/violations") or []

    def clear_violations(self, service: str) -> None:
        _admin("DELETE", self.urls[service] + "/_emulator/violations")

    def requests(self, service: str) -> List[Dict[str, Any]]:
        """The requests the service's emulator recorded (bodies base64)."""
        return _admin("GET", self.urls[service] + "/_emulator/requests") or []

    def clear_requests(self, service: str) -> None:
        _admin("DELETE", self.urls[service] + "/_emulator/requests")

    def inject_fault(self, service: str, fault: Dict[str, Any]) -> None:
        """Inject a fault (JSON form of emulator.Fault) into the service's emulator."""
        _admin("POST", self.urls[service] + "/_emulator/faults", json.dumps(fault).encode())

    def clear_faults(self, service: str) -> None:
        _admin("DELETE", self.urls[service] + "/_emulator/faults")

    # --- Dragoneye predictions (see `go doc ./pkg/dragoneye/dragoneyetest`) ---

    def script_dragoneye_prediction(
        self,
        prediction: Dict[str, Any],
        *,
        model: Optional[str] = None,
        file_name: Optional[str] = None,
        kind: Optional[str] = None,
    ) -> None:
        """Script what matching Dragoneye tasks return (POST /_emulator/predictions).

        ``prediction`` is the JSON form of dragoneyetest.Prediction, e.g.
        ``{"objects": [{"boxes": [box, None, box], "categories": [...]}], "polls": -1}``;
        a box is ``{"normalized_bbox": [x1, y1, x2, y2], "bbox_score": s}`` and ``None`` a
        gap frame. Frame i of a video is at i * 1e6 / frames_per_second microseconds.
        ``model``, ``file_name`` (the media's name) and ``kind`` ("image"/"video") choose
        the tasks; unset matches any. The newest matching script wins. A script the
        emulator refuses raises urllib.error.HTTPError (400, the message says why).
        """
        script: Dict[str, Any] = {"prediction": prediction}
        for key, value in (("model", model), ("file_name", file_name), ("kind", kind)):
            if value is not None:
                script[key] = value
        _admin("POST", self.urls["dragoneye"] + "/_emulator/predictions", json.dumps(script).encode())

    def dragoneye_scripts(self) -> List[Dict[str, Any]]:
        """The Dragoneye scripts in force, oldest first (the built-in models first)."""
        return _admin("GET", self.urls["dragoneye"] + "/_emulator/predictions") or []

    def clear_dragoneye_scripts(self) -> None:
        """Forget every scripted Dragoneye prediction (the built-in models stay)."""
        _admin("DELETE", self.urls["dragoneye"] + "/_emulator/predictions")

    # --- service scripting (pkg/infsh/infshtest, pkg/vectorvein/vectorveintest) ---

    def infsh_define_app(self, ref: str, *, output: Any = None, logs: Optional[List[str]] = None,
                         deltas: Optional[List[Any]] = None, fail: Optional[str] = None,
                         requirements: Optional[List[Dict[str, Any]]] = None,
                         delay: Optional[str] = None) -> None:
        """Define (or replace) the inference.sh app ``ref`` (namespace/name): it writes
        ``logs`` and streams ``deltas`` while it runs, then fails with ``fail`` or finishes
        with ``output`` (default: its input); with ``requirements`` every run answers 412.
        ``delay`` is a Go duration ("250ms"). POST /_emulator/apps."""
        body: Dict[str, Any] = {"ref": ref}
        for key, value in (("output", output), ("logs", logs), ("deltas", deltas), ("fail", fail),
                           ("requirements", requirements), ("delay", delay)):
            if value is not None:
                body[key] = value
        _admin("POST", self.urls["infsh"] + "/_emulator/apps", json.dumps(body).encode())

    def infsh_define_agent(self, ref: str, config: Dict[str, Any], steps: List[Dict[str, Any]],
                           agent_id: Optional[str] = None) -> None:
        """Define (or replace) the inference.sh template agent ``ref`` with the AgentConfig
        ``config``, whose core model takes ``steps`` in order, one per model call, in each
        chat: ``{"text": ..., "output": ...}``, ``{"tool_call": {"name": ..., "arguments":
        {...}}}`` (with ``"approval": true`` to ask for approval), ``{"fail": ...}``.
        POST /_emulator/agents."""
        body: Dict[str, Any] = {"ref": ref, "config": config, "steps": steps}
        if agent_id:
            body["id"] = agent_id
        _admin("POST", self.urls["infsh"] + "/_emulator/agents", json.dumps(body).encode())

    def vectorvein_define_workflow(self, wid: str, *, after: Optional[str] = None, polls: int = 0,
                                   outputs: Optional[List[Dict[str, Any]]] = None,
                                   fail: Optional[str] = None, fail_task: Optional[str] = None) -> None:
        """Define (or replace) the VectorVein workflow ``wid``: its runs answer "running"
        until ``polls`` status checks were answered and ``after`` (a Go duration, "1.5s")
        has passed since workflow/run, then finish with ``outputs`` (``[{"type", "title",
        "value"}]``; default: one text output per input) or fail with ``fail``.
        POST /_emulator/workflows."""
        body: Dict[str, Any] = {"id": wid, "polls": polls}
        for key, value in (("after", after), ("outputs", outputs), ("fail", fail), ("fail_task", fail_task)):
            if value is not None:
                body[key] = value
        _admin("POST", self.urls["vectorvein"] + "/_emulator/workflows", json.dumps(body).encode())

    # --- the process ---

    def stderr_tail(self, limit: int = 4000) -> str:
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return f.read()[-limit:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass


def _pump(stream, lines: "queue.Queue[Optional[str]]") -> None:
    """Copy the process's stdout lines into a queue (None at EOF); keeps the pipe drained."""
    try:
        for raw in iter(stream.readline, ""):
            lines.put(raw.rstrip("\r\n"))
    finally:
        lines.put(None)


def start(binary: str, start_timeout: Optional[float] = None) -> Emulator:
    """Run ``binary`` and wait for its ``ready`` line (at most start_timeout seconds,
    default $EMULATOR_START_TIMEOUT or 60); raise EmulatorError when it cannot be used."""
    timeout = START_TIMEOUT_S if start_timeout is None else start_timeout
    if not binary or not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        raise EmulatorError(f"emulator binary {binary!r} is not an executable file")
    fd, stderr_path = tempfile.mkstemp(prefix="emulator-", suffix=".log")
    stderr_file = os.fdopen(fd, "w")
    try:
        proc = subprocess.Popen(
            [binary, "-service", "all", "-addr", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
            bufsize=1,
        )
    finally:
        stderr_file.close()
    emu = Emulator(proc=proc, urls={}, stderr_path=stderr_path)
    lines: "queue.Queue[Optional[str]]" = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()

    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stderr = emu.stderr_tail()
            emu.stop()
            raise EmulatorError(
                f"emulator printed no 'ready' line within {timeout:g}s; "
                f"stdout so far: {emu.other_output!r}; stderr: {stderr!r}"
            )
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            try:
                code: Any = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = "still running, stdout closed"
            stderr = emu.stderr_tail()
            emu.stop()
            if not emu.urls and NO_SERVICE_MESSAGE in stderr:
                # cmd/emulator -service all with nothing registered yet: not an error of
                # the caller or the emulator; every service is skipped.
                return emu
            raise EmulatorError(
                f"emulator exited (status {code}) before printing 'ready'; "
                f"stdout: {emu.other_output!r}; stderr: {stderr!r}"
            )
        text = line.strip()
        if text == "ready":
            return emu
        parts = text.split()
        if len(parts) == 2 and parts[1].startswith(("http://127.0.0.1:", "http://localhost:")):
            emu.urls[parts[0]] = parts[1].rstrip("/")
        elif text:
            emu.other_output.append(text)


def format_violations(service: str, items: List[Dict[str, Any]]) -> str:
    """One indented line per violation of ``service``, as the emulator reported it."""
    out = []
    for v in items:
        msg = v.get("message") or json.dumps(v, sort_keys=True)
        where = f"{v.get('method', '')} {v.get('path', '')}".strip()
        status = f" -> {v['status']}" if v.get("status") else ""
        out.append(f"  [{service}] {v.get('direction', '?')} {where}{status}: {msg}")
    return "\n".join(out)


def collect_violations(emu: Emulator) -> Dict[str, List[Dict[str, Any]]]:
    """Fetch and clear the violations of every service (only the services that have any
    are in the result); raise AssertionError when an emulator does not answer."""
    found: Dict[str, List[Dict[str, Any]]] = {}
    for service, url in emu.urls.items():
        try:
            items = emu.violations(service)
            if items:
                found[service] = items
                emu.clear_violations(service)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            alive = "running" if emu.alive() else f"exited with status {emu.proc.returncode}"
            raise AssertionError(
                f"cannot read violations of the {service} emulator at {url} (process {alive}): {exc}; "
                f"stderr: {emu.stderr_tail()!r}"
            ) from exc
    return found
