"""DIAL files at a nested path (`a/b/c d.txt`) through generated clients.

DIAL's {path} parameter holds `/`. OpenAPI 3.0 cannot say that a path parameter spans
segments, so generic generators escape it: openapi-python-client 0.29.1 sends
`a%2Fb%2Fc%20d.txt` and openapi-fetch's default serializer does the same, and DIAL answers
400. The bundle says so in the FilePath parameter; each client fixes it with an option it
already has (an httpx request hook here, a pathSerializer for openapi-fetch in
crosslang/ts/dial_files.ts), so no overlay is needed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import pytest

from conftest import AUTH_HEADERS, generated, make_client

NESTED = "a/b/c d.txt"
# The DIAL routes whose {path} spans segments (specs/dial.yaml, FilePath).
PATH_ROUTES = (b"/v1/files/", b"/v1/metadata/files/")


def keep_path_separators(request) -> None:
    """httpx request hook: turn the escaped separators of DIAL's {path} back into `/`.

    The generated code quotes every path parameter with safe="" (so a literal `%` is sent as
    %25): in the request path, %2F can only be a `/` of {path}.
    """
    raw = request.url.raw_path
    if raw.startswith(PATH_ROUTES):
        request.url = request.url.copy_with(raw_path=raw.replace(b"%2F", b"/").replace(b"%2f", b"/"))


def upload(client, bucket: str, path: str, text: bytes):
    from dial_client.api.files import upload_file
    from dial_client.models import FileUpload
    from dial_client.types import File

    name = path.rsplit("/", 1)[-1]
    body = FileUpload(file=File(payload=io.BytesIO(text), file_name=name, mime_type="text/plain"))
    return upload_file.sync_detailed(bucket, path, client=client, body=body)


def test_python_client_nested_path(emulator):
    client = make_client(emulator, "dial", httpx_args={"event_hooks": {"request": [keep_path_separators]}})
    generated("dial")
    from dial_client.api.files import download_file, get_bucket, get_file_metadata
    from dial_client.models import ResourceMetadata, ResourceMetadataNodeType

    bucket = get_bucket.sync(client=client).bucket
    up = upload(client, bucket, NESTED, b"hello from openapi-python-client")
    assert up.status_code == 200, up.content[:300]
    assert isinstance(up.parsed, ResourceMetadata)
    assert (up.parsed.name, up.parsed.parent_path) == ("c d.txt", "a/b")

    listed = get_file_metadata.sync_detailed(bucket, "a/b/", client=client)
    assert listed.status_code == 200, listed.content[:300]
    assert listed.parsed.node_type == ResourceMetadataNodeType.FOLDER
    assert [item.name for item in listed.parsed.items] == ["c d.txt"]

    down = download_file.sync_detailed(bucket, NESTED, client=client)
    assert down.status_code == 200
    assert down.content == b"hello from openapi-python-client"


def test_python_client_escapes_separators_without_the_hook(emulator):
    # Why the hook exists: without it the generated client escapes `/` and DIAL answers 400.
    # When a generator version stops doing that, this test says the hook can go.
    seen = []
    client = make_client(
        emulator,
        "dial",
        raise_on_unexpected_status=False,
        httpx_args={"event_hooks": {"response": [lambda r: seen.append((r.request.url.raw_path, r.status_code))]}},
    )
    generated("dial")
    from dial_client.api.files import get_bucket

    bucket = get_bucket.sync(client=client).bucket
    try:
        upload(client, bucket, "x/y/c d.txt", b"never stored")
    except ValueError:
        pass  # the generated client decodes DIAL's plain-text 400 as JSON
    path, status = seen[-1]
    assert b"x%2Fy%2Fc%20d.txt" in path
    assert status == 400


def run_ts(emulator, mode: str, path: str) -> dict:
    run_dir = os.environ.get("CROSSLANG_TS_RUN", "").strip()
    if not run_dir:
        pytest.skip("CROSSLANG_TS_RUN is not set (run through `make spec-python`)")
    script = os.path.join(run_dir, "ts", "dial_files.js")
    node = shutil.which(os.environ.get("NODE", "node"))
    assert node, "node is not on PATH"
    assert os.path.isfile(script), f"{script} was not built (make spec-ts)"
    if emulator.skip_reason("dial"):
        pytest.skip(emulator.skip_reason("dial"))
    done = subprocess.run(
        [node, script, emulator.urls["dial"], AUTH_HEADERS["dial"]["api-key"], path, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_typescript_client_nested_path(emulator):
    trip = run_ts(emulator, "nested", NESTED)
    assert trip == {
        "uploadStatus": 200,
        "uploadedName": "c d.txt",
        "listed": ["c d.txt"],
        "downloaded": "hello from openapi-fetch",
    }


def test_typescript_default_serializer_escapes_separators(emulator):
    trip = run_ts(emulator, "default", "x/y/c d.txt")
    assert trip == {"uploadStatus": 400, "listed": []}
