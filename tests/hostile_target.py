"""A hostile HTTP target on 127.0.0.1 port 0: drips, resets, hangs or floods its answers.

A raw asyncio server (no HTTP framework to smooth anything over), run in a thread. Each request
gets the next behaviour of its cycle, whatever its path:

- ``drip``: headers of a JSON answer, then its body one byte every ``drip_interval`` s;
- ``reset``: the request is read, then the connection is reset (RST) without a byte;
- ``hang``: the request is read and nothing is ever sent;
- ``oversized``: a 200 whose body is ``oversized_bytes`` of JSON-looking filler, sent at once;
- ``endless``: a 200 that announces a 1 TB body and streams filler as fast as it is read;
- ``drip_headers``: the status line, then the headers one byte every ``drip_interval`` s;
- ``ok``: a small, complete JSON answer.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
import threading
from collections.abc import Sequence

BODY = (b'{"errcode":0,"errmsg":"success","data":{"result":{"code":"1234"}},'
        b'"note":"this answer is dripped one byte at a time to hold a client"}')


class HostileTarget:
    def __init__(self, behaviours: Sequence[str] = ("drip",), *, drip_interval: float = 0.5,
                 oversized_bytes: int = 8 * 1024 * 1024) -> None:
        self._cycle = itertools.cycle(behaviours)
        self.drip_interval, self.oversized_bytes = drip_interval, oversized_bytes
        self.served: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None
        self.url = ""

    def __enter__(self) -> HostileTarget:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("hostile target did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop)
        self._thread.join(10)

    # --- server -----------------------------------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.call_later(0.2, self._loop.stop)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await _read_request(reader):
                behaviour = next(self._cycle)
                self.served.append(behaviour)
                if not await getattr(self, "_" + behaviour)(writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _ok(self, writer: asyncio.StreamWriter) -> bool:
        writer.write(_head(len(BODY)) + BODY)
        await writer.drain()
        return True

    async def _drip(self, writer: asyncio.StreamWriter) -> bool:
        writer.write(_head(len(BODY)))
        await writer.drain()
        for i in range(len(BODY)):
            await asyncio.sleep(self.drip_interval)
            writer.write(BODY[i:i + 1])
            await writer.drain()
        return True

    async def _reset(self, writer: asyncio.StreamWriter) -> bool:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return False

    async def _hang(self, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(3600)
        return False

    async def _endless(self, writer: asyncio.StreamWriter) -> bool:
        writer.write(_head(1 << 40))
        chunk = b"x" * 65536
        while True:
            writer.write(chunk)
            await writer.drain()

    async def _drip_headers(self, writer: asyncio.StreamWriter) -> bool:
        head = _head(len(BODY))
        writer.write(head[:17])
        for i in range(17, len(head)):
            await writer.drain()
            await asyncio.sleep(self.drip_interval)
            writer.write(head[i:i + 1])
        writer.write(BODY)
        await writer.drain()
        return True

    async def _oversized(self, writer: asyncio.StreamWriter) -> bool:
        writer.write(_head(self.oversized_bytes))
        chunk = b'{"pad":"' + b"x" * 65000 + b'"},'
        sent = 0
        while sent < self.oversized_bytes:
            piece = chunk[: self.oversized_bytes - sent]
            writer.write(piece)
            sent += len(piece)
            await writer.drain()
        return True


def _head(length: int) -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()


async def _read_request(reader: asyncio.StreamReader) -> bool:
    """Read one request (headers and a Content-Length body); False at the end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return False
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    if length:
        await reader.readexactly(length)
    return True
