"""DIAL flows of the aidial-client 0.3.0 README against the dialtest emulator.

Each scenario drives the official client the way its README does: chat with and
without streaming (with an api-version and without), applications, the caller's
bucket, files upload/download/metadata/delete with ETag preconditions, and the
client pool. The harness fails a test on any spec violation the emulator saw.
Wire behaviour of the client: conformance/wire/dial.md.
"""

import pytest

import aidial_client
from aidial_client import DialClientPool
from aidial_client._exception import DialException, EtagMismatchError, ResourceNotFoundError

API_KEY = "dialtest-key"  # dialtest.APIKey
BEARER = "dialtest-token"  # dialtest.BearerToken, same user


def client(url: str, **kwargs) -> aidial_client.Dial:
    kwargs.setdefault("api_key", API_KEY)
    return aidial_client.Dial(base_url=url, max_retries=0, **kwargs)


def test_chat_completion(dial_url: str) -> None:
    resp = client(dial_url).chat.completions.create(
        deployment_name="gpt-4",
        messages=[{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "2+3="}],
        stream=False,
    )
    assert resp.object == "chat.completion"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == "5"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage is not None and resp.usage.total_tokens > 0


def test_chat_completion_api_version_and_bearer(dial_url: str, emulator) -> None:
    emulator.clear_requests("dial")
    c = client(dial_url, api_key=None, bearer_token=BEARER, api_version="2024-02-15-preview")
    resp = c.chat.completions.create(
        deployment_name="gpt-4o", messages=[{"role": "user", "content": "hello dial"}], stream=False
    )
    assert resp.choices[0].message.content == "hello dial"
    chats = [r for r in emulator.requests("dial") if r.get("operation") == "createChatCompletion"]
    assert chats, "the chat request was recorded"
    assert chats[-1]["query"].get("api-version") == ["2024-02-15-preview"]


def test_chat_streaming(dial_url: str) -> None:
    stream = client(dial_url).chat.completions.create(
        deployment_name="gpt-4",
        messages=[{"role": "user", "content": "the quick brown fox jumps"}],
        stream=True,
    )
    chunks = list(stream)
    assert len(chunks) >= 6, "streamed word by word"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "the quick brown fox jumps"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None, "usage arrives on the last chunk"


def test_chat_unknown_deployment(dial_url: str) -> None:
    with pytest.raises(DialException) as err:
        client(dial_url).chat.completions.create(
            deployment_name="no-such-model", messages=[{"role": "user", "content": "hi"}], stream=False
        )
    assert err.value.status_code == 404


def test_applications(dial_url: str) -> None:
    c = client(dial_url)
    apps = c.application.list()
    assert [a.id for a in apps] == ["echo"]
    app = c.application.get("echo")
    assert app.application == "echo"
    assert app.object == "application"
    reply = c.chat.completions.create(
        deployment_name="echo", messages=[{"role": "user", "content": "ping"}], stream=False
    )
    assert reply.choices[0].message.content == "ping"


def test_files_round_trip(dial_url: str) -> None:
    c = client(dial_url)
    home = c.my_files_home()
    assert str(home).startswith("files/")
    url = str(home / "conformance" / "report 1.txt")

    meta = c.files.upload(url=url, file=("report 1.txt", b"hello world", "text/plain"))
    assert meta.name == "report 1.txt"
    assert meta.bucket == c.my_bucket()
    assert meta.node_type == "ITEM"

    assert c.files.download(url).get_content() == b"hello world"

    info = c.files.get_metadata(url)
    assert info.content_length == 11
    assert info.content_type == "text/plain"
    etag = info.etag
    assert etag

    # Upload with the right If-Match succeeds; a stale one is refused.
    c.files.upload(url=url, file=("report 1.txt", b"v2", "text/plain"), etag_if_match=etag)
    with pytest.raises(EtagMismatchError):
        c.files.upload(url=url, file=("report 1.txt", b"v3", "text/plain"), etag_if_match=etag)
    # If-None-Match: * is create-only.
    with pytest.raises(EtagMismatchError):
        c.files.upload(url=url, file=("report 1.txt", b"v3", "text/plain"), etag_if_none_match="*")

    # Delete with a wrong ETag fails, with the right one succeeds.
    new_etag = c.files.get_metadata(url).etag
    assert new_etag and new_etag != etag
    with pytest.raises(EtagMismatchError):
        c.files.delete(url, etag_if_match=etag)
    c.files.delete(url, etag_if_match=new_etag)
    # Deleting a missing file succeeds: DIAL Core answers 200 (DeleteFileController).
    c.files.delete(url)
    with pytest.raises(ResourceNotFoundError):
        c.files.download(url).get_content()
    with pytest.raises(DialException):
        c.files.get_metadata(url)


