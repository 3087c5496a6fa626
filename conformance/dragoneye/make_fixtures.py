"""Write Dragoneye results fixtures with polars, the service's likely writer.

Reads a JSON description (cases.json) and writes, per case, <name>.zip: a
STORED ZIP with predictions.parquet (the v2 object-forward schema,
ZSTD-compressed, as the official dragoneye-python 2.0.0 documents it) and,
for videos, frame_timestamps.parquet. Also writes <name>.json: the
description with generated cases expanded (the expected decoding, before
null lists become empty ones).

Usage: python make_fixtures.py [--cases cases.json] [--only NAME ...] OUT_DIR
       python make_fixtures.py --bench OBJECTS FRAMES OUT_FILE   (every object tracked in every frame)
"""

import argparse
import io
import json
import random
import sys
import zipfile
from pathlib import Path

import polars as pl

TR = pl.List(pl.Struct({"timestamp_start_us_inclusive": pl.Int64, "timestamp_end_us_inclusive": pl.Int64}))
STR = pl.List(pl.Struct({"timestamp_start_us_inclusive": pl.Int64, "timestamp_end_us_inclusive": pl.Int64, "score": pl.Float32}))
OBS = pl.List(pl.Struct({"timestamp_microseconds": pl.Int64, "normalized_bbox": pl.Array(pl.Float32, 4), "bbox_score": pl.Float32}))
ATTR = pl.List(pl.Struct({"attribute_id": pl.Int64, "attribute_name": pl.String, "option_id": pl.Int64, "option_name": pl.String, "timestamp_ranges": STR}))
CAT = pl.List(pl.Struct({"category_id": pl.Int64, "name": pl.String, "score": pl.Float32, "attributes": ATTR}))
SCHEMA = {"object_id": pl.Int64, "timestamp_ranges": TR, "bbox_observations": OBS, "categories": CAT}
FRAMES_SCHEMA = {"timestamp_microseconds": pl.Int64, "image_id": pl.String}


def generate(objects, frames, seed, fps=1, full=False):
    """A long synthetic video: tracks of random length with gap frames and
    attribute option changes."""
    rnd = random.Random(seed)
    step = 1_000_000 // fps
    timeline = [i * step for i in range(frames)]
    names = [(3_000_000_000 + i, f"Category {i}") for i in range(20)]
    out = []
    for oid in range(objects):
        if full:  # tracked over the whole video
            start, end = 0, frames - 1
        else:
            start = rnd.randrange(0, max(1, frames // 2))
            end = rnd.randrange(start, frames)
        obs = []
        for f in range(start, end + 1):
            if rnd.random() < 0.05:
                obs.append({"timestamp_microseconds": timeline[f], "observation": None})
            else:
                x, y = rnd.random() * 0.5, rnd.random() * 0.5
                obs.append({"timestamp_microseconds": timeline[f],
                            "observation": {"normalized_bbox": [x, y, x + 0.3, y + 0.4], "bbox_score": rnd.random()}})
        cats = []
        for cid, cname in rnd.sample(names, rnd.randint(1, 3)):
            attrs = []
            for a in range(rnd.randint(0, 3)):
                mid = rnd.randrange(start, end + 1)
                attrs.append({"attribute_id": 2_500_000_000 + a, "attribute_name": f"Attribute {a}",
                              "option_id": 4_000_000_000 + a * 10, "option_name": "first",
                              "timestamp_ranges": [{"timestamp_start_us_inclusive": timeline[start], "timestamp_end_us_inclusive": timeline[mid], "score": rnd.random()}]})
                attrs.append({"attribute_id": 2_500_000_000 + a, "attribute_name": f"Attribute {a}",
                              "option_id": 4_000_000_000 + a * 10 + 1, "option_name": "second",
                              "timestamp_ranges": [{"timestamp_start_us_inclusive": timeline[mid], "timestamp_end_us_inclusive": timeline[end], "score": rnd.random()}]})
            cats.append({"category_id": cid, "name": cname, "score": rnd.random(), "attributes": attrs})
        out.append({"object_id": 10_000_000_000 + oid,
                    "timestamp_ranges": [{"timestamp_start_us_inclusive": timeline[start], "timestamp_end_us_inclusive": timeline[end]}],
                    "bbox_observations": obs, "categories": cats})
    return {"kind": "video", "frame_timestamps_microseconds": timeline, "objects": out}


def _video_row(o):
    obs = o.get("bbox_observations")
    if obs is not None:
        obs = [{"timestamp_microseconds": b["timestamp_microseconds"],
                "normalized_bbox": (b["observation"] or {}).get("normalized_bbox"),
                "bbox_score": (b["observation"] or {}).get("bbox_score")} for b in obs]
    return {"object_id": o["object_id"], "timestamp_ranges": o.get("timestamp_ranges"),
            "bbox_observations": obs, "categories": o.get("categories")}


def _image_row(o):
    cats = o.get("categories")
    if cats is not None:
        cats = [dict(c, attributes=None if c.get("attributes") is None else [
            {k: v for k, v in a.items() if k != "score"} | {"timestamp_ranges": [
                {"timestamp_start_us_inclusive": 0, "timestamp_end_us_inclusive": 0, "score": a["score"]}]}
            for a in c["attributes"]]) for c in cats]
    b = o["bbox_observation"]
    return {"object_id": o["object_id"],
            "timestamp_ranges": [{"timestamp_start_us_inclusive": 0, "timestamp_end_us_inclusive": 0}],
            "bbox_observations": [{"timestamp_microseconds": 0, "normalized_bbox": b["normalized_bbox"], "bbox_score": b["bbox_score"]}],
            "categories": cats}


def parquet_bytes(df, **write_opts):
    """write_opts go to polars' write_parquet (default: ZSTD, as the service
    documents); other codecs, row group and page sizes vary the layout."""
    buf = io.BytesIO()
    df.write_parquet(buf, **({"compression": "zstd"} | write_opts))
    return buf.getvalue()


def archive(case, **write_opts):
    rows = [(_image_row if case["kind"] == "image" else _video_row)(o) for o in case["objects"]]
    members = {"predictions.parquet": parquet_bytes(pl.DataFrame(rows, schema=SCHEMA), **write_opts)}
    if case["kind"] == "video":
        ts = case.get("frame_timestamps_microseconds") or []
        frames = pl.DataFrame({"timestamp_microseconds": ts, "image_id": [f"frame_{i:06d}" for i in range(len(ts))]}, schema=FRAMES_SCHEMA)
        members["frame_timestamps.parquet"] = parquet_bytes(frames, **write_opts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def expand(case):
    if "generate" in case:
        g = case["generate"]
        return dict(case, **generate(g["objects"], g["frames"], g.get("seed", 1)))
    return case


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--cases", default=str(Path(__file__).with_name("cases.json")))
    p.add_argument("--only", nargs="*")
    p.add_argument("--bench", nargs=3, metavar=("OBJECTS", "FRAMES", "OUT_FILE"))
    p.add_argument("out", nargs="?")
    a = p.parse_args(argv)
    if a.bench:
        case = generate(int(a.bench[0]), int(a.bench[1]), seed=1, full=True)
        Path(a.bench[2]).write_bytes(archive(case))
        return
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for case in json.loads(Path(a.cases).read_text())["cases"]:
        if a.only and case["name"] not in a.only:
            continue
        case = expand(case)
        (out / f"{case['name']}.zip").write_bytes(archive(case))
        (out / f"{case['name']}.json").write_text(json.dumps(case))


if __name__ == "__main__":
    main(sys.argv[1:])
