"""Every module of every generated client imports (a generator that writes broken code
for a spec fails here even when cmd/emulator does not serve that service yet)."""

import importlib
import pkgutil

import pytest

from conftest import generated

SERVICES = ("dial", "infsh", "vectorvein", "dragoneye")


@pytest.mark.parametrize("service", SERVICES)
def test_generated_client_imports(service):
    pkg = generated(service)
    names = [m.name for m in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + ".")]
    assert any(".api." in n for n in names), f"{service}: no API modules were generated"
    for name in names:
        importlib.import_module(name)
