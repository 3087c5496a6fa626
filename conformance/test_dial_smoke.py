"""DIAL smoke scenario: the official aidial-client lists deployments from the emulator.

What aidial-client 0.3.0 sends (see conformance/wire/dial.md): ``GET /openai/deployments``
with an ``api-key`` header, and it parses ``{"object": "list", "data": [...]}`` into
pydantic models that require ``id``, ``object`` (deployment|model), ``model`` and
``created_at`` on every item. The emulator validates the request and its own response
against specs/dial.yaml; the harness fails this test on any violation it reports.
"""

import aidial_client
from aidial_client.types.deployment import Deployment

# The key cmd/emulator's DIAL emulator accepts by default (dialtest.APIKey).
API_KEY = "dialtest-key"


def test_list_deployments(dial_url: str) -> None:
    client = aidial_client.Dial(base_url=dial_url, api_key=API_KEY, max_retries=0)

    deployments = client.deployments.list()

    assert isinstance(deployments, list)
    ids = [d.id for d in deployments]
    assert "gpt-4" in ids, f"dialtest's default deployments should include gpt-4, got {ids}"
    for dep in deployments:
        assert isinstance(dep, Deployment)
        assert dep.id
        assert dep.model
        assert dep.object in ("deployment", "model")
    assert len(set(ids)) == len(ids), f"deployment ids must be unique: {ids}"
