"""inference.sh through the client openapi-python-client generated from dist/infsh.yaml."""

import time

from conftest import make_client

ECHO_APP = "infsh/echo"  # infshtest.AppEcho: output = input


def test_run_app_and_read_task(emulator):
    client = make_client(emulator, "infsh")
    from infsh_client.api.tasks import get_task, run_app
    from infsh_client.models import RunRequest, TaskResponse, TaskResultResponse, TaskStatus

    terminal = {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.REJECTED}

    started = run_app.sync(client=client, body=RunRequest(app=ECHO_APP, input_={"text": "hi"}, wait=False))
    assert isinstance(started, TaskResultResponse), started
    task_id = started.data.id
    assert task_id

    deadline = time.monotonic() + 10
    while True:
        got = get_task.sync(task_id, client=client)
        assert isinstance(got, TaskResponse), got
        assert got.data.id == task_id
        if got.data.status in terminal or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert got.data.status == TaskStatus.COMPLETED, f"task ended in status {got.data.status!r}"


def test_bad_key_is_a_401(emulator):
    client = make_client(emulator, "infsh", raise_on_unexpected_status=False)
    client = client.with_headers({"Authorization": "Bearer wrong"})
    from infsh_client.api.tasks import get_task

    assert get_task.sync_detailed("0" * 26, client=client).status_code == 401
