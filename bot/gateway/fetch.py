"""Downloads of image URLs named in gateway replies: untrusted input, fetched only when safe.

A reply may name any URL (`data[].url`, `delta.images[].image_url.url`). The client fetches:

* the gateway's own origin (scheme, host and port of `AI_GATEWAY_BASE_URL`), whatever its
  address: a self-hosted gateway on a private network is the operator's choice, and only
  there does the key go;
* ``https`` URLs whose host name resolves only to public addresses.

Everything else is refused with `UnsafeURLError`: other schemes, plain ``http`` elsewhere,
credentials in the URL, and hosts that are (or resolve to) loopback, private, link-local,
multicast, reserved, shared (CGNAT) or unspecified addresses. The check runs after name
resolution, and the connection then goes to the very address that was checked: the URL's
host is replaced by that IP while the ``Host`` header and TLS (SNI and certificate check)
keep the name. A DNS answer that changes between the check and the connection (rebinding)
therefore cannot steer the request inward. Redirects are followed by hand, at most
`MAX_REDIRECTS`, and every ``Location`` is checked the same way. Bodies are read in chunks
and abandoned as soon as they pass the size cap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from yarl import URL

from bot.gateway import errors as gw
from bot.gateway.spool import ImageData, ImageWriter

MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``resolve(host, port)`` -> the host's addresses (strings); injectable for tests."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (both families)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | IPAddress) -> bool:
    """Whether an address is a public unicast one (the only kind fetched off the gateway's origin).

    Refused: loopback, private, link-local, multicast, reserved, unspecified, shared address
    space (100.64/10), documentation ranges, and IPv6 forms that embed such an IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
            return is_public_address(ip.ipv4_mapped)
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public_address(inner):
            return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True, slots=True)
class Target:
    """Where one request goes.

    Attributes:
        url: The URL as named (used to resolve a relative ``Location``).
        connect_url: The URL actually requested: for a checked foreign host, its host is the
            checked IP address.
        host_header: ``Host`` to send when `connect_url` carries an IP instead of the name.
        server_hostname: The name for TLS SNI and certificate checks in that case.
        trusted: The gateway's own origin (the key may be sent).
    """

    url: URL
    connect_url: URL
    host_header: str | None = None
    server_hostname: str | None = None
    trusted: bool = False


async def check_url(url: URL, origin: URL, resolver: Resolver = system_resolver) -> Target:
    """Decide whether `url` may be fetched and, if so, pin the address to connect to.

    Raises:
        UnsafeURLError: the URL is not the gateway's origin nor https to public addresses.
    """
    if not url.absolute or url.host is None:
        raise gw.UnsafeURLError(f"image URL is not absolute: {str(url)[:200]}")
    if url.user is not None or url.password is not None:
        raise gw.UnsafeURLError("image URL carries credentials")
    if url.origin() == origin:
        return Target(url, url, trusted=True)
    if url.scheme != "https":
        raise gw.UnsafeURLError(
            f"image URL scheme {url.scheme!r} is not https (and not the gateway's origin)"
        )
    host = url.host
    port = url.port or 443
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolver(host, port)
        except OSError as exc:
            raise gw.GatewayConnectionError(
                f"could not resolve the image host: {type(exc).__name__}"
            ) from exc
    if not addresses:
        raise gw.GatewayConnectionError("the image host has no address")
    # Every answer must be public: a rebinding attacker would mix a private one in.
    refused = [address for address in addresses if not is_public_address(address)]
    if refused:
        raise gw.UnsafeURLError(f"image host {host!r} resolves to a non-public address ({refused[0]})")
    pinned = addresses[0]
    host_header = host if url.is_default_port() else f"{host}:{port}"
    return Target(url, url.with_host(pinned), host_header=host_header, server_hostname=host)


def next_url(current: URL, location: str | None) -> URL:
    """The absolute URL a redirect points to.

    Raises:
        BadResponseError: no usable ``Location``.
    """
    if not location:
        raise gw.BadResponseError("image download redirected without a Location")
    try:
        return current.join(URL(location))
    except ValueError as exc:
        raise gw.BadResponseError("image download redirected to an unreadable Location") from exc


