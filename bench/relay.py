"""A TCP relay in front of PostgreSQL that adds a fixed delay each way and counts round trips.

A studio whose server is across the building or hosted elsewhere pays the network's round trip
for every statement; on one machine that cost is invisible. The relay makes it visible without
root (no `tc netem`): every chunk is delivered `delay` seconds after it arrived, in order, in
both directions. It also counts round trips as the client sees them: a round trip starts each
time the client sends after having received something (or sends first), which is exactly one
per statement, BEGIN and COMMIT included, for PostgreSQL's request/response protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url


@dataclass
class _Turns:
    """Round trips seen on one connection: a client send that follows a server reply."""

    waiting_for_reply: bool = False


@dataclass
class Relay:
    """`127.0.0.1:<port>` forwarding to a PostgreSQL server (TCP or unix socket), delayed."""

    target_host: str
    target_port: int
    delay: float = 0.0
    port: int = 0
    round_trips: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _stopped: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def to(cls, server_url: str, delay_ms: float = 0.0) -> Relay:
        url = make_url(server_url)
        host = url.host or str(url.query.get("host", "/tmp"))
        return cls(host, url.port or 5432, delay=delay_ms / 1000).start()

    def url_for(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the relay's."""
        url = make_url(database_url)
        query = {k: v for k, v in url.query.items() if k != "host"}
        return url.set(host="127.0.0.1", port=self.port, query=query).render_as_string(
            hide_password=False
        )

    def start(self) -> Relay:
        self._thread = threading.Thread(target=self._run, name="bench-relay", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the relay did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)

    def count(self) -> int:
        with self._lock:
            return self.round_trips

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopped.wait()
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.target_host.startswith("/"):
            socket = Path(self.target_host) / f".s.PGSQL.{self.target_port}"
            return await asyncio.open_unix_connection(str(socket))
        return await asyncio.open_connection(self.target_host, self.target_port)

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        try:
            server_r, server_w = await self._open_target()
        except OSError:
            client_w.close()
            return
        turns = _Turns()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(
                self._pump(client_r, server_w, turns, from_client=True),
                self._pump(server_r, client_w, turns, from_client=False),
            )

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        turns: _Turns,
        *,
        from_client: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while data := await reader.read(65536):
                self._note(turns, from_client)
                if self.delay:
                    # Delivered in arrival order: call_later with one fixed delay keeps order.
                    loop.call_later(self.delay, _write, writer, data)
                else:
                    writer.write(data)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _note(self, turns: _Turns, from_client: bool) -> None:
        if from_client and not turns.waiting_for_reply:
            turns.waiting_for_reply = True
            with self._lock:
                self.round_trips += 1
        elif not from_client:
            turns.waiting_for_reply = False


def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not writer.is_closing():
        writer.write(data)
