"""A real TCP server on 127.0.0.1 that answers each HTTP request with whatever bytes a test writes.

For the hostile servers a client must survive (a reply dripped one byte at a time, a reply of
hundreds of megabytes, a connection that never answers): ``http.server`` cannot misbehave that
way. ``reply(conn, request)`` gets the socket and the request's parsed JSON body (or None).
"""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time


def _read_request(conn: socket.socket) -> dict | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return json.loads(body) if body else None


class RawServer:
    def __init__(self, reply):
        self.reply = reply
        self.requests: list = []
        self.sent = 0  # bytes written by send() over all connections
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.sock.getsockname()[1]
        self.closed = threading.Event()

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        with self.lock:
            self.sent += len(data)

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = _read_request(conn)
                with self.lock:
                    self.requests.append(request)
                self.reply(self, conn, request)
            except OSError:  # the client gave up: what these servers are for
                pass


@contextlib.contextmanager
def raw_server(reply):
    """Serve ``reply(server, conn, request)`` on an ephemeral port; yields (RawServer, base_url)."""
    server = RawServer(reply)
    thread = threading.Thread(target=server._serve, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.port}/v1"
    finally:
        server.closed.set()
        try:
            server.sock.shutdown(socket.SHUT_RDWR)  # wakes accept(); close() alone does not
        except OSError:
            pass
        server.sock.close()
        thread.join(timeout=5)


def chat_body(content: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


def drip(interval_s: float, content: str = '{"P1": 5}'):
    """A well-formed reply, one byte every ``interval_s`` (headers included)."""
    def reply(server, conn, request):
        body = chat_body(content)
        data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        for i in range(len(data)):
            server.send(conn, data[i:i + 1])
            time.sleep(interval_s)
    return reply


def huge(declared: bool, size: int = 400 << 20):
    """A ``size``-byte reply streamed as fast as the client reads, with or without Content-Length."""
    def reply(server, conn, request):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Length: %d\r\n\r\n" % size if declared else b"Connection: close\r\n\r\n"
        server.send(conn, head)
        block = b" " * (1 << 16)
        for _ in range(size // len(block)):
            server.send(conn, block)
    return reply