@asynccontextmanager
async def open_image_url(
    session: aiohttp.ClientSession,
    url: str,
    *,
    origin: URL,
    trusted_headers: dict[str, str],
    request_timeout: aiohttp.ClientTimeout,
    resolver: Resolver = system_resolver,
    max_redirects: int = MAX_REDIRECTS,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """Open a checked image URL, following checked redirects by hand; yield the 200 response.

    Args:
        session: The process-wide session.
        url: The URL from the gateway's reply.
        origin: The gateway's origin (trusted, gets `trusted_headers`).
        trusted_headers: Headers (the key) sent only to the gateway's origin.
        request_timeout: Timeout of each request (redirect hop).
        resolver: Name resolution (the checked address is the one connected to).
        max_redirects: Redirects followed at most.

    Raises:
        UnsafeURLError: the URL or a redirect target is not allowed.
        BadResponseError: a status other than 200 (or a bad redirect).
    """
    try:
        current = URL(url)
    except ValueError as exc:
        raise gw.UnsafeURLError("image URL is unreadable") from exc
    for _ in range(max_redirects + 1):
        target = await check_url(current, origin, resolver)
        headers = dict(trusted_headers) if target.trusted else {}
        if target.host_header is not None:
            headers["Host"] = target.host_header
        async with session.get(
            target.connect_url,
            headers=headers,
            timeout=request_timeout,
            allow_redirects=False,
            server_hostname=target.server_hostname,
        ) as resp:
            if resp.status in _REDIRECTS:
                current = next_url(current, resp.headers.get("Location"))
                continue
            if resp.status != 200:
                raise gw.BadResponseError(
                    f"image download failed with HTTP {resp.status}", status=resp.status
                )
            yield resp
            return
    raise gw.UnsafeURLError(f"image download redirected more than {max_redirects} times")


async def body_pieces(content: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    """The body as the network delivered it, one buffered piece at a time.

    `iter_any()` joins every piece buffered at the moment into one new bytes object: a copy of
    each megabyte of a 20 MiB reply, on the loop, that the gateway's readers (JSON bodies, SSE)
    and image downloads never need (they carry their state across pieces, or keep the pieces).
    """
    async for piece, _ in content.iter_chunks():
        if piece:
            yield piece


async def body_pieces_until_silent(resp: aiohttp.ClientResponse, silence: float) -> AsyncIterator[bytes]:
    """`body_pieces` of a stream that fails with `TimeoutError` after `silence` seconds without one.

    aiohttp's `sock_read` timeout does the same by making a timer and cancelling the previous
    one for every piece the socket delivers (a streamed reply: hundreds a second). Here one
    timer looks once per `silence` at when the last piece came, and only time spent waiting for
    the body counts: not the time the consumer takes between two pieces (aiohttp stops its
    timer while the consumer lags, too). On silence the response is closed, which fails the
    pending read; that failure becomes the `TimeoutError`.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting_since: float | None = started  # None while the consumer holds a piece
    timed_out = False
    handle: asyncio.TimerHandle | None = None

    def check() -> None:
        nonlocal handle, timed_out
        now = loop.time()
        if waiting_since is not None and now - waiting_since >= silence:
            timed_out = True
            resp.close()
            return
        handle = loop.call_at((now if waiting_since is None else waiting_since) + silence, check)

    handle = loop.call_at(started + silence, check)
    try:
        async for piece, _ in resp.content.iter_chunks():
            waiting_since = None
            if piece:
                yield piece
            waiting_since = loop.time()
    except aiohttp.ClientError as exc:
        if timed_out:
            raise TimeoutError(f"no data for {silence:g} s") from exc
        raise
    finally:
        if handle is not None:
            handle.cancel()
    if timed_out:
        raise TimeoutError(f"no data for {silence:g} s")


async def fetch_image(
    session: aiohttp.ClientSession,
    url: str,
    *,
    origin: URL,
    trusted_headers: dict[str, str],
    request_timeout: aiohttp.ClientTimeout,
    resolver: Resolver,
    writer: ImageWriter,
    max_bytes: int,
) -> ImageData:
    """Download a checked image URL into `writer`, abandoning it past `max_bytes`.

    Raises:
        UnsafeURLError: the URL or a redirect target is not allowed.
        ImageTooLargeError: the image is over `max_bytes` (read in chunks, never whole).
        GatewayError: timeouts, connection failures, statuses other than 200.
    """
    try:
        async with open_image_url(
            session,
            url,
            origin=origin,
            trusted_headers=trusted_headers,
            request_timeout=request_timeout,
            resolver=resolver,
        ) as resp:
            if (resp.content_length or 0) > max_bytes:
                raise gw.ImageTooLargeError(
                    f"image of {resp.content_length} bytes exceeds the {max_bytes}-byte cap"
                )
            async for chunk in body_pieces(resp.content):
                if writer.size + len(chunk) > max_bytes:
                    raise gw.ImageTooLargeError(f"image exceeds the {max_bytes}-byte cap")
                writer.write(chunk)
        return writer.finish()
    except TimeoutError as exc:
        raise gw.GatewayTimeoutError("timed out downloading an image") from exc
    except aiohttp.ClientError as exc:
        raise gw.GatewayConnectionError(f"image download failed: {type(exc).__name__}") from exc
    finally:
        writer.abort()  # a no-op after `finish`
