"""Tests of the conformance harness itself (conftest.py), against a fake emulator.

Each case runs pytest in a subprocess over a scratch directory holding a copy of
conftest.py and a few tiny scenarios, with EMULATOR_BIN pointing at
harness/fake_emulator.py, and checks the outcome of every scenario and pytest's exit
status. These run without cmd/emulator, so they also guard the harness while the real
emulator is still being built.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, Tuple

import pytest

HERE = Path(__file__).resolve().parent
FAKE = HERE / "harness" / "fake_emulator.py"

SCENARIOS = '''
import json, urllib.request
import pytest

def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as resp:
        return json.loads(resp.read())

def test_clean(dial_url, urls):
    assert set(urls) == {"dial"}
    body = _get(dial_url + "/openai/deployments")
    assert body["data"][0]["id"] == "gpt-4"

def test_violation(dial_url):
    _get(dial_url + "/openai/deployments", {"X-Fake-Violation": "listDeployments: header api-key: missing"})

def test_clean_after_violation(dial_url):
    _get(dial_url + "/openai/deployments")

def test_body_fails_and_violates(dial_url):
    _get(dial_url + "/openai/deployments", {"X-Fake-Violation": "second-violation-text"})
    assert False, "scenario assertion"

def test_unregistered(vectorvein_url):
    raise AssertionError("must not run: vectorvein is not registered")

@pytest.fixture
def violating_teardown(dial_url):
    yield
    _get(dial_url + "/openai/deployments", {"X-Fake-Violation": "teardown-violation-text"})

def test_teardown_violation(violating_teardown):
    pass
'''


@pytest.fixture(autouse=True)
def _emulator_violations():
    """Overrides conftest's autouse fixture: the harness tests start their own fakes."""
    yield None


def run_inner(tmp_path: Path, env_extra: Dict[str, str], select: str = "") -> Tuple[int, str, Dict[str, str]]:
    """Run pytest over a scratch copy of the harness; return (exit status, output, outcomes)."""
    work = tmp_path / "inner"
    work.mkdir()
    shutil.copy(HERE / "conftest.py", work / "conftest.py")
    (work / "harness").mkdir()
    shutil.copy(HERE / "harness" / "emulator.py", work / "harness" / "emulator.py")
    (work / "pytest.ini").write_text("[pytest]\naddopts = -rfEs -p no:cacheprovider\n")
    (work / "test_scenarios.py").write_text(SCENARIOS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMULATOR_", "FAKE_EMULATOR_"))}
    env.update(env_extra)
    xml = tmp_path / "report.xml"
    args = [sys.executable, "-m", "pytest", str(work), "-q", f"--junitxml={xml}"]
    if select:
        args += ["-k", select]
    proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    outcomes: Dict[str, str] = {}
    if xml.exists():
        for case in ET.parse(xml).getroot().iter("testcase"):
            kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            outcomes[case.get("name", "")] = kinds[0] if kinds else "passed"
    return proc.returncode, proc.stdout + proc.stderr, outcomes


def test_violations_fail_the_scenario_and_are_cleared(tmp_path: Path) -> None:
    code, out, outcomes = run_inner(tmp_path, {"EMULATOR_BIN": str(FAKE), "FAKE_EMULATOR_SERVICES": "dial"})
    assert outcomes == {
        "test_clean": "passed",
        "test_violation": "failure",
        "test_clean_after_violation": "passed",  # the violation list was cleared
        "test_body_fails_and_violates": "failure",
        "test_unregistered": "skipped",
        "test_teardown_violation": "error",
    }, out
    assert code == 1, out
    assert "[dial] request GET /openai/deployments: listDeployments: header api-key: missing" in out
    assert "scenario assertion" in out and "second-violation-text" in out, out
    assert "service 'vectorvein' is not registered in cmd/emulator yet (it serves: dial)" in out
    assert "during fixture teardown" in out and "teardown-violation-text" in out, out
    assert re.search(r"^2 failed, 3 passed, 1 skipped, 1 error in ", out, re.M), out


@pytest.mark.parametrize(
    "services, serves",
    [("infsh", "infsh"), ("", "nothing")],
    ids=["other-service", "empty-registry"],
)
def test_all_skipped_exits_zero_with_summary(tmp_path: Path, services: str, serves: str) -> None:
    code, out, outcomes = run_inner(tmp_path, {"EMULATOR_BIN": str(FAKE), "FAKE_EMULATOR_SERVICES": services})
    assert set(outcomes.values()) == {"skipped"}, out
    assert code == 0, out
    assert f"service 'dial' is not registered in cmd/emulator yet (it serves: {serves})" in out
    assert re.search(r"^6 skipped in ", out, re.M), out


def test_no_emulator_binary_skips_everything(tmp_path: Path) -> None:
    code, out, outcomes = run_inner(tmp_path, {})
    assert set(outcomes.values()) == {"skipped"}, out
    assert code == 0, out
    assert "EMULATOR_BIN is not set" in out
    assert re.search(r"^6 skipped in ", out, re.M), out


@pytest.mark.parametrize(
    "mode, start_timeout, message",
    [
        # A crash is seen as soon as the process exits, so a generous start timeout keeps
        # a loaded machine from turning it into the "silent" case.
        ("crash", "60", r"emulator exited \(status 3\) before printing 'ready'.*boom"),
        ("silent", "2", r"emulator printed no 'ready' line within 2s"),
    ],
    ids=["crash", "silent"],
)
def test_broken_emulator_errors_and_exits_nonzero(tmp_path: Path, mode: str, start_timeout: str, message: str) -> None:
    code, out, outcomes = run_inner(
        tmp_path,
        {"EMULATOR_BIN": str(FAKE), "FAKE_EMULATOR_MODE": mode, "EMULATOR_START_TIMEOUT": start_timeout},
        select="test_clean and not after",
    )
    assert outcomes == {"test_clean": "error"}, out
    assert code == 1, out
    assert re.search(message, out), out
