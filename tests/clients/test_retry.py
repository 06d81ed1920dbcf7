"""The sender's one retry after a broken connection, and what it costs of the request budget."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fixtures.servers import ANSWER, DropsFirstConnection

from harness.clients import DEMO, Request, Sender
from harness.pacing import BudgetExhausted

VALIDATE = Request("match", "liveCode", "POST", "/tech/ai/face/match/validateData", json={})


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


@pytest.mark.parametrize("behaviour", ["cl_hex", "two_lengths", "tls_handshake"])
def test_an_answer_the_parser_refuses_is_not_sent_again(behaviour: str) -> None:
    """Hostile session 28: a malformed answer (``Content-Length: 0x1f``, two lengths, TLS bytes)
    was read as a dropped connection and the request sent again: the next answer (a success)
    hid the defect from every rule, and a JD comparison was billed twice."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget((behaviour, "success")) as target:
        with Sender(target.url, credentials=DEMO, max_requests=5, timeout_s=5) as sender:
            answer = sender.send(VALIDATE)
        served = list(target.served)
    assert answer.status == 0 and answer.no_answer == "reset", (answer.status, answer.body)
    assert served == [behaviour] and sender.reconnects == 0 and sender.budget.used == 1


_DATE = "Sun, 06 Nov 1994 08:49:37 GMT"  # the answer's Date: the server's clock


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Sun, 06 Nov 1994 08:49:42 GMT", 5.0),  # IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:42 GMT", 5.0),  # obsolete RFC 850 date
        ("Sun Nov  6 08:49:42 1994", 5.0),  # obsolete asctime date: no zone, UTC by definition
        ("Sun, 06 Nov 1994 08:49:42 -0000", 5.0),  # RFC 5322's UTC of unknown source zone
        ("Sun, 06 Nov 1994 08:49:42", None),  # no zone: not an HTTP-date
        ("Sun Nov  6 08:49:42 1994 x", None),
        ("7", 7.0),
        ("007", 7.0),
        ("1_0", None),  # delay-seconds is 1*DIGIT: float() read 10
        ("\u0661\u0660", None),  # Arabic-Indic digits: float() read 10
        ("2.5", None),
        ("+3", None),
        ("3e1", None),
    ],
)
def test_retry_after_reads_every_http_date_form_and_only_ascii_digits(
    value: str, seconds: float | None
) -> None:
    """RFC 9110 5.6.7: a recipient MUST accept the two obsolete date forms (asctime, RFC 850);
    10.2.3: delay-seconds is ``1*DIGIT``. An asctime or ``-0000`` date was no date here (its
    datetime has no zone), and ``1_0`` or Arabic-Indic digits were a number."""
    from harness.clients import retry_after_s

    assert retry_after_s(value, _DATE) == seconds