def test_files_folder_metadata(dial_url: str) -> None:
    c = client(dial_url)
    folder = c.my_files_home() / "listing"
    for name in ("a.txt", "b.txt"):
        c.files.upload(url=str(folder / name), file=(name, name.encode(), "text/plain"))
    # aidial-client 0.3.0 strips the trailing slash of folder URLs, so it asks for an item;
    # DIAL Core (FileMetadataController) and the emulator answer 404 for a folder then.
    with pytest.raises(DialException) as info:
        c.files.get_metadata(str(folder) + "/")
    assert info.value.status_code == 404
    # The items themselves are found.
    for name in ("a.txt", "b.txt"):
        assert c.files.get_metadata(str(folder / name)).node_type == "ITEM"
    for name in ("a.txt", "b.txt"):
        c.files.delete(str(folder / name))


def test_client_pool(dial_url: str) -> None:
    pool = DialClientPool()
    by_key = pool.create_client(base_url=dial_url, api_key=API_KEY, max_retries=0)
    by_token = pool.create_client(base_url=dial_url, bearer_token=BEARER, max_retries=0)
    for c in (by_key, by_token):
        ids = [d.id for d in c.deployments.list()]
        assert "gpt-4" in ids
        assert c.my_bucket()
        reply = c.chat.completions.create(
            deployment_name="gpt-4", messages=[{"role": "user", "content": "6*7="}], stream=False
        )
        assert reply.choices[0].message.content == "42"
    assert by_key.my_bucket() == by_token.my_bucket(), "same user, same bucket"


def test_unknown_key_is_401(dial_url: str) -> None:
    with pytest.raises(DialException) as err:
        client(dial_url, api_key="wrong-key").deployments.list()
    assert err.value.status_code == 401


def test_async_client_and_pool(dial_url: str) -> None:
    """The README's async flows: AsyncDial (with an async key provider) and
    AsyncDialClientPool list deployments, stream a chat and round-trip a file."""
    import asyncio

    from aidial_client import AsyncDial, AsyncDialClientPool

    async def key() -> str:
        return API_KEY

    async def flow(c) -> None:
        ids = [d.id for d in await c.deployments.list()]
        assert ids == ["gpt-4", "gpt-4o"]
        stream = await c.chat.completions.create(
            deployment_name="gpt-4", messages=[{"role": "user", "content": "async words arrive"}], stream=True
        )
        text = ""
        async for chunk in stream:
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
        assert text == "async words arrive"
        home = await c.my_files_home()
        url = str(home / "async" / "a b.txt")
        await c.files.upload(url=url, file=("a b.txt", b"async", "text/plain"))
        assert (await c.files.download(url)).get_content() == b"async"
        await c.files.delete(url)

    async def main() -> None:
        await flow(AsyncDial(base_url=dial_url, api_key=key, max_retries=0))
        pool = AsyncDialClientPool()
        await flow(pool.create_client(base_url=dial_url, bearer_token=BEARER, max_retries=0))

    asyncio.run(main())
