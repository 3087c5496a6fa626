"""The Go tool builder's JSON equals the official builder's: pkg/infsh/tools_test.go
compares the Go builder with the golden files in pkg/infsh/testdata/tools, and this test
checks that those files are exactly what the official ``inferencesh`` builder produces now
(the cases are the ones gen_golden.py defines). Needs no emulator.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "pkg", "infsh", "testdata", "tools")


def _cases():
    spec = importlib.util.spec_from_file_location("infsh_gen_golden", os.path.join(GOLDEN, "gen_golden.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CASES


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_matches_golden(name: str) -> None:
    with open(os.path.join(GOLDEN, name + ".json")) as f:
        want = json.load(f)
    got = json.loads(json.dumps(CASES[name]()))
    assert got == want
    # Key order too: the official builder's insertion order.
    assert list(got) == list(want)
