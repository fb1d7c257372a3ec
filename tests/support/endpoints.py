"""Endpoints that fail on purpose, over real sockets, without ever reaching the internet."""

from __future__ import annotations

import ipaddress
import socket

import pytest

#: A label longer than DNS allows (63 octets): glibc's resolver refuses to build the query, so
#: getaddrinfo fails with EAI_NONAME before any packet is sent (checked with strace: no socket
#: is even opened), while a plain ``no-such-host.invalid`` is sent to the configured nameserver
#: (glibc does not treat ``.invalid`` specially). ``.invalid`` is reserved (RFC 6761), so it
#: could never resolve anyway.
UNRESOLVABLE_HOST = "x" * 64 + ".invalid"


def closed_port(host: str = "127.0.0.1") -> int:
    """A port of ``host`` that was bound and closed again: connecting there is refused."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A loopback URL whose port was bound and closed again: connecting is refused."""
    return f"http://127.0.0.1:{closed_port()}"


def own_address() -> str:
    """A non-loopback IPv4 address of this machine, or skip the test when it has none.

    Connecting to a closed port there is refused by this machine's kernel at once, just as
    another host would refuse it, while for the client it is not loopback. Found by
    "connecting" a UDP socket towards TEST-NET-1 (RFC 5737), which sends nothing.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("this machine has no network interface besides loopback")
        address = probe.getsockname()[0]
    if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0":
        pytest.skip("this machine has no network interface besides loopback")
    return address
