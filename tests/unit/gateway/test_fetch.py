"""Which image URLs may be fetched: address classification and the pinned target (no network)."""

from __future__ import annotations

import pytest
from yarl import URL

from bot.gateway import errors as gw
from bot.gateway.fetch import check_url, is_public_address, next_url

ORIGIN = URL("http://127.0.0.1:8123")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (CGNAT)
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "not-an-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


class FakeResolver:
    """A resolution table; any other name fails the test (tests never resolve real names)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.table[host]


async def test_https_to_a_public_name_is_pinned_to_the_checked_address() -> None:
    resolver = FakeResolver({"cdn.example.test": ["93.184.216.34", "2606:4700::1111"]})
    target = await check_url(URL("https://cdn.example.test/a/b.png?x=1"), ORIGIN, resolver)
    assert resolver.asked == [("cdn.example.test", 443)]
    assert target.connect_url == URL("https://93.184.216.34/a/b.png?x=1")
    assert target.host_header == "cdn.example.test"
    assert target.server_hostname == "cdn.example.test"
    assert not target.trusted


async def test_a_non_default_port_stays_in_the_host_header() -> None:
    resolver = FakeResolver({"cdn.example.test": ["2606:4700::1111"]})
    target = await check_url(URL("https://cdn.example.test:8443/x.png"), ORIGIN, resolver)
    assert target.connect_url.host == "2606:4700::1111"
    assert target.connect_url.port == 8443
    assert target.host_header == "cdn.example.test:8443"


@pytest.mark.parametrize(
    "answer", [["127.0.0.1"], ["10.0.0.7"], ["93.184.216.34", "192.168.0.1"], ["169.254.169.254"]]
)
async def test_a_name_resolving_to_any_private_address_is_refused(answer: list[str]) -> None:
    resolver = FakeResolver({"rebind.example.test": answer})
    with pytest.raises(gw.UnsafeURLError, match="non-public"):
        await check_url(URL("https://rebind.example.test/x.png"), ORIGIN, resolver)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/x.png",  # plain http off the origin
        "ftp://93.184.216.34/x.png",
        "file:///etc/passwd",
        "https://user:pw@93.184.216.34/x.png",
        "https://127.0.0.1/x.png",
        "https://[::1]/x.png",
        "https://10.0.0.1/x.png",
        "http://127.0.0.1:9/x.png",  # loopback, but not the gateway's port
        "https://127.0.0.1:8123/x.png",  # the gateway's host and port, another scheme
        "/relative.png",
    ],
)
async def test_refused_urls(url: str) -> None:
    resolver = FakeResolver({})
    with pytest.raises(gw.UnsafeURLError):
        await check_url(URL(url), ORIGIN, resolver)
    assert resolver.asked == []  # refused before any name resolution


async def test_the_gateway_origin_is_trusted_whatever_its_address() -> None:
    target = await check_url(URL("http://127.0.0.1:8123/files/img1"), ORIGIN, FakeResolver({}))
    assert target.trusted
    assert target.connect_url == URL("http://127.0.0.1:8123/files/img1")
    assert target.host_header is None


def test_redirect_locations_resolve_against_the_current_url() -> None:
    base = URL("https://cdn.example.test/a/b.png")
    assert next_url(base, "/c.png") == URL("https://cdn.example.test/c.png")
    assert next_url(base, "http://127.0.0.1/x") == URL("http://127.0.0.1/x")
    with pytest.raises(gw.BadResponseError):
        next_url(base, None)
