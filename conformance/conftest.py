"""Conformance harness: the official Python SDKs talk to our emulators.

A session fixture starts the emulator binary named by the EMULATOR_BIN environment
variable (``make conformance`` builds ./cmd/emulator and sets it) as

    $EMULATOR_BIN -service all -addr 127.0.0.1:0

and reads its stdout, one ``<service> <url>`` line per registered emulator, until a line
``ready``. Scenarios get the URLs from the ``urls`` fixture (a dict) or from the
per-service fixtures ``dial_url``, ``infsh_url``, ``vectorvein_url`` and
``dragoneye_url``, which skip the scenario with a clear reason when that service is not
registered in cmd/emulator yet.

After every test, ``GET <url>/_emulator/violations`` is asked of every running emulator;
any request or response that broke the spec fails the test (the list is cleared with
``DELETE`` either way). Everything here talks to 127.0.0.1 only.
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

import pytest

SERVICES = ("dial", "infsh", "vectorvein", "dragoneye")
START_TIMEOUT_S = float(os.environ.get("EMULATOR_START_TIMEOUT", "60"))
ADMIN_TIMEOUT_S = 10.0
# What cmd/emulator prints (and exits with status 2) for `-service all` while no service
# is registered in its registry yet.
NO_SERVICE_MESSAGE = "no service available to serve"

# The SDKs use requests, httpx and aiohttp, which all honour proxy variables; loopback
# traffic must never go through a proxy.
for _name in ("NO_PROXY", "no_proxy"):
    _have = os.environ.get(_name, "")
    os.environ[_name] = ",".join(p for p in (_have, "127.0.0.1", "localhost") if p)

# Loopback-only opener for the admin endpoints (ignores proxy settings entirely).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorUnavailable(Exception):
    """The emulator process could not be used; the message says why."""


def _admin(method: str, url: str, body: Optional[bytes] = None) -> Any:
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with _OPENER.open(req, timeout=ADMIN_TIMEOUT_S) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


@dataclass
class Emulator:
    """A running cmd/emulator process and the URLs of its services."""

    proc: subprocess.Popen
    urls: Dict[str, str]
    stderr_path: str
    other_output: List[str] = field(default_factory=list)

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


def _start_emulator(binary: str) -> Emulator:
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        raise EmulatorUnavailable(f"EMULATOR_BIN={binary!r} is not an executable file")
    fd, stderr_path = tempfile.mkstemp(prefix="conformance-emulator-", suffix=".log")
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

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stderr = emu.stderr_tail()
            emu.stop()
            raise EmulatorUnavailable(
                f"emulator printed no 'ready' line within {START_TIMEOUT_S:g}s; "
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
                # the harness or the emulator; every scenario skips for its service.
                return emu
            raise EmulatorUnavailable(
                f"emulator exited (status {code}) before printing 'ready'; "
                f"stdout: {emu.other_output!r}; stderr: {stderr!r}"
            )
        text = line.strip()
        if text == "ready":
            break
        parts = text.split()
        if len(parts) == 2 and parts[1].startswith(("http://127.0.0.1:", "http://localhost:")):
            emu.urls[parts[0]] = parts[1].rstrip("/")
        elif text:
            emu.other_output.append(text)
    return emu


# ---------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="session")
def emulator(request: pytest.FixtureRequest) -> Emulator:
    """The running cmd/emulator; skips when no binary was given, fails when it is broken."""
    binary = os.environ.get("EMULATOR_BIN", "").strip()
    if not binary:
        reason = (
            "emulator binary not available: EMULATOR_BIN is not set "
            "(cmd/emulator has no Go files yet, or pytest was run outside `make conformance`)"
        )
        pytest.skip(reason)
    try:
        emu = _start_emulator(binary)
    except EmulatorUnavailable as exc:
        pytest.fail(f"cmd/emulator did not start: {exc}", pytrace=False)
    request.addfinalizer(emu.stop)
    for service in emu.urls:
        try:
            emu.clear_violations(service)
        except (OSError, urllib.error.URLError) as exc:
            pytest.fail(f"{service} emulator at {emu.urls[service]} is not answering its admin endpoint: {exc}",
                        pytrace=False)
    return emu


@pytest.fixture(scope="session")
def urls(emulator: Emulator) -> Dict[str, str]:
    """Service name -> base URL (no trailing slash) of every emulator cmd/emulator runs."""
    return dict(emulator.urls)


def _service_url(urls: Dict[str, str], service: str) -> str:
    if service not in urls:
        pytest.skip(
            f"service {service!r} is not registered in cmd/emulator yet "
            f"(it serves: {', '.join(sorted(urls)) or 'nothing'})"
        )
    return urls[service]


@pytest.fixture
def dial_url(urls: Dict[str, str]) -> str:
    """Base URL of the DIAL emulator (skips when cmd/emulator does not serve it)."""
    return _service_url(urls, "dial")


@pytest.fixture
def infsh_url(urls: Dict[str, str]) -> str:
    """Base URL of the inference.sh emulator (skips when cmd/emulator does not serve it)."""
    return _service_url(urls, "infsh")


@pytest.fixture
def vectorvein_url(urls: Dict[str, str]) -> str:
    """Base URL of the VectorVein emulator (skips when cmd/emulator does not serve it)."""
    return _service_url(urls, "vectorvein")


@pytest.fixture
def dragoneye_url(urls: Dict[str, str]) -> str:
    """Base URL of the Dragoneye emulator (skips when cmd/emulator does not serve it)."""
    return _service_url(urls, "dragoneye")


def _format_violations(found: Dict[str, List[Dict[str, Any]]]) -> str:
    out = ["the emulator saw spec violations during this test:"]
    for service, items in found.items():
        for v in items:
            msg = v.get("message") or json.dumps(v, sort_keys=True)
            where = f"{v.get('method', '')} {v.get('path', '')}".strip()
            status = f" -> {v['status']}" if v.get("status") else ""
            out.append(f"  [{service}] {v.get('direction', '?')} {where}{status}: {msg}")
    return "\n".join(out)


def _collect_violations(emu: Emulator) -> Dict[str, List[Dict[str, Any]]]:
    """Fetch and clear the violations of every service; raise if an emulator is unreachable."""
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


@pytest.fixture(autouse=True)
def _emulator_violations(emulator: Emulator):
    """Autouse: every conformance test runs against the emulator process. After its body
    the violation check in ``pytest_runtest_call`` below asks each service's
    ``/_emulator/violations``, fails the test on any, and clears them; violations caused by
    the test's own fixture teardowns are caught here, after them, as a teardown error."""
    yield emulator
    found = _collect_violations(emulator)
    if found:
        pytest.fail("during fixture teardown, " + _format_violations(found), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After each test body, fail it when any emulator reports spec violations.

    Runs in the call phase, so a violation shows up as the test's own failure. When the
    test already failed, the violations are attached to its report instead.
    """
    emu = getattr(item, "funcargs", {}).get("emulator")
    try:
        result = yield
    except BaseException:
        if isinstance(emu, Emulator):
            try:
                found = _collect_violations(emu)
            except AssertionError as exc:
                item.add_report_section("call", "emulator violations", str(exc))
            else:
                if found:
                    item.add_report_section("call", "emulator violations", _format_violations(found))
        raise
    if isinstance(emu, Emulator):
        found = _collect_violations(emu)
        if found:
            pytest.fail(_format_violations(found), pytrace=False)
    return result
