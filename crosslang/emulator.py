"""Start cmd/emulator as a process and talk to its admin endpoints (loopback only).

Shared by crosslang/fuzz.py (`make spec-fuzz`) and crosslang/python/conftest.py
(`make spec-python`). Same protocol as conformance/conftest.py: the binary is run as

    <binary> -service all -addr 127.0.0.1:0

and prints one ``<service> <url>`` line per registered emulator, then ``ready``.
Services that are not registered yet are simply absent from ``Emulator.urls``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import urllib.request
from typing import Any, Dict, List, Optional

SERVICES = ("dial", "infsh", "vectorvein", "dragoneye")

# cmd/emulator exits with status 2 and this text while no service is registered.
NO_SERVICE_MESSAGE = "no service available to serve"

# Loopback traffic must never go through a proxy (requests and httpx honour these).
for _name in ("NO_PROXY", "no_proxy"):
    _have = os.environ.get(_name, "")
    os.environ[_name] = ",".join(p for p in (_have, "127.0.0.1", "localhost") if p)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(Exception):
    """The emulator process could not be started or used; the message says why."""


class Emulator:
    """A running cmd/emulator process and the base URLs of the services it serves."""

    def __init__(self, binary: str, start_timeout: float = 60.0) -> None:
        if not binary or not os.path.isfile(binary) or not os.access(binary, os.X_OK):
            raise EmulatorError(f"emulator binary {binary!r} is not an executable file")
        fd, self._stderr_path = tempfile.mkstemp(prefix="crosslang-emulator-", suffix=".log")
        with os.fdopen(fd, "w") as stderr_file:
            self.proc = subprocess.Popen(
                [binary, "-service", "all", "-addr", "127.0.0.1:0"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                text=True,
                bufsize=1,
            )
        self.urls: Dict[str, str] = {}
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + start_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise EmulatorError(f"no 'ready' line within {start_timeout:g}s; stderr: {self.stderr_tail()!r}")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self.proc.wait(timeout=10)
                if not self.urls and NO_SERVICE_MESSAGE in self.stderr_tail():
                    return  # nothing registered yet: every service is skipped
                raise EmulatorError(f"emulator exited with status {code} before 'ready'; stderr: {self.stderr_tail()!r}")
            text = line.strip()
            if text == "ready":
                return
            parts = text.split()
            if len(parts) == 2 and parts[1].startswith("http://127.0.0.1:"):
                self.urls[parts[0]] = parts[1].rstrip("/")

    def _pump(self, lines: "queue.Queue[Optional[str]]") -> None:
        try:
            assert self.proc.stdout is not None
            for raw in iter(self.proc.stdout.readline, ""):
                lines.put(raw.rstrip("\r\n"))
        finally:
            lines.put(None)

    def skip_reason(self, service: str) -> Optional[str]:
        """Why ``service`` cannot be tested (None when it is served)."""
        if service in self.urls:
            return None
        served = ", ".join(sorted(self.urls)) or "nothing"
        return f"{service} is not registered in cmd/emulator yet (it serves: {served})"

    def _admin(self, method: str, service: str, what: str) -> Any:
        req = urllib.request.Request(f"{self.urls[service]}/_emulator/{what}", method=method)
        with _OPENER.open(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None

    def violations(self, service: str) -> List[Dict[str, Any]]:
        """The spec violations the service's emulator recorded since the last clear."""
        return self._admin("GET", service, "violations") or []

    def clear_violations(self, service: str) -> None:
        self._admin("DELETE", service, "violations")

    def stderr_tail(self, limit: int = 4000) -> str:
        try:
            with open(self._stderr_path, "r", errors="replace") as f:
                return f.read()[-limit:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        try:
            os.unlink(self._stderr_path)
        except OSError:
            pass


def format_violations(service: str, items: List[Dict[str, Any]]) -> str:
    out = []
    for v in items:
        where = f"{v.get('method', '')} {v.get('path', '')}".strip()
        status = f" -> {v['status']}" if v.get("status") else ""
        out.append(f"  [{service}] {v.get('direction', '?')} {where}{status}: {v.get('message', v)}")
    return "\n".join(out)
