"""A bounded client for OpenAI-compatible chat endpoints (vLLM, ``python -m commerce_grpo.judge_server``).

Why not ``urllib.request.urlopen(timeout=...)``: its timeout bounds each socket operation, not a
call, so a server dripping one byte every half second held a batch of 16 judge calls for 121 s with
``timeout_s: 3``; it read any reply whole (a 400 MB answer cost 1.2 GB of memory per call); and a
lone surrogate in a message (a model can generate one) raised ``UnicodeEncodeError`` out of the
caller. Here:

- every call has one deadline, ``timeout_s`` from when it starts: connecting, sending, every read
  and every retry with its back-off fit inside it (a timer shuts the socket at the deadline);
- a reply longer than ``max_response_bytes`` is refused (by its Content-Length before reading, or
  as soon as that many bytes arrived);
- lone surrogates are escaped (``\\udc80`` as text) in the payload and in the cache key;
- transport failures, 5xx, 408 and 429 are retried (while the deadline allows); other 4xx, a
  malformed reply and an answer the caller's ``parse`` rejects are not (a greedy model answers the
  same again);
- ``complete_batch`` sends identical conversations once, at most ``max_concurrency`` at a time,
  and never raises: a failed item is None, counted in ``failures`` and passed to ``count_failure``
  (the judge counts it in ``tasklib.errors`` under its own name);
- with ``cache``, a reply that parsed is kept under a hash of (model, messages, params), so a
  repeated conversation costs no request; failures are never cached.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

# Cached replies kept at most (the cache is cleared when full: a run repeats recent rollouts).
MAX_CACHE = 65536
# Bytes read from the socket at a time while counting a reply against its cap.
_READ_CHUNK = 1 << 16
# First back-off between retries (doubled each time, capped), always inside the call's deadline.
_BACKOFF_S = 0.2
_MAX_BACKOFF_S = 2.0
_RETRY_STATUSES = frozenset({408, 429})


class ChatError(RuntimeError):
    """One chat call failed: unreachable, past its deadline, an HTTP error, an oversized or
    malformed reply, or an answer the caller's ``parse`` rejected. ``retryable`` says whether
    asking again could help."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


