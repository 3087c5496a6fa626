#!/usr/bin/env python3
"""A stand-in for cmd/emulator, used only by test_harness.py to test the harness itself.

Speaks the same process protocol (`-service all -addr 127.0.0.1:0`, one `<service> <url>`
line per service, then `ready`) and the admin endpoints GET/DELETE /_emulator/violations.
FAKE_EMULATOR_SERVICES (comma list, default "dial") says which services it "registers";
empty: it exits like cmd/emulator with an empty registry.
Every service answers GET /openai/deployments with one deployment; a request carrying the
header `X-Fake-Violation: <text>` records a violation with that message, as a real
emulator does for a request that breaks the spec. FAKE_EMULATOR_MODE=crash exits before
`ready`; =silent never prints `ready`.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(service: str) -> str:
    violations = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status, body=None):
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self):
            msg = self.headers.get("X-Fake-Violation")
            if msg:
                with lock:
                    violations.append({"direction": "request", "operation": "listDeployments",
                                       "method": "GET", "path": self.path, "field": "header",
                                       "message": msg})
            if self.path == "/_emulator/violations":
                with lock:
                    self._send(200, list(violations) if violations else None)
            elif self.path == "/openai/deployments":
                self._send(200, {"object": "list", "data": [
                    {"id": "gpt-4", "object": "model", "model": "gpt-4", "created_at": 1}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_DELETE(self):
            if self.path == "/_emulator/violations":
                with lock:
                    violations.clear()
                self._send(204)
            else:
                self._send(404, {"error": {"message": "not found"}})

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def main() -> int:
    args = sys.argv[1:]
    if args != ["-service", "all", "-addr", "127.0.0.1:0"]:
        print(f"unexpected arguments: {args}", file=sys.stderr)
        return 2
    mode = os.environ.get("FAKE_EMULATOR_MODE", "")
    print("fake emulator starting (a log line the harness must ignore)", flush=True)
    if mode == "crash":
        print("boom", file=sys.stderr, flush=True)
        return 3
    services = [s for s in os.environ.get("FAKE_EMULATOR_SERVICES", "dial").split(",") if s]
    if not services:  # what cmd/emulator does while its registry is empty
        print("emulator: no service available to serve", file=sys.stderr, flush=True)
        return 2
    for service in services:
        print(f"{service} {serve(service)}", flush=True)
    if mode != "silent":
        print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
