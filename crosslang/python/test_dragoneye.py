"""Dragoneye through the client openapi-python-client generated from dist/dragoneye.yaml."""

import time

from conftest import make_client

MODEL = "recognize_anything/demo"  # dragoneyetest.DefaultModel


def test_image_prediction_flow(emulator):
    client = make_client(emulator, "dragoneye")
    from dragoneye_client.api.prediction import begin_prediction_task, get_prediction_task_status, predict
    from dragoneye_client.models import BeginPredictionTaskForm, PredictForm, PredictionTaskBegin, PredictionTaskStatus

    begun = begin_prediction_task.sync(client=client, body=BeginPredictionTaskForm(mimetype="image/png"))
    assert isinstance(begun, PredictionTaskBegin), begun
    task = begun.prediction_task_uuid
    assert begun.signed_urls, "no upload URL"

    # Step 2 goes to the presigned URL exactly as returned (no API key on it).
    import httpx

    post = begun.signed_urls[0].presigned_post_request
    up = httpx.post(post.url, data=dict(post.fields.additional_properties), files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")})
    assert up.status_code < 300, up.text

    started = predict.sync_detailed(client=client, body=PredictForm(model_name=MODEL, prediction_task_uuid=task))
    assert started.status_code == 200, started.content

    deadline = time.monotonic() + 10
    while True:
        status = get_prediction_task_status.sync(client=client, prediction_task_uuid=task)
        assert isinstance(status, PredictionTaskStatus), status
        if status.status == "predicted" or status.status.startswith("failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status.status == "predicted"
