"""The sender's one retry after a broken connection, and what it costs of the request budget."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from harness.clients import DEMO, Request, Sender
from harness.pacing import BudgetExhausted

VALIDATE = Request("match", "liveCode", "POST", "/tech/ai/face/match/validateData", json={})
ANSWER = b'{"errcode":0,"errmsg":"SUCCESS","data":{"result":{"code":"1234"}}}'
OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    + b"Content-Length: %d\r\n\r\n" % len(ANSWER)
    + ANSWER
)


def _read_request(conn: socket.socket) -> bool:
    """Read one whole request (head and Content-Length body); False when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


class DropsFirstConnection:
    """A loopback HTTP/1.1 server that reads the first request whole, then closes that
    connection without a word (the request reached it: a live service may have charged for
    it); it answers every later request with 200."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.stopped = threading.Event()
        self.requests = 0
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                while _read_request(conn):
                    self.requests += 1
                    if self.requests == 1:
                        break  # close the connection, no answer
                    conn.sendall(OK)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(10)
        self.server.close()


@pytest.fixture
def dropping() -> Iterator[DropsFirstConnection]:
    server = DropsFirstConnection()
    try:
        yield server
    finally:
        server.close()


def test_a_retry_after_the_request_reached_the_server_is_spent_from_the_budget(dropping):
    with Sender(dropping.url, credentials=DEMO, max_requests=5, timeout_s=10) as sender:
        answer = sender.send(VALIDATE)
    assert answer.status == 200 and answer.no_answer is None
    assert dropping.requests == 2  # the service saw (and may bill) both
    assert sender.budget.used == 2 and sender.reconnects == 1 and sender.sent == 1


def test_no_retry_when_the_budget_cannot_pay_for_it(dropping):
    with Sender(dropping.url, credentials=DEMO, max_requests=1, timeout_s=10) as sender:
        answer = sender.send(VALIDATE)
        assert answer.status == 0 and answer.no_answer is not None  # reported, not retried
        assert dropping.requests == 1 and sender.budget.used == 1 and sender.reconnects == 0
        with pytest.raises(BudgetExhausted, match="request budget of 1 spent"):
            sender.send(VALIDATE)
    assert dropping.requests == 1


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("connection refused"), httpx.WriteError("broken pipe")],
    ids=["connect", "write"],
)
def test_a_retry_of_a_request_never_delivered_is_free(error: httpx.TransportError):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise error
        return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(handler)
    with Sender(
        "http://127.0.0.1:1", credentials=DEMO, max_requests=1, transport=transport
    ) as sender:
        answer = sender.send(VALIDATE)
    assert answer.status == 200 and len(calls) == 2
    assert sender.budget.used == 1 and sender.reconnects == 1
