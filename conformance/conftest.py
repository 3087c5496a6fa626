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
``DELETE`` either way). Everything here talks to 127.0.0.1 only. Starting the process and
the admin calls are harness/emulator.py, which crosslang/ uses too; this file holds the
pytest side (fixtures, skips, the violation check).
"""

from __future__ import annotations

import os
import sys
import urllib.error
from typing import Any, Dict, List

import pytest

# The launcher and admin helpers live in harness/emulator.py, shared with crosslang/
# (fuzz.py and python/conftest.py).
_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness")
if _HARNESS not in sys.path:
    sys.path.insert(0, _HARNESS)
# Importing it also forces NO_PROXY for 127.0.0.1 and localhost.
from emulator import (  # noqa: E402
    Emulator,
    EmulatorError,
    collect_violations as _collect_violations,
    format_violations,
    skip_reason,
    start as _start_emulator,
)


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
    except EmulatorError as exc:
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
    reason = skip_reason(urls, service)
    if reason:
        pytest.skip(reason)
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
    lines = [format_violations(service, items) for service, items in found.items()]
    return "\n".join(["the emulator saw spec violations during this test:"] + lines)


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
