"""A minimal OpenAI-compatible chat server for a local model: the LLM judge without vLLM.

``python -m commerce_grpo.judge_server --model <dir> --port 8000`` serves ``POST /v1/chat/completions``,
``GET /v1/models`` and ``GET /health`` on 127.0.0.1 (``--host`` to change). ``<dir>`` is a base-model
folder of this pipeline (``results/models/base``, with base.json: the embedded tiny model or a
recorded hub id already in the local cache) or any local transformers model folder; the hub is
not contacted (HF_HUB_OFFLINE=1 unless set).

Why our own: ``transformers serve`` needs FastAPI and Uvicorn, which this environment does not ship,
and the judge only needs greedy chat completions. It runs on the standard library's
ThreadingHTTPServer and the project's own generation code (``generation.generate``: decoding only
from the request, never from the checkpoint's generation_config, L-gen-config). Requests are
answered one generation at a time (a lock): a torch model is not safe to call concurrently. For a
real judge on a GPU node use vLLM (docs/sandbox.md, "The LLM judge").

What it refuses, so that no client can hold it (every refusal is a JSON error naming the limit):
- a request that is not valid: any JSON or field error is a 400 (deeply nested JSON, non-finite
  numbers, ``max_tokens`` outside 1..MAX_NEW_TOKENS, ``temperature`` outside 0..2, ``top_p``
  outside (0, 1], ``stream``), never a dropped connection;
- a prompt whose tokens plus ``max_tokens`` exceed the model's context (its
  ``max_position_embeddings``): 400 before any generation;
- a connection silent for ``connection_timeout_s`` is closed; beyond ``max_connections`` open
  connections a new one is answered 503 at once (no thread); the listen backlog is LISTEN_BACKLOG;
- a request whose client went away while it waited for the model is skipped, not generated.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import select
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024  # bytes of a request body
MAX_NEW_TOKENS = 2048  # cap on a request's max_tokens
DEFAULT_MAX_TOKENS = 256  # a request without max_tokens
MAX_TEMPERATURE = 2.0  # OpenAI's range
LISTEN_BACKLOG = 128  # pending connections the kernel queues (http.server's default, 5, reset 58 of 100)
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
         b"Content-Length: 93\r\n\r\n"
         b'{"error": {"message": "too many open connections", "type": "server_busy_error", "code": 503}}')


def load(model_dir: str | Path, *, backend: str = "hf"):
    """(model, tokenizer) in inference mode from a base-model folder or a plain transformers folder."""
    model_dir = Path(model_dir)
    if (model_dir / "base.json").is_file():
        from commerce_grpo.modeling import load_model

        return load_model(model_dir, model={"backend": backend, "load_in_4bit": False})
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer = AutoModelForCausalLM.from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir)
    model.eval()
    return model, tokenizer


class ChatModel:
    """One model behind a lock: ``complete(messages, ..., gone) -> text``, or None when the client
    went away while the request waited for the model. Counts generations and skipped requests."""

    def __init__(self, model, tokenizer, name: str):
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self.context = int(model.config.max_position_embeddings)
        self.generations = 0
        self.skipped = 0  # requests whose client went away before their turn
        self.pending = 0  # requests waiting for or holding the model
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()

    def prompt_tokens(self, messages: list[dict]) -> int:
        """Tokens of the chat as the model will read it (template and generation prompt included)."""
        text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        with self._count_lock:  # a fast tokenizer is not safe to call from several threads
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def complete(self, messages: list[dict], *, max_tokens: int, temperature: float, top_p: float, seed: int,
                 gone=lambda: False) -> str | None:
        from commerce_grpo.generation import generate

        with self._count_lock:
            self.pending += 1
        try:
            with self._lock:
                if gone():
                    with self._count_lock:
                        self.skipped += 1
                    return None
                with self._count_lock:
                    self.generations += 1
                return generate(self.model, self.tokenizer, [messages], max_new_tokens=max_tokens,
                                temperature=temperature, top_p=top_p, top_k=0, seed=seed, batch_size=1)[0]
        finally:
            with self._count_lock:
                self.pending -= 1


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _number(body: dict, key: str, default: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"'{key}' must be a finite number, got {value!r}")
    return float(value)


def _integer(body: dict, key: str, default: int | None) -> int | None:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"'{key}' must be an integer, got {value!r}")
    return value


def _messages(body: dict) -> list[dict]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
            and isinstance(m.get("content"), str) for m in messages):
        raise ValueError("'messages' must be a non-empty list of {role: system|user|assistant, content: str}")
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def parse_request(raw: bytes) -> dict:
    """The generation arguments of a chat-completions body; ValueError saying what is wrong."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("the body nests too deeply") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    if body.get("stream"):
        raise ValueError("'stream' is not supported")
    max_tokens = _integer(body, "max_tokens", None)
    max_tokens = _integer(body, "max_completion_tokens", DEFAULT_MAX_TOKENS) if max_tokens is None else max_tokens
    temperature, top_p = _number(body, "temperature", 0.0), _number(body, "top_p", 1.0)
    if not 1 <= max_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"'max_tokens' must be in 1..{MAX_NEW_TOKENS}, got {max_tokens}")
    if not 0 <= temperature <= MAX_TEMPERATURE:
        raise ValueError(f"'temperature' must be in 0..{MAX_TEMPERATURE:g}, got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"'top_p' must be in (0, 1], got {top_p}")
    return {"messages": _messages(body), "max_tokens": max_tokens, "temperature": temperature, "top_p": top_p,
            "seed": _integer(body, "seed", 0)}


def _client_gone(sock: socket.socket) -> bool:
    """Whether the peer closed the connection (readable, and a peek reads end of file)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    if not poller.poll(0):
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def make_handler(chat: ChatModel, *, connection_timeout_s: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = connection_timeout_s  # StreamRequestHandler sets it on the socket: every read and write

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._send(status, {"error": {"message": message, "type": "invalid_request_error", "code": status}})

        def log_message(self, fmt, *args):  # through logging, not stderr
            log.info("%s %s", self.address_string(), fmt % args)

        def do_GET(self):
            if self.path.rstrip("/") == "/health":
                self._send(200, {"status": "ok", "model": chat.name, "pending": chat.pending})
            elif self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": chat.name, "object": "model", "created": 0,
                                                              "owned_by": "local"}]})
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self):
            if self.path.rstrip("/") != "/v1/chat/completions":
                self.close_connection = True  # the body is left unread
                return self._error(404, f"no route {self.path}")
            try:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= MAX_BODY:
                    self.close_connection = True
                    raise ValueError(f"body length {length} not in 1..{MAX_BODY}")
                raw = self.rfile.read(length)
                if len(raw) < length:
                    self.close_connection = True
                    return None
                request = parse_request(raw)
                tokens = chat.prompt_tokens(request["messages"])
                if tokens + request["max_tokens"] > chat.context:
                    raise ValueError(f"the prompt's {tokens} tokens plus max_tokens {request['max_tokens']} exceed "
                                     f"the model's context of {chat.context} positions")
            except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
                return self._error(400, str(err))
            try:
                text = chat.complete(**request, gone=lambda: _client_gone(self.connection))
            except Exception as err:  # the server stays up; the client counts the failed call
                log.exception("generation failed")
                return self._error(500, f"generation failed: {err!r}")
            if text is None:
                log.info("%s went away before its turn; not generated", self.address_string())
                self.close_connection = True
                return None
            self._send(200, {
                "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": chat.name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            })

    return Handler


class JudgeHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them; the next one gets 503 at once."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address, handler, *, max_connections: int):
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(chat: ChatModel, *, host: str, port: int, connection_timeout_s: float,
                max_connections: int) -> JudgeHTTPServer:
    """The bound (not yet serving) server for ``chat``; ``port`` 0 picks a free port."""
    return JudgeHTTPServer((host, port), make_handler(chat, connection_timeout_s=connection_timeout_s),
                           max_connections=max_connections)


def serve(model_dir: str | Path, *, host: str, port: int, name: str | None, backend: str,
          connection_timeout_s: float, max_connections: int, ready_file: str | Path | None = None) -> None:
    """Load the model and serve until interrupted. The bound ``host:port`` is logged and, if
    ``ready_file`` is given, written there once requests are accepted."""
    model, tokenizer = load(model_dir, backend=backend)
    chat = ChatModel(model, tokenizer, name or Path(model_dir).name)
    server = make_server(chat, host=host, port=port, connection_timeout_s=connection_timeout_s,
                         max_connections=max_connections)
    bound = f"{server.server_address[0]}:{server.server_address[1]}"
    log.info("judge server for %s (model name %r, context %d) on http://%s/v1", model_dir, chat.name, chat.context,
             bound)
    if ready_file is not None:
        Path(ready_file).write_text(bound + "\n", encoding="utf-8")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True,
                        help="base-model folder (with base.json) or transformers model folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 = any free port (see --ready-file)")
    parser.add_argument("--name", help="model name reported and accepted (default: the folder's name)")
    parser.add_argument("--backend", default="hf", choices=["hf", "auto", "unsloth"])
    parser.add_argument("--connection-timeout", type=float, default=30.0,
                        help="seconds a connection may stay silent (a read or write) before it is closed")
    parser.add_argument("--max-connections", type=int, default=32,
                        help="open connections served at once; the next is answered 503")
    parser.add_argument("--ready-file", help="write host:port here once serving")
    args = parser.parse_args(argv)
    if args.connection_timeout <= 0 or args.max_connections < 1:
        parser.error("--connection-timeout must be > 0 and --max-connections >= 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no downloads at run time
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.model, host=args.host, port=args.port, name=args.name, backend=args.backend,
          connection_timeout_s=args.connection_timeout, max_connections=args.max_connections,
          ready_file=args.ready_file)


if __name__ == "__main__":
    main()
