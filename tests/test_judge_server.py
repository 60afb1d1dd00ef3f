"""The local judge server refuses what would hold it: invalid and over-context requests (400),
silent and surplus connections, abandoned requests; and it queues a burst of clients.

The server runs in this process on a thread (``make_server``), serving the embedded tiny model
(``tiny_judge_model``) for real; clients are raw sockets and urllib. Before these bounds a 1 MB
prompt was still generating after 8 minutes, ``[``×100K and ``max_tokens: 1e999`` dropped the
connection without a reply, temperature NaN was accepted, 100 concurrent clients met 58 connection
resets, and abandoned requests each generated in turn.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from commerce_grpo.judge_server import ChatModel, load, make_server

PROMPT = [{"role": "user", "content": "Oi"}]


@pytest.fixture(scope="module")
def chat(tiny_judge_model):
    model, tokenizer = load(tiny_judge_model)
    return ChatModel(model, tokenizer, "tiny")


@pytest.fixture
def serving(chat):
    """Start a server for ``chat`` with the given limits; yields a factory returning its base URL."""
    servers = []

    def start(connection_timeout_s: float = 5.0, max_connections: int = 32) -> str:
        server = make_server(chat, host="127.0.0.1", port=0, connection_timeout_s=connection_timeout_s,
                             max_connections=max_connections)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    chat.generations = chat.skipped = 0
    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def post(url: str, body: bytes | dict, timeout: float = 30.0) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/v1/chat/completions", data=data,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def raw_request(port: int, body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(data)) + data


def test_a_prompt_beyond_the_context_is_refused_before_generating(serving, chat):
    url = serving()
    start = time.monotonic()
    status, answer = post(url, {"messages": [{"role": "user", "content": "palavra " * 3000}], "max_tokens": 8})
    assert status == 400 and f"context of {chat.context} positions" in answer["error"]["message"]
    status, answer = post(url, {"messages": PROMPT, "max_tokens": chat.context})  # fits alone, not with the prompt
    assert status == 400 and "plus max_tokens" in answer["error"]["message"]
    assert time.monotonic() - start < 10 and chat.generations == 0
    assert post(url, {"messages": PROMPT, "max_tokens": 4})[0] == 200 and chat.generations == 1


@pytest.mark.parametrize("body, message", [
    (b"[" * 100_000, "nests too deeply"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "max_tokens": 1e999}', "'max_tokens' must be an integer"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "temperature": NaN}', "NaN is not a JSON number"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "temperature": 1e999}', "'temperature' must be a finite"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "temperature": -0.5}', "'temperature' must be in 0..2"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "temperature": "0"}', "'temperature' must be a finite"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "top_p": 0}', "'top_p' must be in (0, 1]"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "top_p": 1.5}', "'top_p' must be in (0, 1]"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "max_tokens": true}', "'max_tokens' must be an integer"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "max_tokens": 0}', "'max_tokens' must be in 1..2048"),
    (b'{"messages": [{"role": "user", "content": "Oi"}], "stream": true}', "'stream' is not supported"),
    (b'{"messages": []}', "'messages' must be a non-empty list"),
    (b"\xff\xfe not utf-8", "utf-8"),
    (b"[1, 2]", "must be a JSON object"),
    (b"{not json", "Expecting property name"),
])
def test_every_invalid_request_is_answered_400(serving, chat, body, message):
    url = serving()
    status, answer = post(url, body)
    assert status == 400 and message in answer["error"]["message"], answer
    assert chat.generations == 0
    with urllib.request.urlopen(f"{url}/health", timeout=10) as response:  # still serving
        assert json.loads(response.read())["status"] == "ok"


def test_abandoned_requests_are_not_generated(serving, chat):
    url = serving()
    port = int(url.rsplit(":", 1)[1])
    clients = []
    with chat._lock:  # a long generation holds the model
        for i in range(5):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(raw_request(port, {"messages": [{"role": "user", "content": f"pedido {i}"}],
                                            "max_tokens": 64}))
            clients.append(sock)
        deadline = time.monotonic() + 30
        while chat.pending < 5:
            assert time.monotonic() < deadline, f"{chat.pending} requests reached the model"
            time.sleep(0.02)
        for sock in clients:  # the clients give up (their own timeout)
            sock.close()
        time.sleep(0.1)
    status, _ = post(url, {"messages": PROMPT, "max_tokens": 4})
    assert status == 200
    deadline = time.monotonic() + 30
    while chat.pending:  # the abandoned ones may take the model after the fresh one
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert (chat.skipped, chat.generations) == (5, 1)


def test_a_silent_connection_is_closed_and_surplus_ones_are_refused(serving):
    url = serving(connection_timeout_s=0.5, max_connections=2)
    port = int(url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    idle[0].sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")  # half a request
    time.sleep(0.1)
    # Both slots are held: the next connection is answered 503 at once, without a thread.
    status, answer = post(url, {"messages": PROMPT, "max_tokens": 4}, timeout=5)
    assert status == 503 and "too many open connections" in answer["error"]["message"]
    # The silent ones are closed at the connection timeout ...
    for sock in idle:
        sock.settimeout(5)
        start = time.monotonic()
        while sock.recv(65536):  # drain whatever the server said before closing
            pass
        assert time.monotonic() - start < 2.0
        sock.close()
    time.sleep(0.1)
    # ... which frees their slots.
    assert post(url, {"messages": PROMPT, "max_tokens": 4})[0] == 200


def test_a_burst_of_clients_is_queued_not_reset(chat):
    """100 clients connect while the server is not accepting yet (busy): the kernel queues them all
    in the listen backlog (http.server's default of 5 would leave 94 connects hanging), then each
    is served."""
    server = make_server(chat, host="127.0.0.1", port=0, connection_timeout_s=5.0, max_connections=128)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def connect(_):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=0.5)
        except OSError as err:
            return err

    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            clients = list(pool.map(connect, range(100)))
        refused = [c for c in clients if not isinstance(c, socket.socket)]
        assert not refused, f"{len(refused)} of 100 connects failed: {refused[:2]}"
        thread.start()
        for sock in clients:
            sock.settimeout(30)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answers = []
        for sock in clients:
            with sock, sock.makefile("rb") as reply:
                answers.append(reply.readline().split()[1])
        assert answers == [b"200"] * 100
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()
