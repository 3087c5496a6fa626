"""Time the official dragoneye-python 2.0.0 deserializer against our Go decoder on the
same results file (not part of `make test`: it takes about a minute).

Writes a 2,000-object x 300-frame video result with polars (make_fixtures.py --bench),
times split_prediction_archive + deserialize_object_forward_video_predictions +
deserialize_video_frame_timestamps (median of --runs), then runs
BenchmarkDecodeVideoLarge on the same file (-count --runs) and prints both, with a last
"RESULT key=value ..." line that bench/cmd/benchpeers (make bench-peers) reads.

Usage (from the repo root): .venv/bin/python conformance/dragoneye/bench.py [--runs N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import make_fixtures  # noqa: E402

from dragoneye.parquet_deserializer import (  # noqa: E402
    deserialize_object_forward_video_predictions,
    deserialize_video_frame_timestamps,
    split_prediction_archive,
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--objects", type=int, default=2000)
    p.add_argument("--frames", type=int, default=300)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.zip"
        case = make_fixtures.generate(a.objects, a.frames, seed=1, full=True)
        path.write_bytes(make_fixtures.archive(case))
        body = path.read_bytes()
        print(f"file: {len(body) / 2**20:.1f} MiB, {a.objects} objects x {a.frames} frames")
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            members = split_prediction_archive(body)
            objs = deserialize_object_forward_video_predictions(members["predictions.parquet"])
            deserialize_video_frame_timestamps(members["frame_timestamps.parquet"])
            times.append(time.perf_counter() - t)
        py = statistics.median(times)
        print(f"official dragoneye-python 2.0.0: median {py * 1000:.0f} ms, best {min(times) * 1000:.0f} ms of {a.runs} ({len(objs)} objects)")
        env = dict(os.environ, DRAGONEYE_BENCH_FILE=str(path))
        out = subprocess.run(["go", "test", "-run", "^$", "-bench", "DecodeVideoLarge", "-benchmem", "-count", str(a.runs), "./pkg/dragoneye/"],
                             cwd=REPO, env=env, check=True, capture_output=True, text=True).stdout
        lines = [ln for ln in out.splitlines() if ln.startswith("BenchmarkDecodeVideoLarge")]
        for ln in lines:
            print("Go pkg/dragoneye:", ln)
        ns = statistics.median(float(ln.split()[2]) for ln in lines)
        peak = statistics.median(float(ln.split()[ln.split().index("peak-heap-MB") - 1]) for ln in lines)
        print(f"speed-up (medians): {py * 1e9 / ns:.0f}x")
        print(f"RESULT python_ms={py * 1000:.1f} go_ms={ns / 1e6:.1f} go_peak_heap_mb={peak:.1f}")

if __name__ == "__main__":
    main()
