"""A fake Discord gateway (v10, JSON encoding) on ``ws://127.0.0.1:<port>/``.

It speaks the protocol discord.py's ``DiscordWebSocket`` implements: HELLO (op 10), IDENTIFY (op 2)
-> READY (with ``session_id`` and a ``resume_gateway_url`` pointing back here) and one GUILD_CREATE
per guild of the shard, HEARTBEAT (op 1) -> HEARTBEAT_ACK (op 11), RESUME (op 6) -> the missed
dispatches then RESUMED, plus RECONNECT (op 7) and INVALID_SESSION (op 9) on demand.

Frames are TEXT. discord.py asks for ``compress=zlib-stream`` (or ``zstd-stream``) in the query
but only decompresses BINARY frames, so uncompressed text frames need no faking.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from aiohttp import WSMsgType, web

from tests.fakes._server import LoopbackServer
from tests.fakes.payloads import FakeWorld

DispatchHook = Callable[[str, dict[str, Any]], None]

HELLO: Final = 10
HEARTBEAT: Final = 1
HEARTBEAT_ACK: Final = 11
IDENTIFY: Final = 2
RESUME: Final = 6
RECONNECT: Final = 7
INVALID_SESSION: Final = 9
DISPATCH: Final = 0


@dataclass
class GatewayFrame:
    """A frame the fake received from a client."""

    connection: int
    shard_id: int | None
    op: int
    d: Any
    timestamp: float


@dataclass
class GatewayConnection:
    """One websocket connection."""

    id: int
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    opened_at: float
    session: GatewaySession | None = None
    closed: bool = False
    close_code: int | None = None  # ours when the fake closed, else the client's
    sent: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GatewaySession:
    """A gateway session: survives reconnects and replays dispatches on RESUME."""

    session_id: str
    shard_id: int
    shard_count: int
    identify: dict[str, Any]
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    resumes: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class FakeDiscordGateway(LoopbackServer[GatewayFrame]):
    """The gateway websocket.

    Args:
        world: Source of the READY user/application and of each GUILD_CREATE.
        shard_count: Shards the bot must identify with (``GET /gateway/bot`` advertises it).
        heartbeat_interval: Seconds announced in HELLO.
    """

    scheme: ClassVar[str] = "ws"
    shutdown_timeout: ClassVar[float] = 1.0
    condition_name: ClassVar[str] = "gateway condition"
    predicate_name: ClassVar[str] = "frame predicate"

    def __init__(self, world: FakeWorld, *, shard_count: int = 1, heartbeat_interval: float = 41.25) -> None:
        """Configure the fake; call :meth:`start` (or ``async with``) to serve."""
        super().__init__()
        self.world = world
        self.shard_count = shard_count
        self.heartbeat_interval = heartbeat_interval
        self.received: list[GatewayFrame] = []
        #: Exceptions raised while handling client frames (fake bugs or undecodable frames).
        self.internal_errors: list[Exception] = []
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self._shard_sessions: dict[int, GatewaySession] = {}
        self._hooks: list[DispatchHook] = []
        self._ids = itertools.count(1)
        self._session_ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._handle, name="gateway")
        app.router.add_get("/resume", self._handle, name="resume")
        return app

    async def close(self) -> None:
        """Close every open connection (1001 Going Away) and stop serving."""
        for connection in self.connections:
            if not connection.ws.closed:
                await self._close(connection, 1001, b"fake gateway shutting down")
        await super().close()

    @property
    def url(self) -> str:
        """The URL for ``GET /gateway/bot`` (and ``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        return self.base_url + "/"

    @property
    def resume_url(self) -> str:
        """The ``resume_gateway_url`` READY announces (a distinct path, so tests can see it used)."""
        return self.base_url + "/resume"

    # -- test helpers ----------------------------------------------------------------------

    def add_dispatch_hook(self, hook: DispatchHook) -> None:
        """Call ``hook(event, data)`` just before each :meth:`dispatch` is sent."""
        self._hooks.append(hook)

    def shard_for(self, guild_id: int | str | None) -> int:
        """Return the shard Discord routes ``guild_id``'s events to (shard 0 for DMs)."""
        if guild_id is None:
            return 0
        return (int(guild_id) >> 22) % self.shard_count

    def session(self, shard_id: int = 0) -> GatewaySession:
        """Return the current session of a shard."""
        try:
            return self._shard_sessions[shard_id]
        except KeyError:
            raise RuntimeError(f"shard {shard_id} has not identified") from None

    async def dispatch(self, event: str, data: dict[str, Any], *, shard_id: int | None = None) -> int:
        """Send a DISPATCH (op 0) to the shard owning ``data["guild_id"]``; return its sequence number.

        While the shard is disconnected (after :meth:`reconnect`), the event is only kept in the
        session history; RESUME replays it.
        """
        shard = self.shard_for(data.get("guild_id")) if shard_id is None else shard_id
        session = self.session(shard)
        for hook in self._hooks:
            hook(event, data)
        return await self._dispatch(session, event, data)

    async def reconnect(self, shard_id: int = 0) -> None:
        """Send RECONNECT (op 7); dispatches wait in the session until the client RESUMEs."""
        session = self.session(shard_id)
        connection, session.connection = session.connection, None
        if connection is not None and not connection.closed:
            await self._send(connection, {"op": RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); a non-resumable one forgets the session (client re-IDENTIFYs)."""
        session = self.session(shard_id)
        connection = session.connection
        if not resumable:
            self.sessions.pop(session.session_id, None)
        if connection is not None and not connection.closed:
            await self._send(connection, {"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def drop(self, shard_id: int = 0, *, code: int = 4000) -> None:
        """Close a shard's connection from the server side with ``code``."""
        session = self.session(shard_id)
        connection, session.connection = session.connection, None
        if connection is not None and not connection.ws.closed:
            await self._close(connection, code, b"fake gateway drop")

    def _history(self) -> list[GatewayFrame]:
        return self.received

    def _describe_recent(self) -> str:
        seen = ", ".join(f"op{f.op}" for f in self.received[-20:]) or "(none)"
        return f"last frames: {seen}"

    # -- protocol --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        connection = GatewayConnection(
            next(self._ids), ws, request.path, dict(request.query), time.monotonic()
        )
        self.connections.append(connection)
        await self._notify()
        try:
            interval_ms = int(self.heartbeat_interval * 1000)
            await self._send(
                connection, {"op": HELLO, "d": {"heartbeat_interval": interval_ms}, "s": None, "t": None}
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(connection, json.loads(message.data))
        except Exception as exc:
            # A bug in the fake (or a malformed frame): keep it for BotHarness and close like Discord.
            self.internal_errors.append(exc)
            await self._close(connection, 4002, b"Error while decoding payload.")
        finally:
            connection.closed = True
            if connection.close_code is None:
                connection.close_code = ws.close_code
            session = connection.session
            if session is not None and session.connection is connection:
                session.connection = None
            await self._notify()
        return ws

    async def _on_frame(self, connection: GatewayConnection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        shard = connection.session.shard_id if connection.session else None
        if op == IDENTIFY and isinstance(data, dict):
            shard = (data.get("shard") or [0, 1])[0]
        self.received.append(
            GatewayFrame(connection.id, shard, int(op) if op is not None else -1, data, time.monotonic())
        )
        await self._notify()
        if op == HEARTBEAT:
            await self._send(connection, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            await self._close(connection, 4003, b"Not authenticated.")
        elif op not in (3, 4, 8):  # presence, voice state, request members: accepted, ignored
            await self._close(connection, 4001, b"Unknown opcode.")

    async def _identify(self, connection: GatewayConnection, data: dict[str, Any]) -> None:
        if connection.session is not None:
            await self._close(connection, 4005, b"Already authenticated.")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if shard_count != self.shard_count or not 0 <= shard_id < shard_count:
            await self._close(connection, 4010, b"Invalid shard.")
            return
        session = GatewaySession(f"fake-session-{next(self._session_ids)}", shard_id, shard_count, data)
        self.sessions[session.session_id] = session
        self._shard_sessions[shard_id] = session
        connection.session, session.connection = session, connection
        world = self.world
        guilds = [g for g in world.guilds if self.shard_for(g.id) == shard_id]
        ready = {
            "v": 10,
            "user": {**world.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(world.application_id), "flags": world.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "auth": {},
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }
        await self._dispatch(session, "READY", ready)
        for guild in guilds:
            await self._dispatch(session, "GUILD_CREATE", guild.to_payload())
        await self._notify()

    async def _resume(self, connection: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            await self._send(connection, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with session.lock:
            connection.session, session.connection = session, connection
            session.resumes += 1
            last = data.get("seq") or 0
            for frame in session.history:
                if frame["s"] > last:
                    await self._send(connection, frame)
        await self._dispatch(session, "RESUMED", {"_trace": ['["fake-gateway",{"micros":0}]']})
        await self._notify()

    async def _dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> int:
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.history.append(frame)
            connection = session.connection
            if connection is not None and not connection.closed:
                await self._send(connection, frame)
            return session.seq

    async def _send(self, connection: GatewayConnection, frame: dict[str, Any]) -> None:
        try:
            await connection.ws.send_str(json.dumps(frame))
        except ConnectionError:
            return  # the client went away; RESUME replays dispatches from the session history
        connection.sent.append(frame)

    async def _close(self, connection: GatewayConnection, code: int, reason: bytes) -> None:
        """Close from the server side, remembering our code (the client echoes its own)."""
        connection.close_code = code
        await connection.ws.close(code=code, message=reason)
