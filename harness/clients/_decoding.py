"""A body's ``Content-Encoding`` undone as httpx undoes it, but a piece at a time: httpx inflates
each chunk whole, and 809 bytes of brotli inflate to a gigabyte before any cap can count them."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ._deadline import AnswerTooLarge, UndecodableBody

PIECE = 64 * 1024  # the most one layer hands on at a time, so memory never follows the ratio
SLICE = 16 * 1024  # the most input a gzip inflater is given at a time (_Gzip)
MAX_MEMBERS = 10_000  # gzip members in one body (_Gzip): 25 us each, a 2 MB flood of empty ones
# what httpx undoes (its zstd needs zstandard, which is not installed), and x-gzip, which a
# recipient SHOULD take for gzip (RFC 9110 8.4.1.3): another coding is left as it is, and its body
# read as it came
CODINGS = ("gzip", "x-gzip", "deflate", "br")


class _Zlib:
    name = "gzip"

    def __init__(self, wbits: int) -> None:
        self._inflater = zlib.decompressobj(wbits)

    @property
    def finished(self) -> bool:
        return self._inflater.eof

    @property
    def cut(self) -> str:
        """Where the body stops short (when not :attr:`finished`)."""
        return f"the {self.name} stream ends before its last block"

    def step(self, data: bytes) -> bytes:
        """At most :data:`PIECE` bytes more; what is left of ``data`` waits for the next call."""
        inflater = self._inflater
        try:
            return inflater.decompress(inflater.unconsumed_tail + data, PIECE)
        except zlib.error as exc:
            raise UndecodableBody(str(exc)) from exc


class _Gzip:
    """Every member, not the first alone: RFC 1952 2.2, "a gzip file consists of a series of
    members", and gzip(1) and Python's gzip read them all as one body (httpx stops at the first:
    a success sent in two members read as half a JSON text), zero bytes after a member skipped as
    they skip them. After a whole member (its CRC checked), bytes that cannot begin one (not
    ``1f 8b``: a proxy's stray ``\\r\\n``) end the body, read as httpx and urllib3 read it (urllib3
    skips such garbage on purpose; only an HTTP convention, so it fails no service); a member
    broken or cut short, ``1f 8b`` or not, is undecodable. The size cap counts the members' sum
    (:func:`decoded`). Input goes in by :data:`SLICE` (zlib copies what follows a member's end:
    100,000 empty members in one read were quadratic), and at most :data:`MAX_MEMBERS` of them."""

    name = "gzip"

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._ended = 0  # members read to their end
        self._fed = False  # the current member has had a byte
        self._tail = False  # bytes after a member that begin none: the rest is dropped
        self._pending, self._at = b"", 0  # input not yet given to an inflater, from _at

    @property
    def finished(self) -> bool:
        between = self._ended > 0 and not self._fed and self._at >= len(self._pending)
        return self._tail or self._inflater.eof or between

    @property
    def cut(self) -> str:
        """Where the body stops short (when not :attr:`finished`)."""
        if not self._ended:
            return "the gzip body ends inside its member, before the CRC and size that end it"
        n = self._ended
        return (
            f"the gzip body ends inside member {n + 1:,}, after {n:,} whole member{'s' * (n > 1)}"
        )

    def _next_member(self) -> None:
        self._at -= len(self._inflater.unused_data)  # the end of what it was given: taken back
        self._ended += 1
        self._inflater, self._fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False

    def _begins_member(self) -> bool | None:
        """Whether the input at ``_at`` (after a whole member) can begin one: ``None`` until its
        second byte came; past :data:`MAX_MEMBERS`, refused."""
        start = self._pending[self._at : self._at + 2]
        if start[:1] != b"\x1f" or start == b"\x1f":
            return None if start == b"\x1f" else False
        if start != b"\x1f\x8b":
            return False
        if self._ended >= MAX_MEMBERS:
            raise UndecodableBody(f"more than {MAX_MEMBERS:,} gzip members; reading stopped")
        return True

    def step(self, data: bytes) -> bytes:
        """At most :data:`PIECE` bytes more; what is left of ``data`` waits for the next call."""
        if self._tail:
            return b""
        if self._inflater.eof:
            self._next_member()
        if data:
            self._pending, self._at = self._pending[self._at :] + data, 0
        while True:
            inflater = self._inflater
            piece = inflater.unconsumed_tail
            if not piece:
                if self._ended and not self._fed:
                    while self._pending[self._at : self._at + 1] == b"\0":  # zero padding
                        zeros = self._pending[self._at : self._at + SLICE]
                        self._at += len(zeros) - len(zeros.lstrip(b"\0"))
                    begins = self._begins_member() if self._at < len(self._pending) else None
                    if begins is False:
                        self._tail, self._pending, self._at = True, b"", 0
                        return b""
                    if begins is None:  # no byte yet, or a lone 1f: wait for the next
                        self._pending, self._at = self._pending[self._at :], 0
                        return b""
                piece = self._pending[self._at : self._at + SLICE]
                self._at += len(piece)
                if not piece:
                    self._pending, self._at = b"", 0
                    return b""
                self._fed = True
            try:
                out = inflater.decompress(piece, PIECE)
            except zlib.error as exc:
                which = f"gzip member {self._ended + 1}" if self._ended else "the gzip body"
                raise UndecodableBody(f"{which} is not valid gzip: {exc}") from exc
            if out:
                return out
            if inflater.eof:
                self._next_member()


class _Deflate(_Zlib):
    """zlib-wrapped, or raw as some servers send: httpx decides on the first data it decodes."""

    name = "deflate"

    def __init__(self) -> None:
        super().__init__(zlib.MAX_WBITS)
        self._first = True

    def step(self, data: bytes) -> bytes:
        first = self._first and bool(data)
        self._first = self._first and not data
        try:
            return super().step(data)
        except UndecodableBody:
            if not first:
                raise
            if (
                len(data) > 1
                and data[0] & 0x0F == 8
                and data[1] & 0x20
                and int.from_bytes(data[:2], "big") % 31 == 0
            ):  # a zlib header with FDICT (RFC 1950 2.2): not raw deflate either
                raise UndecodableBody(
                    "the deflate body needs a preset dictionary (zlib FDICT), which HTTP "
                    "never supplies"
                ) from None
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return super().step(data)


class _Brotli:
    name = "br"

    def __init__(self) -> None:
        import brotli  # httpx's and geventhttpclient's dependency

        self._brotli: Any = brotli
        self._inflater = brotli.Decompressor()

    @property
    def finished(self) -> bool:
        return bool(self._inflater.is_finished())

    @property
    def cut(self) -> str:
        """Where the body stops short (when not :attr:`finished`)."""
        return "the br stream ends before its last meta-block"

    def step(self, data: bytes) -> bytes:
        if data and not self._inflater.can_accept_more_data():
            raise UndecodableBody("brotli output not drained")  # inflated() drains it first
        try:
            return bytes(self._inflater.process(data, output_buffer_limit=PIECE))
        except self._brotli.error as exc:
            raise UndecodableBody(str(exc)) from exc


_Layer = _Zlib | _Gzip | _Brotli
_LAYERS: dict[str, Callable[[], _Layer]] = {
    "gzip": _Gzip,
    "deflate": _Deflate,
    "br": _Brotli,
}


def layers(codings: Iterable[str]) -> list[_Layer]:
    """The decoders of ``codings`` (``Content-Encoding`` values, each one or a comma-separated
    list: ``gzip, br`` is gzip, then brotli), last applied first; a coding not in :data:`CODINGS`
    (identity among them) is left as it is, as httpx leaves it."""
    names = [n.strip().lower() for value in codings for n in value.split(",")]
    return [_LAYERS["gzip" if n == "x-gzip" else n]() for n in reversed(names) if n in CODINGS]


def decoded(chunks: Iterable[bytes], codings: Iterable[str], cap: int) -> bytes:
    """The body of raw ``chunks`` with its ``codings`` undone, as httpx undoes them: every
    transport's one reading of an answer's body. Raises :class:`AnswerTooLarge` once it inflates
    past ``cap`` bytes, :class:`UndecodableBody` if it is not what its codings say, a compressed
    stream cut short among them (httpx keeps what inflated: a gzip body without its end, its CRC
    never checked, read as a whole answer; RFC 1952 2.2: a member ends with its CRC and size)."""
    stack = layers(codings)
    parts: list[bytes] = []
    size = came = 0
    try:
        for raw in chunks:
            came += len(raw)
            for part in inflated(stack, raw):
                size += len(part)
                parts.append(part)
                del part
                if size > cap:
                    raise AnswerTooLarge(
                        f"the answer's body ran past {cap // (1024 * 1024)} MiB; reading stopped"
                    )
        cut = next((layer for layer in stack if not layer.finished), None)
        if came and cut:  # an empty body labelled with a coding is read as empty, as httpx does
            raise UndecodableBody(f"{cut.cut} ({size} bytes inflated)")
        return b"".join(parts)
    finally:
        parts.clear()  # a run keeps the error's traceback (an Exchange's cause), not the body


def inflated(stack: Sequence[_Layer], data: bytes) -> Iterator[bytes]:
    """``data`` through every layer of ``stack``, in pieces of about :data:`PIECE` bytes: a caller
    that stops reading stops the inflating. Raises :class:`UndecodableBody` on a bad stream."""
    if not stack:
        if data:
            yield data
        return
    first, rest = stack[0], stack[1:]
    part = first.step(data)
    while part:
        yield from inflated(rest, part)
        part = first.step(b"")
