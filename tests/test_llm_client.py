"""The bounded chat client against real HTTP servers on 127.0.0.1: a fixed-answer one, and raw ones
that drip their reply a byte at a time or send hundreds of megabytes.

The old judge client (``urllib.request.urlopen(timeout=...)``) fails every bound checked here: its
timeout was per socket read (a dripping reply held a call for as long as it dripped), it read any
reply whole, and a lone surrogate raised out of the caller.
"""
from __future__ import annotations

import json
import time

import pytest
from raw_http import drip, huge, raw_server
from rewards.fixed_judge import fixed_judge, free_port

from commerce_grpo.llm_client import ChatClient, ChatError, escape_surrogates

CHAT = [{"role": "system", "content": "Responda."}, {"role": "user", "content": "Oi"}]


def client(url: str, **overrides) -> ChatClient:
    failures: list[ChatError] = []
    settings = {"base_url": url, "model": "m", "timeout_s": 5.0, "max_concurrency": 4, "retries": 1,
                "max_tokens": 16, "max_response_bytes": 1 << 16, "cache": True,
                "count_failure": failures.append, **overrides}
    made = ChatClient(**settings)
    made.counted = failures
    return made


def chats(n: int) -> list[list[dict]]:
    return [[{"role": "user", "content": f"pergunta {i}"}] for i in range(n)]


def test_a_dripping_reply_is_cut_at_the_call_deadline():
    with raw_server(drip(0.1)) as (server, url):
        chat = client(url, timeout_s=1.0, retries=2)
        start = time.monotonic()
        assert chat.complete_batch(chats(4)) == [None] * 4
        elapsed = time.monotonic() - start
    # The reply takes ~15 s to drip; each call (connect, reads and retries together) ends at 1 s.
    assert elapsed < 2.0, elapsed
    assert chat.failures == len(chat.counted) == 4 and chat.calls == 4
    assert all("within 1 s" in str(err) for err in chat.counted)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "close-delimited"])
def test_an_oversized_reply_is_refused_without_reading_it(declared):
    with raw_server(huge(declared)) as (server, url):
        chat = client(url, max_response_bytes=1 << 20)
        start = time.monotonic()
        with pytest.raises(ChatError, match="max_response_bytes"):
            chat.complete(CHAT)
        elapsed = time.monotonic() - start
        time.sleep(0.2)  # let the server notice the closed connection
        sent = server.sent
    assert elapsed < 2.0
    # 400 MB offered; what was sent is the cap plus what the sockets buffer, never the reply
    assert sent < 64 << 20, sent
    assert chat.calls == 1  # an oversized reply is not asked for again


def test_lone_surrogates_are_escaped_in_payload_and_key():
    broken = [{"role": "user", "content": "fim\ud800 da resposta \udcff"}]
    with fixed_judge(lambda body: (200, "ok \udfff")) as (server, url):
        chat = client(url)
        assert chat.complete(broken) == "ok \\udfff"
        assert chat.complete_batch([broken, broken]) == ["ok \\udfff"] * 2
    sent = server.requests[0]["messages"][0]["content"]
    assert sent == "fim\\ud800 da resposta \\udcff" and len(server.requests) == 1  # then cached
    assert chat.key(broken) == chat.key(escape_surrogates(broken))
    json.dumps(server.requests[0], ensure_ascii=False).encode("utf-8")  # valid UTF-8 on the wire


def test_transport_errors_are_retried_inside_the_deadline_and_client_errors_are_not():
    answers = iter([(500, "{}"), (200, "sim")])
    with fixed_judge(lambda body: next(answers)) as (server, url):
        assert client(url, retries=1).complete(CHAT) == "sim"
        assert len(server.requests) == 2
    with fixed_judge(lambda body: (400, '{"error": "context"}')) as (server, url):
        with pytest.raises(ChatError, match="HTTP 400"):
            client(url, retries=3).complete(CHAT)
        assert len(server.requests) == 1
    refused = client(f"http://127.0.0.1:{free_port()}/v1", retries=2)
    with pytest.raises(ChatError, match="failed"):
        refused.complete(CHAT)
    assert refused.calls == 3
    # A busy server: every answer 503 after 0.3 s; ten retries still end at the 1 s deadline.
    with fixed_judge(lambda body: (503, "{}"), delay_s=0.3) as (server, url):
        start = time.monotonic()
        assert client(url, timeout_s=1.0, retries=10).complete_batch([CHAT]) == [None]
        assert time.monotonic() - start < 1.5


def test_parsed_answers_are_cached_and_failures_never_are():
    def parse(text: str) -> int:
        return int(text)

    answers = iter(["não é número", "7"])
    with fixed_judge(lambda body: (200, next(answers))) as (server, url):
        chat = client(url)
        assert chat.complete_batch([CHAT], parse) == [None] and len(chat.counted) == 1
        assert chat.complete_batch([CHAT, CHAT], parse) == [7, 7]
        assert chat.complete_batch([CHAT], parse) == [7]
        assert len(server.requests) == 2 == chat.calls
    with fixed_judge(lambda body: (200, "3")) as (server, url):
        uncached = client(url, cache=False)
        for _ in range(2):
            assert uncached.complete_batch([CHAT, CHAT], [parse, parse]) == [3, 3]
        assert len(server.requests) == 2  # within a batch once, across batches again


def test_a_batch_never_raises_and_bounds_its_concurrency():
    def broken_parser(text: str):
        raise KeyError("bug in the caller's parser")

    with fixed_judge(lambda body: (200, "x"), delay_s=0.15) as (server, url):
        chat = client(url, max_concurrency=2)
        assert chat.complete_batch(chats(6)) == ["x"] * 6 and server.peak == 2
        assert chat.complete_batch(chats(7)[6:], broken_parser) == [None]
    assert isinstance(chat.counted[0], ChatError) and "bug in the caller's parser" in str(chat.counted[0])
    with fixed_judge(lambda body: (200, "RAW:" + "[" * 100_000)) as (server, url):  # deeply nested JSON
        assert client(url).complete_batch([CHAT]) == [None]


def test_settings_are_checked():
    with pytest.raises(ValueError, match="base_url"):
        client("ftp://x/v1")
    with pytest.raises(ValueError, match="timeout_s > 0"):
        client("http://127.0.0.1:1/v1", timeout_s=0)
