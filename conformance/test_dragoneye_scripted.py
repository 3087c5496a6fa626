"""Dragoneye: predictions scripted over HTTP, read by the official dragoneye-python.

The emulator's admin endpoint POST /_emulator/predictions (harness helper
``Emulator.script_dragoneye_prediction``) scripts what a task returns, per media file name;
frame i of a video is at i * 1e6 / frames_per_second microseconds, so a video sampled at 2
frames per second has frames 0.5 s apart. The harness fails a test on any spec violation.
"""

import asyncio
import urllib.error

import pytest
from dragoneye import Dragoneye, Image, Video

API_KEY = "dragoneyetest-api-key"  # dragoneyetest.APIKey
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x05" * 1000
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x07" * 500


def box(x: float) -> dict:
    return {"normalized_bbox": [x, 0.2, x + 0.25, 0.6], "bbox_score": 0.875}


DOG = {
    "object_id": 42,
    "first_frame": 1,
    "boxes": [box(0.125), box(0.25), None, box(0.5)],
    "categories": [{
        "category_id": 3_000_000_001,
        "name": "Dog",
        "score": 0.75,
        "attributes": [{"attribute_id": 4_000_000_002, "attribute_name": "Breed",
                        "option_id": 5_000_000_003, "option_name": "Corgi", "score": 0.625}],
    }],
}


@pytest.fixture
def scripted(emulator, dragoneye_url):
    emulator.clear_dragoneye_scripts()
    yield emulator
    emulator.clear_dragoneye_scripts()


def client(url: str) -> Dragoneye:
    return Dragoneye(api_key=API_KEY, base_api_url=url, max_retries=2, max_backoff_time=5)


def test_video_at_two_frames_per_second(scripted, dragoneye_url: str) -> None:
    scripted.script_dragoneye_prediction({"objects": [DOG], "frames": 6, "polls": -1},
                                         file_name="dog.mp4", kind="video")
    assert scripted.dragoneye_scripts()[-1]["file_name"] == "dog.mp4"
    res = asyncio.run(client(dragoneye_url).classification.predict_video(
        Video.from_bytes(MP4, "video/mp4", name="dog.mp4"), model_name="recognize_anything/pets",
        frames_per_second=2))
    assert res.frames_per_second == 2
    assert res.original_file_name == "dog.mp4"
    assert res.frame_timestamps_microseconds == [0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000]
    assert len(res.objects) == 1
    dog = res.objects[0]
    assert dog.object_id == 42
    assert [o.timestamp_microseconds for o in dog.bbox_observations] == [500_000, 1_000_000, 1_500_000, 2_000_000]
    assert dog.bbox_observations[2].observation is None  # the gap frame
    first = dog.bbox_observations[0].observation
    assert tuple(first.normalized_bbox) == pytest.approx((0.125, 0.2, 0.375, 0.6), abs=1e-6)
    assert first.bbox_score == 0.875
    assert [(r.timestamp_start_us_inclusive, r.timestamp_end_us_inclusive) for r in dog.timestamp_ranges] == [(500_000, 2_000_000)]
    cat = dog.categories[0]
    assert (cat.category_id, cat.name, cat.score) == (3_000_000_001, "Dog", 0.75)
    attr = cat.attributes[0]
    assert (attr.attribute_id, attr.option_id, attr.option_name) == (4_000_000_002, 5_000_000_003, "Corgi")
    assert [(r.timestamp_start_us_inclusive, r.timestamp_end_us_inclusive, r.score) for r in attr.timestamp_ranges] == [
        (500_000, 2_000_000, 0.625)]


def test_default_video_follows_frames_per_second(scripted, dragoneye_url: str) -> None:
    res = asyncio.run(client(dragoneye_url).classification.predict_video(
        Video.from_bytes(MP4, "video/mp4", name="unscripted.mp4"), model_name="recognize_anything/demo",
        frames_per_second=2))
    assert res.frame_timestamps_microseconds == [0, 500_000, 1_000_000, 1_500_000]
    assert [o.timestamp_microseconds for o in res.objects[0].bbox_observations] == [0, 500_000, 1_000_000, 1_500_000]


def test_scripted_image_and_refused_script(scripted, dragoneye_url: str) -> None:
    scripted.script_dragoneye_prediction({"objects": [DOG]}, file_name="dog.jpg")
    res = asyncio.run(client(dragoneye_url).classification.predict_image(
        Image.from_bytes(JPEG, "image/jpeg", name="dog.jpg"), model_name="recognize_anything/pets"))
    assert [o.object_id for o in res.objects] == [42]
    assert res.objects[0].categories[0].attributes[0].score == 0.625

    with pytest.raises(urllib.error.HTTPError) as err:
        scripted.script_dragoneye_prediction({"objects": [{"boxes": []}]})
    assert err.value.code == 400
    assert "boxes must not be empty" in err.value.read().decode()


def test_results_call_is_the_same_for_both_kinds(scripted, dragoneye_url: str) -> None:
    """The results request does not say which kind is expected, and the service answers alike:
    dragoneye-python's get_video_results on an image task fails on the missing
    X-Frames-Per-Second header, get_image_results on a video task reads the first frames (our
    Go client says which kind the task is instead: TestResultsOfTheWrongKind)."""
    from dragoneye.types.exception import PredictionTaskResultsUnavailableError

    c = client(dragoneye_url).classification
    img = asyncio.run(c.predict_image(Image.from_bytes(JPEG, "image/jpeg", name="a.jpg"),
                                      model_name="recognize_anything/demo"))
    with pytest.raises(PredictionTaskResultsUnavailableError, match="X-Frames-Per-Second"):
        asyncio.run(c.get_video_results(img.prediction_task_uuid))
    vid = asyncio.run(c.predict_video(Video.from_bytes(MP4, "video/mp4", name="v.mp4"),
                                      model_name="recognize_anything/demo", frames_per_second=2))
    as_image = asyncio.run(c.get_image_results(vid.prediction_task_uuid))
    assert [o.object_id for o in as_image.objects] == [o.object_id for o in vid.objects]
