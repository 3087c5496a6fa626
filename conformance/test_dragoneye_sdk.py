"""Dragoneye: the official dragoneye-python 2.0.0 runs its README flow against our emulator.

What the SDK sends and expects is in conformance/wire/dragoneye.md: begin (form-urlencoded,
X-API-Key), a multipart POST to the presigned URL (policy fields first, file last, no API
key), predict, status polled every second, results as a STORED ZIP of Parquet files with
X-Original-File-Name / X-Frames-Per-Second. The emulator validates every request and its
own responses against specs/dragoneye.yaml; the harness fails a test on any violation.

The emulator's built-in models: recognize_anything/demo (any unknown model) returns the
README example detections; recognize_anything/fail fails; recognize_anything/slow never
finishes.
"""

import asyncio
import json
import os
import struct
import subprocess
from pathlib import Path

import pytest
from dragoneye import Dragoneye, Image, Video
from dragoneye.types.exception import (
    PredictionTaskBeginError,
    PredictionTaskError,
    PredictionTaskResultsUnavailableError,
    PredictionTimeoutException,
)

API_KEY = "dragoneyetest-api-key"  # dragoneyetest.APIKey
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x07" * 2000
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x09" * 5000


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def resultjson(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("bin") / "resultjson"
    subprocess.run(["go", "build", "-o", str(out), "./pkg/dragoneye/internal/resultjson"], cwd=REPO, check=True)
    return str(out)


def go_result(resultjson: str, kind: str, url: str, task: str) -> dict:
    """The Go client's result for a finished task, as JSON."""
    env = dict(os.environ, DRAGONEYE_API_KEY=API_KEY)
    out = subprocess.run([resultjson, "fetch", kind, url, task], check=True, capture_output=True, env=env)
    return json.loads(out.stdout)


def f32(v):
    """Round every float to float32 (the wire type), recursively."""
    if isinstance(v, dict):
        return {k: f32(x) for k, x in v.items()}
    if isinstance(v, list):
        return [f32(x) for x in v]
    if isinstance(v, float):
        return struct.unpack("f", struct.pack("f", v))[0]
    return v


def client(url: str, key: str = API_KEY) -> Dragoneye:
    return Dragoneye(api_key=key, base_api_url=url, max_retries=2, max_backoff_time=5)


def run(coro):
    return asyncio.run(coro)


def test_predict_image(dragoneye_url: str, resultjson: str) -> None:
    c = client(dragoneye_url)
    res = run(c.classification.predict_image(Image.from_bytes(JPEG, "image/jpeg", name="house.jpg"),
                                             model_name="recognize_anything/demo"))
    assert res.original_file_name == "house.jpg"
    assert len(res.objects) == 1
    obj = res.objects[0]
    assert obj.object_id == 1
    assert obj.bbox_observation.bbox_score == pytest.approx(0.94, abs=1e-6)
    assert obj.bbox_observation.normalized_bbox == pytest.approx((0.12, 0.25, 0.55, 0.78), abs=1e-6)
    cat = obj.categories[0]
    assert (cat.category_id, cat.name) == (2084323334, "House (detached)")
    attr = cat.attributes[0]
    assert (attr.attribute_id, attr.option_id, attr.option_name) == (1371766615, 3498033303, "White / Off-white")
    assert attr.score == pytest.approx(0.85, abs=1e-6)

    status = run(c.classification.status(res.prediction_task_uuid))
    assert status.status == "predicted"
    assert status.prediction_type == "image"
    again = run(c.classification.get_image_results(res.prediction_task_uuid))
    assert again == res
    # Our Go client reads the same task into the same JSON.
    assert f32(go_result(resultjson, "image", dragoneye_url, res.prediction_task_uuid)) == f32(res.model_dump(mode="json"))


def test_predict_video(dragoneye_url: str, resultjson: str) -> None:
    c = client(dragoneye_url)
    res = run(c.classification.predict_video(Video.from_bytes(MP4, "video/mp4", name="street.mp4"),
                                             model_name="recognize_anything/demo", frames_per_second=1))
    assert res.frames_per_second == 1
    assert res.original_file_name == "street.mp4"
    assert res.frame_timestamps_microseconds == [0, 1_000_000, 2_000_000, 3_000_000]
    obj = res.objects[0]
    assert [(t.timestamp_start_us_inclusive, t.timestamp_end_us_inclusive) for t in obj.timestamp_ranges] == [(0, 3_000_000)]
    assert [o.timestamp_microseconds for o in obj.bbox_observations] == [0, 1_000_000, 2_000_000, 3_000_000]
    assert obj.bbox_observations[2].observation is None  # the gap frame
    assert obj.bbox_observations[0].observation.bbox_score == pytest.approx(0.94, abs=1e-6)
    ranges = obj.categories[0].attributes[0].timestamp_ranges
    assert ranges[0].score == pytest.approx(0.85, abs=1e-6)

    again = run(c.classification.get_video_results(res.prediction_task_uuid))
    assert again == res
    assert f32(go_result(resultjson, "video", dragoneye_url, res.prediction_task_uuid)) == f32(res.model_dump(mode="json"))


def test_failed_task(dragoneye_url: str) -> None:
    c = client(dragoneye_url)
    with pytest.raises(PredictionTaskError, match="failed_prediction"):
        run(c.classification.predict_image(Image.from_bytes(JPEG, "image/jpeg"), model_name="recognize_anything/fail"))


def test_timeout(dragoneye_url: str) -> None:
    c = client(dragoneye_url)
    with pytest.raises(PredictionTimeoutException):
        run(c.classification.predict_image(Image.from_bytes(JPEG, "image/jpeg"), model_name="recognize_anything/slow",
                                           timeout_seconds=1))


def test_bad_key_and_bad_requests(dragoneye_url: str) -> None:
    with pytest.raises(PredictionTaskBeginError):
        run(client(dragoneye_url, key="wrong").classification.predict_image(
            Image.from_bytes(JPEG, "image/jpeg"), model_name="recognize_anything/demo"))
    c = client(dragoneye_url)
    # Results of a task that does not exist are unavailable.
    with pytest.raises(PredictionTaskResultsUnavailableError):
        run(c.classification.get_image_results("00000000-0000-4000-8000-000000000000"))


def test_rate_limited_calls_are_retried(dragoneye_url: str, emulator) -> None:
    # One 429 on begin and one on status: the SDK backs off (full jitter from 1 s) and
    # goes on, as its backoff policy says.
    emulator.inject_fault("dragoneye", {"method": "POST", "path": "/prediction-task/begin", "nth": 1, "status": 429})
    emulator.inject_fault("dragoneye", {"method": "GET", "path": "/prediction-task/status", "nth": 1, "status": 429})
    emulator.clear_requests("dragoneye")
    try:
        c = client(dragoneye_url)
        res = run(c.classification.predict_image(Image.from_bytes(JPEG, "image/jpeg"), model_name="recognize_anything/demo"))
        assert len(res.objects) == 1
        paths = [r["path"] for r in emulator.requests("dragoneye")]
        assert paths.count("/prediction-task/begin") == 2, paths
        assert paths.count("/prediction-task/status") >= 2, paths
    finally:
        emulator.clear_faults("dragoneye")
