"""`faceharness emulate`'s listening socket: its connections answer without waiting out delayed
ACKs."""

from __future__ import annotations

import asyncio
import socket

from harness.emulator._server import listen


def test_connections_accepted_on_the_emulate_socket_have_tcp_nodelay():
    """asyncio sets TCP_NODELAY only on sockets that say IPPROTO_TCP; without it each answer
    (headers, then body: two writes) waits out the client's delayed ACK, ~40 ms a request."""
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append(
                transport.get_extra_info("socket").getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
            )
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await reader.read()
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


def test_a_stop_waits_for_the_servers_end_when_its_thread_reads_as_ended(monkeypatch):
    """Python 3.11: after a KeyboardInterrupt inside ``Thread.join``, ``is_alive()`` says False
    while the thread runs on (the gate stage's quirk, ``interrupt.join``). A stop asked then
    returned at once with the emulator still serving; it waits for the end its thread sets."""
    from harness.emulator import EmulatorServer

    async def app(scope, receive, send) -> None:  # serves nothing: only its stop is asked
        raise AssertionError("no request is sent")

    emulator = EmulatorServer(app)
    emulator.start()
    monkeypatch.setattr(emulator.thread, "is_alive", lambda: False)  # what the interrupt left
    emulator.stop()
    assert not any(s.is_serving() for s in emulator.server.servers)
    assert emulator.ended.is_set()
