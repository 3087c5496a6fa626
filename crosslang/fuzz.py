"""`make spec-fuzz`: schemathesis against every emulator of cmd/emulator, with our specs.

For each service cmd/emulator serves, runs `schemathesis run` on dist/<svc>.json (the bundle
`make specs` wrote) against the emulator's URL with the emulator's default credentials,
bounded by --max-examples per operation and phase, and killed (a failure) after --max-time
seconds per service. A service fails when
schemathesis reports a failure or an error (5xx, a response the spec does not allow, bad
input not answered with a 4xx, ...) or when the emulator itself recorded a *response* that
breaks the spec (GET /_emulator/violations; request violations are expected, schemathesis
sends bad input on purpose). Event-stream schemas are restated in schemathesis' terms first
(see sse_for_schemathesis). Services not registered in cmd/emulator yet are skipped with
the reason. Exit status: 0 when every tested service passed, 1 otherwise.

    python crosslang/fuzz.py --emulator bin/crosslang/emulator --dist dist \
        [--max-examples 5] [--max-time 90] [--seed 1] [--service dial ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Dict, List

# The emulator launcher shared with the conformance harness (conformance/harness/emulator.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conformance", "harness"))
from emulator import SERVICES, Emulator, EmulatorError, format_violations, start  # noqa: E402

# Checks switched off for every service, with the reason.
GLOBAL_EXCLUDED_CHECKS: Dict[str, str] = {
    "positive_data_acceptance": (
        "input that is valid by the schema may still name things the emulator does not have "
        "(an unknown deployment, task or run id answers 404), so a 2xx cannot be required"
    ),
}

# Per service: the path the API lives under on the emulator, the credentials the
# emulator accepts by default (pkg/<svc>/<svc>test), and checks switched off with a reason.
SERVICE_CONFIG: Dict[str, Dict] = {
    "dial": {
        "base_path": "",
        "headers": {"api-key": "dialtest-key"},  # dialtest.APIKey
        "excluded_checks": {},
    },
    "infsh": {
        "base_path": "",
        "headers": {"Authorization": "Bearer inf_test_key"},  # infshtest.DefaultAPIKey
        "excluded_checks": {},
    },
    "vectorvein": {
        "base_path": "/api/v1/open-api",  # vectorveintest.APIBasePath, as the spec's server URL
        "headers": {"VECTORVEIN-API-KEY": "vvtest-api-key-0123456789abcdef0"},  # vectorveintest.APIKey
        "excluded_checks": {
            "ignored_auth": (
                "VectorVein answers a missing or wrong API key with HTTP 200 and an error envelope "
                "{status: 403} (documented in specs/vectorvein.yaml), which this check cannot read"
            ),
            "missing_required_header": (
                "the same: a request without VECTORVEIN-API-KEY is answered HTTP 200 with an error "
                "envelope {status: 403}, not a 4xx status line"
            ),
        },
    },
    "dragoneye": {
        "base_path": "",
        "headers": {"X-API-Key": "dragoneyetest-api-key"},  # dragoneyetest.APIKey
        "excluded_checks": {},
    },
}


def sse_for_schemathesis(node) -> int:
    """Rewrite every text/event-stream schema in place for schemathesis; returns how many.

    Our specs (OpenAPI 3.0, which has no rule for event streams) document in `schema` the
    JSON of ONE event's `data:` payload; the emulators and the Go clients read it so.
    schemathesis 4 reads a 3.0 `schema` of text/event-stream as the schema of the event
    OBJECT (`{"data": "<text>", "event": ..., "id": ...}`, OpenAPI 3.2 `itemSchema` style),
    so every correct streamed answer would fail. The rewrite says the same thing in its
    terms: `data` is either the `[DONE]` sentinel or JSON matching our schema
    (contentMediaType/contentSchema, which schemathesis decodes and validates).
    """
    count = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                media = value.get("text/event-stream")
                if isinstance(media, dict) and "schema" in media and "itemSchema" not in media:
                    payload = media["schema"]
                    media["schema"] = {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {
                                "type": "string",
                                "anyOf": [
                                    {"enum": ["[DONE]"]},
                                    {"contentMediaType": "application/json", "contentSchema": payload},
                                ],
                            }
                        },
                    }
                    count += 1
            count += sse_for_schemathesis(value)
    elif isinstance(node, list):
        for item in node:
            count += sse_for_schemathesis(item)
    return count


def run_service(emu: Emulator, service: str, args: argparse.Namespace, st: str) -> bool:
    cfg = SERVICE_CONFIG[service]
    bundle = os.path.abspath(os.path.join(args.dist, f"{service}.json"))
    if not os.path.isfile(bundle):
        print(f"{service}: FAIL: {bundle} is missing (run `make specs`)")
        return False
    # schemathesis and hypothesis keep state (.schemathesis/, .hypothesis/) in the working
    # directory; keep it, and the copy of the spec it reads, next to the emulator binary,
    # under the git-ignored bin/.
    state = os.path.join(os.path.dirname(os.path.abspath(args.emulator)), "fuzz-state")
    os.makedirs(state, exist_ok=True)
    with open(bundle, encoding="utf-8") as f:
        document = json.load(f)
    streams = sse_for_schemathesis(document.get("paths", {})) + sse_for_schemathesis(document.get("components", {}))
    spec = os.path.join(state, f"{service}.json")
    with open(spec, "w", encoding="utf-8") as f:
        json.dump(document, f)
    excluded = dict(GLOBAL_EXCLUDED_CHECKS)
    excluded.update(cfg["excluded_checks"])
    cmd: List[str] = [
        st, "--no-color", "run", spec,
        "--url", emu.urls[service] + cfg["base_path"],
        "--checks", "all",
        "--exclude-checks", ",".join(sorted(excluded)),
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        # No example database: a fresh clone and this machine run the same cases for a seed.
        "--generation-database", "none",
        # One worker: the machine has 2 cores shared with the emulator, and hypothesis'
        # lambda descriptions are not thread-safe on CPython 3.11 (seen as a runtime
        # error "AST constructor recursion depth mismatch" with 2 workers).
        "--workers", "1",
        "--request-timeout", "10",
        # hypothesis' too_slow check measures how fast this machine generates data, not the
        # spec or the emulator: under load (2 cores shared with make test) it once failed
        # dial's truncate_prompt. --max-examples and the process time limit bound the run.
        "--suppress-health-check", "too_slow",
        "--warnings", "off",
    ]
    for name, value in cfg["headers"].items():
        cmd += ["--header", f"{name}: {value}"]
    print(f"== {service}: schemathesis against {emu.urls[service] + cfg['base_path']}", flush=True)
    if streams:
        print(f"   {streams} text/event-stream schema(s) restated as event objects (see sse_for_schemathesis)")
    for check, reason in sorted(excluded.items()):
        print(f"   check {check} off: {reason}")
    emu.clear_violations(service)
    started = time.monotonic()
    env = dict(os.environ, SCHEMATHESIS_TELEMETRY="false")
    # The run is bounded by --max-examples; --max-time is NOT passed to schemathesis (there
    # it is a budget that fuzzing repeats until spent, which makes the cases depend on the
    # machine's speed). The time bound is a hard limit on the process instead.
    try:
        proc = subprocess.run(cmd, env=env, cwd=state, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=args.max_time)
        out, returncode = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode("utf-8", "replace")
        out += (f"\n{service}: schemathesis did not finish within {args.max_time}s "
                "(raise CROSSLANG_FUZZ_TIME or lower CROSSLANG_FUZZ_EXAMPLES)")
        returncode = -1
    elapsed = time.monotonic() - started
    ok = returncode == 0
    if not ok:
        print(out)
    else:
        # The summary lines are enough when everything passed.
        summary = [l for l in out.splitlines() if "generated," in l or l.startswith("=")]
        print("\n".join("   " + l for l in summary[-2:]))
    found = [v for v in emu.violations(service) if v.get("direction") == "response"]
    emu.clear_violations(service)
    if found:
        ok = False
        print(f"{service}: the emulator answered responses that break the spec:")
        print(format_violations(service, found))
    status = "ok" if ok else f"FAIL (schemathesis exit {returncode}, {len(found)} response violation(s))"
    print(f"{service}: {status} in {elapsed:.1f}s", flush=True)
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--emulator", required=True, help="the cmd/emulator binary")
    p.add_argument("--dist", default="dist", help="folder with the bundled specs (make specs)")
    p.add_argument("--max-examples", type=int, default=5, help="test cases per operation and phase")
    p.add_argument("--max-time", type=int, default=90, help="hard time limit per service, seconds")
    p.add_argument("--seed", type=int, default=1, help="random seed (reproducible runs)")
    p.add_argument("--service", action="append", choices=SERVICES, help="only these services")
    args = p.parse_args()

    st = shutil.which("schemathesis", path=os.path.dirname(sys.executable)) or shutil.which("schemathesis")
    if not st:
        print("spec-fuzz: schemathesis is not installed next to this Python")
        return 1
    try:
        emu = start(os.path.abspath(args.emulator))
    except EmulatorError as exc:
        print(f"spec-fuzz: FAIL: cmd/emulator did not start: {exc}")
        return 1
    passed, failed, skipped = [], [], []
    try:
        for service in args.service or SERVICES:
            reason = emu.skip_reason(service)
            if reason:
                print(f"{service}: SKIPPED: {reason}")
                skipped.append(service)
                continue
            (passed if run_service(emu, service, args, st) else failed).append(service)
    finally:
        emu.stop()
    print(f"spec-fuzz: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped"
          + (f" (failed: {', '.join(failed)})" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
