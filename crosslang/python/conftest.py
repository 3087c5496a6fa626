"""Fixtures for `make spec-python`.

The generated clients live in $CROSSLANG_GEN_PYTHON/<svc>_client (git-ignored, written by
openapi-python-client in crosslang/crosslang.mk). One cmd/emulator process
($EMULATOR_BIN) serves the whole session; a test for a service that cmd/emulator does not
register yet is skipped with that reason. After every test, the emulator's recorded spec
violations (requests the generated client sent, responses the emulator answered) fail the
test.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Iterator

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# The emulator launcher shared with the conformance harness (conformance/harness/emulator.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "conformance", "harness"))
from emulator import Emulator, EmulatorError, collect_violations, format_violations, start  # noqa: E402

GEN = os.environ.get("CROSSLANG_GEN_PYTHON") or os.path.join(os.path.dirname(HERE), "gen", "python")
if GEN not in sys.path:
    sys.path.insert(0, GEN)

# Default credentials of each emulator (pkg/<svc>/<svc>test) as the header they go in.
AUTH_HEADERS = {
    "dial": {"api-key": "dialtest-key"},
    "infsh": {"Authorization": "Bearer inf_test_key"},
    "vectorvein": {"VECTORVEIN-API-KEY": "vvtest-api-key-0123456789abcdef0"},
    "dragoneye": {"X-API-Key": "dragoneyetest-api-key"},
}
# Where the API lives on the emulator, below its URL.
BASE_PATHS = {"vectorvein": "/api/v1/open-api"}


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    binary = os.environ.get("EMULATOR_BIN", "").strip()
    if not binary:
        pytest.skip("EMULATOR_BIN is not set (run through `make spec-python`)")
    try:
        emu = start(binary)
    except EmulatorError as exc:
        pytest.fail(f"cmd/emulator did not start: {exc}", pytrace=False)
    for service in emu.urls:
        emu.clear_violations(service)
    yield emu
    emu.stop()


def generated(service: str):
    """The generated client package for service; fails the test when there is none."""
    if not os.path.isdir(os.path.join(GEN, f"{service}_client")):
        pytest.fail(f"{service}: openapi-python-client generated no client (see its output above)", pytrace=False)
    return importlib.import_module(f"{service}_client")


def make_client(emulator: Emulator, service: str, **kwargs):
    """A generated Client for service against the emulator, or a skip with the reason."""
    reason = emulator.skip_reason(service)
    if reason:
        pytest.skip(reason)
    import httpx

    options = {"raise_on_unexpected_status": True, "timeout": httpx.Timeout(10.0)}
    options.update(kwargs)
    return generated(service).Client(
        base_url=emulator.urls[service] + BASE_PATHS.get(service, ""),
        headers=dict(AUTH_HEADERS[service]),
        **options,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After each test body, fail the test when an emulator recorded spec violations."""
    result = yield
    emu = getattr(item, "funcargs", {}).get("emulator")
    if isinstance(emu, Emulator):
        found = collect_violations(emu)
        if found:
            problems = [format_violations(service, items) for service, items in found.items()]
            pytest.fail("the emulator saw spec violations:\n" + "\n".join(problems), pytrace=False)
    return result
