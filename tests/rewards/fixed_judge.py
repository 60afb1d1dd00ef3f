"""A real HTTP server on 127.0.0.1 that answers /v1/chat/completions with fixed content.

Not a mock: the judge client goes through sockets, HTTP and JSON exactly as with vLLM; only the
"model" is a function of the request. Records every request and the peak number in flight.
"""
from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FixedJudge:
    """``answer(request_body) -> (status, content or raw body str)``; ``delay_s`` before answering."""

    def __init__(self, answer, delay_s: float = 0.0):
        self.answer, self.delay_s = answer, delay_s
        self.requests: list[dict] = []
        self.in_flight = self.peak = 0
        self.lock = threading.Lock()

    def handler(self):
        judge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with judge.lock:
                    judge.requests.append(body)
                    judge.in_flight += 1
                    judge.peak = max(judge.peak, judge.in_flight)
                try:
                    time.sleep(judge.delay_s)
                    status, content = judge.answer(body)
                finally:
                    # Out of flight before the answer is sent: once the client has it, it may send
                    # its next request, which must not find this one still counted.
                    with judge.lock:
                        judge.in_flight -= 1
                raw = content if status != 200 or content.startswith("RAW:") else json.dumps(
                    {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
                data = raw.removeprefix("RAW:").encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextlib.contextmanager
def fixed_judge(answer, delay_s: float = 0.0):
    """Serve ``answer`` on an ephemeral port; yields (FixedJudge, base_url)."""
    judge = FixedJudge(answer, delay_s)
    server = ThreadingHTTPServer(("127.0.0.1", 0), judge.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield judge, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def full_marks(body) -> tuple[int, str]:
    """Every positive item 10, every negative item 0, for whatever rubric the request carries."""
    text = body["messages"][-1]["content"]
    ids = [line.split(":")[0] for line in text.splitlines() if line[:1] in "PN" and line[1:2].isdigit()]
    return 200, json.dumps({i: (10 if i.startswith("P") else 0) for i in ids})


def free_port() -> int:
    """A port nothing listens on (bound then released): calls to it are refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
