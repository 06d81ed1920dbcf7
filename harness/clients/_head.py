"""An answer head read as the sender reads it: by h11, the parser under httpx. The other HTTP stacks
(requests' http.client for schemathesis, geventhttpclient for load) read heads by rules of their
own, stricter in some places and looser in others; each asks this module instead, so an answer one
suite reads is an answer for all of them (docs/architecture.md, the per-request deadline row)."""

from __future__ import annotations

import functools
import re

import h11

from ._deadline import MAX_HEAD_BYTES, framing_too_large, head_too_large


def refusal_text(reason: str) -> str:
    """h11's refusal as a user reads it: h11 says "illegal request line" of an answer whose first
    byte cannot begin any HTTP line (session 28: a TLS handshake or alert on a plain-HTTP port)."""
    if reason == "illegal request line":
        return (
            "its first byte cannot begin an HTTP status line (TLS or another binary protocol on "
            "this port? check the URL's scheme and port)"
        )
    return reason


@functools.lru_cache(maxsize=64)
def _asked(method: str) -> tuple[h11.Request, h11.EndOfMessage]:
    """The request an answer is read against, built once per method (h11 validates a request as
    it is built: a measurable share of reading a head in load's generator, one per answer)."""
    headers = [("Host", "x"), ("Content-Length", "0")]
    return h11.Request(method=method, target="/", headers=headers), h11.EndOfMessage()


class HeadRefused(Exception):
    """h11 refuses the answer head (the message quotes what it refused: redact before showing)."""


class HeadReader:
    """Reads one answer head fed a piece at a time: :meth:`feed` returns the final answer's
    ``h11.Response`` once its head is complete (interim 1xx answers skipped, as h11 skips them),
    ``None`` while more is needed, or raises :class:`HeadRefused`; :attr:`rest` is what came after
    that head (the body's first bytes).

    The one size rule of every transport: a head is too large when the bytes received up to the
    end of the final head, interim 1xx answers included, pass ``MAX_HEAD_BYTES``, however the
    reads fall. h11's own cap counts only its unparsed buffer when it needs more, so a head of
    180 KB padded with whitespace was read or refused by where the socket's reads ended, and an
    endless stream of ``100 Continue`` never grew its buffer (a timeout to the sender, a reset to
    conformance, "unreachable" to the reachability check)."""

    def __init__(self, method: str = "POST") -> None:
        self._conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        request, end = _asked(method)
        self._conn.send(request)
        self._conn.send(end)
        self._fed = 0

    def feed(self, data: bytes) -> h11.Response | None:
        """``data`` (``b""``: the connection closed) and the head if it is now complete."""
        self._fed += len(data)
        self._conn.receive_data(data)
        try:
            while True:
                event = self._conn.next_event()
                if isinstance(event, h11.Response):
                    if self._fed - len(self.rest) > MAX_HEAD_BYTES:
                        raise HeadRefused(head_too_large())
                    return event
                if not isinstance(event, h11.InformationalResponse):  # NEED_DATA
                    if self._fed > MAX_HEAD_BYTES:  # every byte so far is the head's
                        raise HeadRefused(head_too_large())
                    return None
        except h11.RemoteProtocolError as exc:
            if "Receive buffer too long" in str(exc):  # h11's own words for a head past its cap
                raise HeadRefused(head_too_large()) from None
            raise HeadRefused(refusal_text(str(exc))) from None

    @property
    def rest(self) -> bytes:
        return self._conn.trailing_data[0]

    def body(self, data: bytes) -> tuple[bytes, bool]:
        """After the head, a chunked body's next bytes (``b""``: those that came with the head):
        (the body's bytes h11 read of them, whether the body ended); :class:`HeadRefused` when
        the sender's parser refuses its framing (a chunk size line, a trailer past
        ``MAX_HEAD_BYTES``). For a transport whose own parser reads framing by other rules: load's
        geventhttpclient read 30 leading zeros and a 200 KB chunk extension, and refused chunk
        extensions h11 reads."""
        if data:
            self._conn.receive_data(data)
        read = []
        try:
            while True:
                event = self._conn.next_event()
                if isinstance(event, h11.Data):
                    read.append(bytes(event.data))
                elif event in (h11.NEED_DATA, h11.PAUSED) or isinstance(event, h11.EndOfMessage):
                    return b"".join(read), event is not h11.NEED_DATA
        except h11.RemoteProtocolError as exc:
            if "Receive buffer too long" in str(exc):
                raise HeadRefused(framing_too_large()) from None
            raise HeadRefused(str(exc)) from None


def refused_head(head: bytes, method: str = "POST") -> str | None:
    """Why the sender's parser refuses this answer head (``head`` may hold its body's first bytes
    too), or None: it reads it, or it is incomplete."""
    try:
        HeadReader(method).feed(head)
    except HeadRefused as exc:
        return str(exc)
    return None


_CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


# a bare chunk size as h11 reads one (its chunk_size: 1 to 20 hex digits, leading zeros counted);
# a line ending in a lone LF is one h11 waits on, never refuses
_PLAIN_SIZE = re.compile(rb"[0-9A-Fa-f]{1,20}\r?\n")


def refused_chunk_line(line: bytes) -> str | None:
    """Why the sender's parser refuses this chunk size line (with its line end), or None: one rule
    for every transport. urllib3 refused a line over 64 KB that h11 reads up to the head's size
    (a chunk extension), and read sizes h11 refuses (more than 20 hex digits, ``0x1a``, ``+1a``)."""
    if _PLAIN_SIZE.fullmatch(line):  # the common line, read alike by h11 (no parser per chunk)
        return None
    if len(line) > MAX_HEAD_BYTES:
        return framing_too_large()
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
    for event in _asked("POST"):
        conn.send(event)
    conn.receive_data(_CHUNKED + line)
    try:
        while isinstance(conn.next_event(), h11.Response):
            continue
    except h11.RemoteProtocolError as exc:
        return str(exc)
    return None
