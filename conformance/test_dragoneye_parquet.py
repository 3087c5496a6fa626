"""Dragoneye results cross-check: three readers and two writers must agree.

For every case of conformance/dragoneye/cases.json (gap frames, empty and null
lists, ids above 2^31 and 2^53, an empty result, a long video):

* polars (the service's likely writer, pinned in requirements.txt) writes the
  results archive (conformance/dragoneye/make_fixtures.py);
* the emulator's writer (pkg/dragoneye/dragoneyetest) writes it too, via the
  Go helper pkg/dragoneye/internal/resultjson;
* our Go decoder (pkg/dragoneye) and the official dragoneye-python 2.0.0
  deserializer read both archives.

All four readings must equal the description, after null lists become empty
lists, frame timestamps are sorted and every float is rounded to float32.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dragoneye.parquet_deserializer import (
    deserialize_object_forward_image_predictions,
    deserialize_object_forward_video_predictions,
    deserialize_video_frame_timestamps,
    split_prediction_archive,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "dragoneye"))
import make_fixtures  # noqa: E402

CASES = json.loads((HERE / "dragoneye" / "cases.json").read_text())["cases"]


@pytest.fixture(autouse=True)
def _emulator_violations():
    """Overrides conftest's autouse fixture: these checks run no emulator
    process (the emulator's writer is called through the Go helper), so they
    need no EMULATOR_BIN."""
    yield None


@pytest.fixture(scope="session")
def resultjson(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("bin") / "resultjson"
    subprocess.run(["go", "build", "-o", str(out), "./pkg/dragoneye/internal/resultjson"],
                   cwd=REPO, check=True)
    return str(out)


def f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def normalise(v, key=""):
    """Null lists -> [], floats -> float32, sorted frame timestamps."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if x is None and k in LIST_KEYS:
                x = []
            out[k] = normalise(x, k)
        if "frame_timestamps_microseconds" in out:
            out["frame_timestamps_microseconds"] = sorted(out["frame_timestamps_microseconds"])
        return out
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, float):
        return f32(v)
    return v


LIST_KEYS = {"timestamp_ranges", "bbox_observations", "categories", "attributes", "objects",
             "frame_timestamps_microseconds"}


def official(kind: str, body: bytes) -> dict:
    members = split_prediction_archive(body)
    pred = members["predictions.parquet"]
    if kind == "image":
        objs = deserialize_object_forward_image_predictions(pred)
        return {"objects": [o.model_dump(mode="json") for o in objs]}
    objs = deserialize_object_forward_video_predictions(pred)
    ts = members.get("frame_timestamps.parquet")
    return {"objects": [o.model_dump(mode="json") for o in objs],
            "frame_timestamps_microseconds": deserialize_video_frame_timestamps(ts) if ts else []}


def ours(resultjson: str, kind: str, path: Path) -> dict:
    out = subprocess.run([resultjson, "decode", kind, str(path)], check=True, capture_output=True)
    return json.loads(out.stdout)


def expected(case: dict) -> dict:
    want = {"objects": case["objects"]}
    if case["kind"] == "video":
        want["frame_timestamps_microseconds"] = case.get("frame_timestamps_microseconds") or []
    return normalise(want)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_readers_and_writers_agree(case: dict, tmp_path: Path, resultjson: str) -> None:
    case = make_fixtures.expand(case)
    kind = case["kind"]
    want = expected(case)

    polars_zip = tmp_path / "polars.zip"
    polars_zip.write_bytes(make_fixtures.archive(case))
    desc = tmp_path / "case.json"
    desc.write_text(json.dumps(case))
    emulator_zip = tmp_path / "emulator.zip"
    subprocess.run([resultjson, "encode", str(desc), str(emulator_zip)], check=True)

    for name, path in (("polars", polars_zip), ("emulator", emulator_zip)):
        got_official = normalise(official(kind, path.read_bytes()))
        got_ours = normalise(ours(resultjson, kind, path))
        assert got_official == want, f"official SDK reading the {name} archive"
        assert got_ours == want, f"Go decoder reading the {name} archive"


# Other layouts polars writes: every codec it offers, and many small row
# groups and pages (levels continued across page and row-group boundaries).
LAYOUTS = {
    "snappy": {"compression": "snappy"},
    "gzip": {"compression": "gzip"},
    "brotli": {"compression": "brotli"},
    "uncompressed": {"compression": "uncompressed"},
    "zstd-small-groups-and-pages": {"compression": "zstd", "row_group_size": 2, "data_page_size": 64},
    "snappy-small-groups-and-pages": {"compression": "snappy", "row_group_size": 3, "data_page_size": 128},
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_polars_layouts_decode_alike(case: dict, layout: str, tmp_path: Path, resultjson: str) -> None:
    case = make_fixtures.expand(case)
    want = expected(case)
    path = tmp_path / "polars.zip"
    path.write_bytes(make_fixtures.archive(case, **LAYOUTS[layout]))
    assert normalise(official(case["kind"], path.read_bytes())) == want, "official SDK"
    assert normalise(ours(resultjson, case["kind"], path)) == want, "Go decoder"


def test_polars_lz4_is_refused_not_misread(tmp_path: Path, resultjson: str) -> None:
    """parquet-go v0.32 mis-decodes LZ4_RAW pages compressed less than 3:1;
    our decoder refuses them with an error rather than returning wrong
    values."""
    case = make_fixtures.expand(next(c for c in CASES if c["name"] == "video"))
    path = tmp_path / "lz4.zip"
    path.write_bytes(make_fixtures.archive(case, compression="lz4"))
    out = subprocess.run([resultjson, "decode", "video", str(path)], capture_output=True, text=True)
    if out.returncode == 0:
        assert normalise(json.loads(out.stdout)) == expected(case)
    else:
        assert "LZ4_RAW" in out.stderr
