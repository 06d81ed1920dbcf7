"""One total deadline per request, over a real loopback server that drips, hangs or answers.

The drip sends the headers at once, then one byte of a 130-byte JSON body every 0.3 s: every
socket read gets a byte well within any per-read timeout, so only a total deadline ends it.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import brotli
import httpx
import pytest
import requests
from fixtures.hostile_target import BODY, HostileTarget

from harness.clients import (
    DEMO,
    MAX_ANSWER_BYTES,
    MAX_HEAD_BYTES,
    AnswerTooLarge,
    DeadlineExceeded,
    Exchange,
    FaceMatchClient,
    Request,
    Sender,
    TransportFailure,
    UndecodableBody,
    check_reachable,
    decoded,
    http_client,
)
from harness.clients._deadline import read_capped
from harness.conformance._transport import mount_deadline
from harness.contract import no_answer_kind
from harness.errors import TargetError

DRIP_S = 0.3  # the whole body would take 130 * 0.3 = 39 s


@pytest.fixture
def drip():
    with HostileTarget(("drip",), drip_interval=DRIP_S) as target:
        yield target


def test_httpx_client_ends_a_dripped_answer_at_its_deadline(drip):
    started = time.monotonic()
    with http_client(timeout=1.5) as client, pytest.raises(DeadlineExceeded) as caught:
        client.post(drip.url + "/tech/ai/face/match/validateData", json={})
    took = time.monotonic() - started
    assert 1.4 < took < 3.0, took
    assert no_answer_kind(caught.value, begun=True) == "deadline"
    assert "1.5 s request deadline" in str(caught.value)


def test_httpx_client_still_reads_a_whole_answer_within_its_deadline():
    with HostileTarget(("ok",)) as target, http_client(timeout=2) as client:
        assert client.post(target.url + "/x", json={}).content == BODY


def test_a_hang_is_a_timeout_not_a_deadline():
    with HostileTarget(("hang",)) as target, http_client(timeout=1) as client:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            client.post(target.url + "/x", json={})
    assert time.monotonic() - started < 2.5
    assert no_answer_kind(caught.value, begun=False) == "timeout"


def test_match_client_turns_a_drip_into_one_line_transport_failure(drip):
    with (
        FaceMatchClient(drip.url, token="t", timeout=1.5) as client,
        pytest.raises(TransportFailure) as caught,
    ):
        started = time.monotonic()  # after the client is built: loading the contract takes seconds
        client.live_code()
    assert time.monotonic() - started < 3.0
    text = str(caught.value)
    assert "\n" not in text and "did not complete within the 1.5 s request deadline" in text


def test_requests_session_of_conformance_ends_a_drip_at_its_deadline(drip):
    started = time.monotonic()
    with deadline_session() as session, pytest.raises(requests.RequestException) as caught:
        session.post(drip.url + "/x", json={}, timeout=1.5)
    assert 1.4 < time.monotonic() - started < 3.0
    assert no_answer_kind(caught.value) == "deadline"


def test_requests_session_of_conformance_reports_a_hang_as_timeout():
    with HostileTarget(("hang",)) as target, deadline_session() as session:
        started = time.monotonic()
        with pytest.raises(requests.RequestException) as caught:
            session.post(target.url + "/x", json={}, timeout=1)
    assert time.monotonic() - started < 2.5
    assert no_answer_kind(caught.value) == "timeout"


def test_dripped_headers_end_at_the_deadline_as_a_timeout():
    with HostileTarget(("drip_headers",), drip_interval=DRIP_S) as target:
        with http_client(timeout=1) as client, pytest.raises(Exception) as by_httpx:
            started = time.monotonic()
            client.post(target.url + "/x", json={})
        assert time.monotonic() - started < 3.0
        with deadline_session() as session, pytest.raises(requests.RequestException) as by_requests:
            started = time.monotonic()
            session.post(target.url + "/x", json={}, timeout=1)
        assert time.monotonic() - started < 3.0
    assert no_answer_kind(by_httpx.value, begun=False) == "timeout"
    assert no_answer_kind(by_requests.value) == "timeout"


def test_an_endless_body_is_cut_off_at_the_size_cap_not_read_into_memory():
    with HostileTarget(("endless",)) as target:
        with http_client(timeout=30) as client, pytest.raises(AnswerTooLarge) as by_httpx:
            client.post(target.url + "/x", json={})
        with deadline_session() as session, pytest.raises(requests.RequestException) as by_requests:
            session.post(target.url + "/x", json={}, timeout=30)
    assert no_answer_kind(by_httpx.value, begun=True) == "oversized body"
    assert no_answer_kind(by_requests.value) == "oversized body"
    assert f"{MAX_ANSWER_BYTES // (1024 * 1024)} MiB" in str(by_requests.value)


def _sent_to(target: HostileTarget) -> tuple[Exchange, int]:
    """One request through a Sender, and the bytes still held once its answer is recorded."""
    with Sender(target.url, credentials=DEMO) as sender:
        tracemalloc.start()
        try:
            exchange = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
            return exchange, tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()


def test_a_gzip_bomb_is_cut_off_at_the_size_cap_of_its_inflated_body():
    """The cap counts the bytes the body inflates to, not the few KB that came over the wire."""
    with HostileTarget(("gzip_bomb",)) as target:
        exchange, held = _sent_to(target)
        with deadline_session() as session, pytest.raises(requests.RequestException) as by_requests:
            session.post(target.url + "/x", json={}, timeout=30)
    assert (exchange.status, exchange.no_answer, exchange.content) == (0, "oversized body", b"")
    assert held < MAX_ANSWER_BYTES  # what the answer's cause (its traceback) keeps alive
    assert no_answer_kind(by_requests.value) == "oversized body"


@pytest.mark.parametrize("bomb", ["br_bomb", "gzip_gigabomb"])
def test_a_bomb_is_refused_as_oversized_without_inflating_it_whole(bomb):
    """203 bytes of brotli inflate to 256 MiB, and 2.5 KB of gzip, gzip to 1 GiB, each in one read
    off the socket: the sender must stop inflating at the cap, not count what it inflated whole."""
    with HostileTarget((bomb,)) as target, Sender(target.url, credentials=DEMO) as sender:
        tracemalloc.start()
        try:
            exchange = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert (exchange.status, exchange.no_answer, exchange.content) == (0, "oversized body", b"")
    assert peak < 3 * MAX_ANSWER_BYTES, f"{peak / 2**20:.0f} MiB at the peak"


def _packed(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


_PLAIN = bytes(range(256)) * 40 + b'{"errcode":0,"errmsg":"success"}' * 5000
_CODED = {  # Content-Encoding: the body sent under it
    "gzip": gzip.compress(_PLAIN),
    "deflate": _packed(_PLAIN, zlib.MAX_WBITS),
    " Deflate": _packed(_PLAIN, -zlib.MAX_WBITS),  # raw, as some servers send it
    "br": brotli.compress(_PLAIN),
    "identity": _PLAIN,
    "gzip, gzip": gzip.compress(gzip.compress(_PLAIN)),
    "br, gzip, identity": gzip.compress(brotli.compress(_PLAIN)),
    "zstd": _PLAIN,  # a coding httpx does not undo here: the body as it came
    "gzip ": gzip.compress(_PLAIN)[:-100],  # cut short: httpx keeps what inflated; refused here
    "GZIP": gzip.compress(_PLAIN) + b"\r\n",  # a proxy's stray CRLF after the member: dropped
    " gzip": gzip.compress(_PLAIN) + bytes(9) + b"<html>",  # zero padding, then no member
    "br ": brotli.compress(_PLAIN) + b"junk",  # undecodable
    "deflate ": _PLAIN,  # undecodable
}


@pytest.mark.parametrize("chunk", [3, 1000, 1 << 20])
def test_an_answer_is_decoded_exactly_as_httpx_decodes_it(chunk):
    """The sender inflates the raw bytes itself (to stop at the cap): what it reads, or the error
    it stops with, is httpx's, whatever the codings and however the body comes in chunks; but a
    compressed stream cut short, which httpx keeps as what inflated, is undecodable."""

    class Chunks(httpx.SyncByteStream):
        def __init__(self, body: bytes) -> None:
            self.body = body

        def __iter__(self):
            return (self.body[i : i + chunk] for i in range(0, len(self.body), chunk))

    def outcome(client, read):
        try:
            return read(client.send(client.build_request("GET", "http://127.0.0.1/"), stream=True))
        except httpx.HTTPError as exc:
            return type(exc), str(exc)

    for coding, body in _CODED.items():
        answer = lambda _, body=body, coding=coding: httpx.Response(  # noqa: E731
            200, headers={"Content-Encoding": coding}, stream=Chunks(body)
        )
        with http_client(transport=httpx.MockTransport(answer)) as client:
            by_httpx = outcome(client, lambda r: r.read())
            by_sender = outcome(client, read_capped)
        if coding == "gzip ":
            assert by_httpx == _PLAIN[: len(by_httpx)] and by_sender[0] is httpx.DecodingError
            assert "the gzip body ends inside its member, before the CRC" in by_sender[1]
        else:
            assert by_sender == by_httpx, coding
        assert coding not in ("deflate", " Deflate") or by_sender == _PLAIN


_TEXT = b'{"code":"0"}'
_MEMBER = gzip.compress(_TEXT, mtime=0)  # the same bytes in every xdist worker


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (_MEMBER + b"\n", _TEXT),  # one stray byte: said "the gzip stream ends before its end"
        (_MEMBER + b"\x1f\x9d", _TEXT),  # compress(1)'s magic, no gzip member's
        (_MEMBER + bytes(70_000) + b"\r\n" + _MEMBER, _TEXT),  # padding, then no member
        (_MEMBER + b"\x1f", "the gzip body ends inside member 2, after 1 whole member"),
        (_MEMBER + _MEMBER[:-4], "the gzip body ends inside member 2, after 1 whole member"),
        (_MEMBER[:-4], "the gzip body ends inside its member, before the CRC and size"),
        (_MEMBER + b"\x1f\x8bno member", "gzip member 2 is not valid gzip: "),
        (b"\r\n" + _MEMBER, "the gzip body is not valid gzip: "),
        (_MEMBER[:-8] + bytes(4) + _MEMBER[-4:] + b"\r\n", "the gzip body is not valid gzip: "),
    ],
    ids=[
        "lf",
        "compress-magic",
        "padded-crlf",
        "lone-1f",
        "cut-2nd",
        "cut-1st",
        "bad-2nd",
        "crlf-first",
        "bad-crc",
    ],  # fmt: skip
)
def test_what_follows_a_gzip_member_is_read_or_named(body, says):
    """Bytes after a whole member (its CRC checked) that cannot begin one are dropped, as httpx
    and urllib3 drop them (a proxy's stray CRLF: only an HTTP convention, so no service fails on
    it); a member cut short or broken is undecodable, its message saying which and where. However
    the body comes in chunks."""
    for chunk in (1, 7, len(body)):
        chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
        try:
            outcome: bytes | str = decoded(chunks, ["gzip"], MAX_ANSWER_BYTES)
        except UndecodableBody as exc:
            outcome = str(exc)
        assert outcome == says if isinstance(says, bytes) else says in outcome, (chunk, outcome)


def test_ten_thousand_gzip_members_are_read_and_one_more_refused():
    """At most 10,000 members: the 10,000th was refused too (the count was checked after the last
    member, not before the next)."""
    empty = gzip.compress(b"")
    assert decoded([empty * 9_999 + _MEMBER], ["gzip"], MAX_ANSWER_BYTES) == _TEXT
    with pytest.raises(UndecodableBody, match="more than 10,000 gzip members; reading stopped"):
        decoded([empty * 10_000 + _MEMBER], ["gzip"], MAX_ANSWER_BYTES)


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        ("truncated_gzip", "the gzip body ends inside its member, before the CRC and size"),
        ("truncated_gzip_half", "the gzip body ends inside its member, before the CRC and size"),
        ("gzip_then_bad_member", "gzip member 2 is not valid gzip: "),
        ("gzip_member_flood", "more than 10,000 gzip members; reading stopped"),
        # round 18: a wrong CRC; a zlib stream needing a preset dictionary, which the fallback to
        # raw deflate named "invalid stored block lengths"
        ("gzip_bad_crc", "the gzip body is not valid gzip: Error -3 while decompressing data: inc"),
        ("deflate_dict", "the deflate body needs a preset dictionary (zlib FDICT), which HTTP"),
    ],
)
def test_a_gzip_body_cut_short_is_undecodable_to_every_transport(behaviour, says):
    """Session 18 (hostile): a gzip body without its end (its CRC and size, or half its data) was
    read as what inflated, by the sender (httpx's reading) and by conformance's session (urllib3):
    a success whose integrity nothing checked, or half a JSON text. RFC 1952 2.2: a member ends
    with its CRC32 and size; both transports now read it as an undecodable body. Session 23:
    bytes after a member that are no member were dropped unread (Python's gzip refuses them), and
    100,000 empty members before the answer were read as an empty body, then (every member read)
    took seconds in one read: undecodable past 10,000 members; bytes after a member that begin
    with a member's magic (``1f 8b``) but are none, undecodable too."""
    with HostileTarget((behaviour,)) as target, Sender(target.url, credentials=DEMO) as sender:
        sent = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
    assert sent.status == 0 and sent.no_answer == "undecodable body", (sent.status, sent.content)
    with HostileTarget((behaviour,)) as target, deadline_session() as session:
        with pytest.raises(requests.exceptions.ContentDecodingError) as raised:
            session.post(target.url + "/x", json={}, timeout=5)
    assert no_answer_kind(raised.value) == "undecodable body"
    assert says in str(raised.value)


def test_every_transport_reads_an_answer_by_its_codings_and_stops_at_its_end():
    """x-gzip is gzip (RFC 9110 8.4.1.3; the sender read the gzip bytes as the body), ``gzip, br``
    is read by all alike, and a second answer sent to one request is none of the next one's:
    the sender handed it to the next request on the connection (a success read as an error).
    Session 23: a gzip body of several members (RFC 1952 2.2), zero bytes after each, was read to
    the end of its first member alone (half a JSON text: not JSON); every member is read now.
    Bytes after a whole member that cannot begin one (a proxy's stray CRLF) end the body, as
    httpx and urllib3 read it: the merge that read every member had made them undecodable, a
    HIGH FH-H04 on a service behind such a proxy, though only an HTTP convention was its basis."""
    from fixtures.hostile_target import _success

    behaviours = ("xgzip_ok", "stacked_ok", "double_answer", "success", "gzip_members",
                  "gzip_zero_pad", "gzip_then_garbage", "gzip_then_crlf",
                  # hostile sessions 27 and 28: read as the success they carry, by every transport
                  "json_as_html", "te_cl_keepalive", "date_echo", "date_garbage", "compress_ce",
                  "trailer_echo", "other_trace", "ce_identity", "early_hints_echo",
                  "gzip_huge_name")  # fmt: skip
    success = _success(b"POST /x HTTP/1.1")
    with HostileTarget(behaviours) as target, Sender(target.url, credentials=DEMO) as sender:
        bodies = [sender.send(Request("match", "liveCode", "POST", "/x", json={})).body
                  for _ in behaviours]  # fmt: skip
    assert bodies == [success] * len(behaviours)
    with HostileTarget(behaviours) as target, deadline_session() as session:
        bodies = [session.post(target.url + "/x", json={}, timeout=5).json() for _ in behaviours]
    assert bodies == [success] * len(behaviours)  # schemathesis' transport (conformance)


def test_an_answer_cut_off_at_the_size_cap_keeps_none_of_its_body():
    """A run keeps an Exchange's cause, traceback and all: it must not hold the 8 MiB read."""
    with HostileTarget(("endless",)) as target:
        exchange, held = _sent_to(target)
    assert exchange.no_answer == "oversized body" and held < MAX_ANSWER_BYTES // 8


def test_json_nested_past_the_stack_is_an_answer_that_is_not_json():
    with HostileTarget(("nested",)) as target, Sender(target.url, credentials=DEMO) as sender:
        exchange = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
    assert (exchange.status, exchange.body, exchange.no_answer) == (200, None, None)
    assert exchange.text.startswith("[[[") and exchange.answer is not None


def test_requests_session_reuses_its_connection_after_a_deadline():
    """The connection a deadline shut is not handed to the next request."""
    with (
        HostileTarget(("drip", "ok"), drip_interval=DRIP_S) as target,
        deadline_session() as session,
    ):
        with pytest.raises(requests.RequestException):
            session.post(target.url + "/x", json={}, timeout=1)
        assert session.post(target.url + "/x", json={}, timeout=2).content == BODY


def test_a_shorter_deadline_fires_on_time_behind_a_longer_one():
    """The watchdog sleeps until its earliest deadline; a new, earlier one must wake it."""
    import threading

    with HostileTarget(("drip",), drip_interval=0.2) as target:  # only the watchdog ends a drip

        def long_request() -> None:
            with deadline_session() as session, pytest.raises(requests.RequestException):
                session.post(
                    target.url + "/x", json={}, timeout=2
                )  # ends after the short one: 1 s in

        worker = threading.Thread(target=long_request)
        worker.start()
        time.sleep(0.2)
        started = time.monotonic()
        with deadline_session() as session, pytest.raises(requests.RequestException):
            session.post(target.url + "/x", json={}, timeout=0.8)
        assert time.monotonic() - started < 1.8
        worker.join(10)


def deadline_session() -> requests.Session:
    """A requests session with deadlines, as schemathesis' engine sessions get them."""
    return mount_deadline(requests.Session())


@pytest.mark.parametrize(
    ("behaviour", "said"),
    [
        ("not_http", "answered with malformed HTTP: "),
        # hostile2: ``100 Continue``, then nothing (a plain hang alike): it was "unreachable"
        ("continue_hang", "accepted the connection, then sent no answer within 0.5 s"),
        # hostile session 28: a TLS handshake on the plain port was h11's "illegal request line"
        (
            "tls_handshake",
            "answered with malformed HTTP: its first byte cannot begin an HTTP "
            "status line (TLS or another binary protocol on this port? check the URL's scheme",
        ),
    ],
)
def test_a_port_that_answers_in_another_protocol_is_not_called_unreachable(
    behaviour: str, said: str
) -> None:
    """Something answered (an SSH daemon, a TLS port, a broken proxy), or took the connection and
    said nothing: the user checks the URL's port or the service, not whether the host is up.
    Still one line, exit 2 (a TargetError)."""
    with HostileTarget((behaviour,)) as target:
        with pytest.raises(TargetError) as info:
            check_reachable(target.url, 0.5)
    message = str(info.value)
    assert message.startswith(f"target {target.url} {said}"), message
    assert "unreachable" not in message and "\n" not in message


def test_a_head_past_the_limit_is_named_as_such_at_the_reachability_check() -> None:
    """conform and fuzz stop there (exit 2): the line says why, not h11's "Receive buffer too
    long"; a head under the limit (144 KB) is read (it stopped both, and load read it)."""
    with HostileTarget(("big_header", "huge_head")) as target:
        with pytest.raises(TargetError) as info:
            check_reachable(target.url)
        check_reachable(target.url)
    assert str(info.value) == (
        f"target {target.url} answered with malformed HTTP: an answer head over "
        f"{MAX_HEAD_BYTES} bytes"
    )


def test_an_https_url_to_a_plain_http_port_is_not_called_unreachable() -> None:
    """The port answered, but not with a TLS handshake: the user fixes the URL's scheme."""
    from fixtures.servers import ThreadedServer

    async def app(scope: dict, receive: object, send: object) -> None:  # never reached
        raise AssertionError(scope)

    with ThreadedServer(app) as plain:  # an HTTP server answers a ClientHello with a 400
        url = plain.replace("http://", "https://")
        with pytest.raises(TargetError) as info:
            check_reachable(url)
    message = str(info.value)
    assert message.startswith(f"target {url} answered, but its TLS handshake failed")
    assert "unreachable" not in message and "\n" not in message


def test_a_cookie_the_target_sets_is_never_sent_back() -> None:
    """A request is what its finding records: a Set-Cookie (here carrying the token) must not
    put credentials on the next one, such as a probe's request sent without a token."""
    with HostileTarget(("set_cookie",)) as target, Sender(target.url, credentials=DEMO) as sender:
        for auth in ("token", "no_token"):
            sent = sender.send(Request("match", "liveCode", "POST", "/x", json={}, auth=auth))
            assert sent.status == 200
    second = target.heads[1].lower()
    assert b"authorization" not in second and b"cookie" not in second, second


def test_ten_thousand_headers_are_read_within_the_deadline() -> None:
    """Reading headers one name at a time from httpx's Headers is quadratic: 10,000 of them held
    a 3 s request for over 30 s after its answer came."""
    with HostileTarget(("many_headers",)) as target:
        with Sender(target.url, credentials=DEMO, timeout_s=3) as sender:
            started = time.monotonic()
            exchange = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
            took = time.monotonic() - started
    assert (exchange.status, exchange.content, len(exchange.headers)) == (200, BODY, 10_002)
    assert took < 3 + 1, took


def test_credentials_a_target_echoes_into_its_status_line_are_not_repeated() -> None:
    """The HTTP stack quotes a malformed status line in its error; a hostile target puts the
    token (or the signed query) there. `call` and accuracy print the error, findings keep it."""
    token = "hostile-echo-token-5d1c"
    with HostileTarget(("status_echo",)) as target:
        with FaceMatchClient(target.url, token=token) as client:
            with pytest.raises(TransportFailure) as caught:
                client.live_code()
            exchange = client.send(Request("match", "liveCode", "POST", "/x", json={}))
    assert "illegal status line" in str(caught.value) and "illegal status line" in exchange.error
    assert token not in str(caught.value) and token not in exchange.error


def test_a_signature_a_target_echoes_in_its_answer_is_masked_in_the_finding() -> None:
    """A JD signature is an MD5 of the secretkey, fresh per request: no configured secret and no
    key name gives it away when a target quotes it in free text (an error page, a header)."""
    from harness.results import Finding

    with HostileTarget(("echo_request",)) as target, Sender(target.url, credentials=DEMO) as sender:
        exchange = sender.send(Request("jd", "faceCompareNew", "POST", "/x", json={}))
    sign = target.heads[0].split(b"sign=")[1].split(b"&")[0].split(b" ")[0].decode()
    # the body as it came quotes it; its text, masked before it is cut (redacted_excerpt), does not
    assert len(sign) == 32 and sign.encode() in exchange.content and sign not in exchange.text
    finding = Finding(
        suite="conformance", api="jd", operation="faceCompareNew", check="x", severity="high",
        message=f"Received: {exchange.text}", response=exchange.excerpt(),
    )  # fmt: skip
    assert sign not in finding.model_dump_json() and "***" in finding.message


# bare sizes (1-20 hex digits, leading zeros counted, CRLF or a lone LF), then lines that are not
_PLAIN_CHUNK_LINES = [
    b"1\r\n", b"0\r\n", b"1a\r\n", b"FFff\r\n", b"1a\n", b"0" * 19 + b"1\r\n", b"f" * 20 + b"\n",
]  # fmt: skip
_OTHER_CHUNK_LINES = [
    b"0" * 20 + b"1\r\n", b"0" * 30 + b"1a\r\n", b"1" * 21 + b"\r\n", b"1" * 21 + b"\n",
    b"1a;ext=1\r\n", b"1a \r\n", b"1a\t\r\n", b"0x1a\r\n", b"+1a\r\n", b"-1\r\n", b" 1a\r\n",
    b"1g\r\n", b"\r\n", b"\n", b"1a\r", b"1a", b"1a\r\r\n", b"\xef\xbc\x91\r\n", b"1a\n\n",
]  # fmt: skip


def _h11_verdict(line: bytes) -> str | None:
    """h11's own reading of ``line`` as the chunk size line of a chunked answer."""
    from harness.clients import _head

    conn = _head.h11.Connection(_head.h11.CLIENT, max_incomplete_event_size=_head.MAX_HEAD_BYTES)
    for event in _head._asked("POST"):
        conn.send(event)
    conn.receive_data(_head._CHUNKED + line)
    try:
        while isinstance(conn.next_event(), _head.h11.Response):
            continue
    except _head.h11.RemoteProtocolError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("line", _PLAIN_CHUNK_LINES + _OTHER_CHUNK_LINES)
def test_a_plain_chunk_size_is_read_without_a_parser_and_as_h11_reads_it(monkeypatch, line):
    """A 200 KB body in 1-byte chunks built an h11 connection per chunk line (13.4 s against
    2.0 s): a bare size skips the parser, and every line's verdict is still h11's."""
    from harness.clients import _head

    wanted = _h11_verdict(line)
    built: list[bytes] = []
    real = _head.h11.Connection
    monkeypatch.setattr(
        _head.h11, "Connection", lambda *a, **k: built.append(line) or real(*a, **k)
    )
    assert _head.refused_chunk_line(line) == wanted, line
    assert (built == []) == (line in _PLAIN_CHUNK_LINES), line
    if line in _PLAIN_CHUNK_LINES:
        assert wanted is None
