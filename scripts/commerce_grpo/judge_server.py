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
real judge on a GPU node use vLLM (README "Optional LLM judge").
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024  # bytes of a request body
MAX_NEW_TOKENS = 2048  # cap on a request's max_tokens


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
    """One model behind a lock: ``complete(messages, max_tokens, temperature, top_p, seed) -> text``."""

    def __init__(self, model, tokenizer, name: str):
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self._lock = threading.Lock()

    def complete(self, messages: list[dict], *, max_tokens: int, temperature: float, top_p: float, seed: int) -> str:
        from commerce_grpo.generation import generate

        with self._lock:
            return generate(self.model, self.tokenizer, [messages], max_new_tokens=max_tokens,
                            temperature=temperature, top_p=top_p, top_k=0, seed=seed, batch_size=1)[0]


def _messages(body: dict) -> list[dict]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
            and isinstance(m.get("content"), str) for m in messages):
        raise ValueError("'messages' must be a non-empty list of {role: system|user|assistant, content: str}")
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def make_handler(chat: ChatModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
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
                self._send(200, {"status": "ok", "model": chat.name})
            elif self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": chat.name, "object": "model", "created": 0,
                                                              "owned_by": "local"}]})
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self):
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._error(404, f"no route {self.path}")
            try:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= MAX_BODY:
                    raise ValueError(f"body length {length} not in 1..{MAX_BODY}")
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                messages = _messages(body)
                max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 256)
                temperature = float(body.get("temperature", 0.0) or 0.0)
                top_p = float(body.get("top_p", 1.0) or 1.0)
                seed = int(body.get("seed", 0) or 0)
                if not 1 <= max_tokens <= MAX_NEW_TOKENS or temperature < 0 or not 0 < top_p <= 1:
                    raise ValueError(f"max_tokens in 1..{MAX_NEW_TOKENS}, temperature >= 0, 0 < top_p <= 1 needed")
            except (ValueError, TypeError) as err:
                return self._error(400, str(err))
            try:
                text = chat.complete(messages, max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed)
            except Exception as err:  # the server stays up; the client counts the failed call
                log.exception("generation failed")
                return self._error(500, f"generation failed: {err!r}")
            self._send(200, {
                "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": chat.name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            })

    return Handler


def serve(model_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8000, name: str | None = None,
          backend: str = "hf", ready_file: str | Path | None = None) -> None:
    """Load the model and serve until interrupted. ``port`` 0 picks a free port; the bound
    ``host:port`` is logged and, if ``ready_file`` is given, written there once requests are accepted."""
    model, tokenizer = load(model_dir, backend=backend)
    chat = ChatModel(model, tokenizer, name or Path(model_dir).name)
    server = ThreadingHTTPServer((host, port), make_handler(chat))
    server.daemon_threads = True
    bound = f"{server.server_address[0]}:{server.server_address[1]}"
    log.info("judge server for %s (model name %r) on http://%s/v1", model_dir, chat.name, bound)
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
    parser.add_argument("--ready-file", help="write host:port here once serving")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no downloads at run time
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.model, host=args.host, port=args.port, name=args.name, backend=args.backend, ready_file=args.ready_file)


if __name__ == "__main__":
    main()