def escape_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (at any depth of lists and dicts) written
    as backslash text, so that it encodes as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [escape_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {escape_surrogates(k): escape_surrogates(v) for k, v in value.items()}
    return value


def _shut(conn: http.client.HTTPConnection, state: dict) -> None:
    """The deadline timer: mark the call late and break any blocking connect, send or read."""
    state["late"] = True
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ChatClient:
    """Chat completions from one endpoint and model; thread-safe (cache and counters under a lock).

    ``base_url`` is the API root (``http://host:8000/v1``). ``parse``, where given, turns the
    assistant's text into the caller's value and raises on an answer it cannot use.
    """

    def __init__(self, *, base_url: str, model: str, timeout_s: float, max_concurrency: int, retries: int,
                 max_tokens: int, max_response_bytes: int, cache: bool, temperature: float = 0.0,
                 count_failure: Callable[[ChatError], None] | None = None):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"llm client: base_url must be http(s)://host[:port]/path, got {base_url!r}")
        if not (timeout_s > 0 and max_concurrency >= 1 and retries >= 0 and max_tokens >= 1
                and max_response_bytes >= 1 and temperature >= 0):
            raise ValueError(f"llm client: timeout_s > 0, max_concurrency >= 1, retries >= 0, max_tokens >= 1, "
                             f"max_response_bytes >= 1 and temperature >= 0 needed, got timeout_s={timeout_s}, "
                             f"max_concurrency={max_concurrency}, retries={retries}, max_tokens={max_tokens}, "
                             f"max_response_bytes={max_response_bytes}, temperature={temperature}")
        self._connection = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self._host, self._port = url.hostname, url.port
        self._path = url.path.rstrip("/") + "/chat/completions"
        self.url = f"{url.scheme}://{url.netloc}{self._path}"
        self.model = model
        self.timeout_s = float(timeout_s)
        self.max_concurrency = int(max_concurrency)
        self.retries = int(retries)
        self.max_response_bytes = int(max_response_bytes)
        self.cache = bool(cache)
        self.params = {"temperature": float(temperature), "max_tokens": int(max_tokens)}
        self.count_failure = count_failure
        self.calls = 0  # HTTP requests sent
        self.failures = 0  # failed items of complete_batch
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def key(self, messages: Sequence[dict]) -> str:
        """The cache key of a conversation: sha256 of (model, messages, params), surrogates escaped."""
        payload = json.dumps([self.model, escape_surrogates(list(messages)), self.params], sort_keys=True,
                             ensure_ascii=True)
        return hashlib.sha256(payload.encode("ascii")).hexdigest()

    def complete(self, messages: Sequence[dict], parse: Callable[[str], Any] | None = None) -> Any:
        """The assistant's reply to ``messages`` (``parse(reply)`` when given) within ``timeout_s``;
        raises ChatError."""
        messages = escape_surrogates(list(messages))
        key = self.key(messages)
        with self._lock:
            cached = self._cache.get(key) if self.cache else None
        content = cached if cached is not None else self._content(self._request(messages))
        try:
            value = content if parse is None else parse(content)
        except Exception as err:
            raise ChatError(f"answer from {self.url} not usable ({err}): {content[:200]!r}") from err
        if self.cache and cached is None:
            with self._lock:
                if len(self._cache) >= MAX_CACHE:
                    self._cache.clear()
                self._cache[key] = content
        return value

    def complete_batch(self, conversations: Sequence[Sequence[dict]],
                       parse: Callable[[str], Any] | Sequence[Callable[[str], Any]] | None = None) -> list:
        """One reply (or parsed value) per conversation, concurrently; None for a failed one
        (counted). ``parse`` is one function for all or one per conversation. Never raises."""
        parsers = list(parse) if isinstance(parse, (list, tuple)) else [parse] * len(conversations)
        if len(parsers) != len(conversations):
            raise ValueError(f"llm client: {len(parsers)} parse functions for {len(conversations)} conversations")
        keys = [self.key(messages) for messages in conversations]
        unique = {key: (messages, p) for key, messages, p in zip(keys, conversations, parsers)}

        def one(job):
            try:
                return self.complete(*job)
            except Exception as err:  # a bug below included: the batch answers None, never raises
                self._failed(err if isinstance(err, ChatError) else ChatError(f"{type(err).__name__}: {err}"))
                return None

        if not unique:
            return []
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(unique))) as pool:
            results = dict(zip(unique, pool.map(one, unique.values())))
        return [results[key] for key in keys]

    def _failed(self, err: ChatError) -> None:
        with self._lock:
            self.failures += 1
        if self.count_failure is not None:
            self.count_failure(err)

    def _request(self, messages: list[dict]) -> bytes:
        """The raw reply body, retried inside one deadline; raises ChatError."""
        deadline = time.monotonic() + self.timeout_s
        body = json.dumps({"model": self.model, "messages": messages, **self.params},
                          ensure_ascii=False).encode("utf-8")
        for attempt in range(self.retries + 1):
            if attempt:
                pause = min(_BACKOFF_S * 2 ** (attempt - 1), _MAX_BACKOFF_S)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            try:
                return self._post(body, deadline)
            except ChatError as err:
                if not err.retryable or attempt == self.retries:
                    raise
                last = err
        raise ChatError(f"{last} (no time left for another try within {self.timeout_s:g} s)")

    def _post(self, body: bytes, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ChatError(f"call to {self.url} out of time ({self.timeout_s:g} s)")
        conn = self._connection(self._host, self._port, timeout=left)
        state = {"late": False}
        timer = threading.Timer(left, _shut, args=(conn, state))
        timer.daemon = True
        with self._lock:
            self.calls += 1
        timer.start()
        try:
            conn.request("POST", self._path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            declared = response.getheader("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_response_bytes:
                raise ChatError(f"reply from {self.url} of {declared} bytes exceeds max_response_bytes "
                                f"{self.max_response_bytes}")
            chunks, size = [], 0
            while chunk := response.read(min(_READ_CHUNK, self.max_response_bytes + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise ChatError(f"reply from {self.url} exceeds max_response_bytes {self.max_response_bytes}")
            if state["late"]:
                raise OSError("deadline")
            raw = b"".join(chunks)
            if response.status != 200:
                raise ChatError(f"{self.url} answered HTTP {response.status}: {raw[:200]!r}",
                                retryable=response.status >= 500 or response.status in _RETRY_STATUSES)
            return raw
        except (OSError, http.client.HTTPException, ValueError) as err:
            if state["late"] or time.monotonic() >= deadline:
                raise ChatError(f"no complete reply from {self.url} within {self.timeout_s:g} s") from err
            raise ChatError(f"call to {self.url} failed: {err!r}", retryable=True) from err
        finally:
            timer.cancel()
            conn.close()

    def _content(self, raw: bytes) -> str:
        """The assistant message of an OpenAI chat-completions body; ChatError if it has none."""
        try:
            content = json.loads(raw.decode("utf-8"))["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, RecursionError) as err:
            raise ChatError(f"{self.url} sent no chat completion ({err!r}): {raw[:200]!r}") from err
        if not isinstance(content, str):
            raise ChatError(f"{self.url} sent a chat completion without text content: {raw[:200]!r}")
        return escape_surrogates(content)
