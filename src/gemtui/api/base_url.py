"""Which base URLs the client can send to, and which hosts are this machine.

Standard library only: ``gemtui ask`` checks its ``--base-url`` here before it loads the HTTP
stack, so a typo is a usage error (exit 2) at once instead of a network error after retries.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

#: Google's endpoint: where requests go when no base URL is set.
GOOGLE_HOST = "generativelanguage.googleapis.com"
#: What to give instead, in every message about a bad base URL.
EXAMPLES = f"e.g. https://{GOOGLE_HOST}, or http://127.0.0.1:8080 for a local server"


class InvalidBaseUrl(ValueError):
    """The base URL is not an ``http://`` or ``https://`` address of a host; ``str()`` says
    what is wrong with it in words a user can act on (it does not repeat the URL)."""


def check_base_url(url: str) -> str:
    """``url`` without its trailing slashes, or :class:`InvalidBaseUrl` saying what is wrong.

    An endpoint needs a scheme the client speaks (http or https), a host, and a valid port if
    one is given; it may have a path (a proxy's prefix) but no query or fragment, because the
    API's own path is appended to it.
    """
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise InvalidBaseUrl("contains spaces or control characters")
    if "://" not in url:
        raise InvalidBaseUrl("is not a URL: it must start with http:// or https://")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. brackets around something that is not an IPv6 address
        raise InvalidBaseUrl("is not a valid URL (check the host name)") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = url.split("://", 1)[0]
        raise InvalidBaseUrl(f"uses {scheme}://, but only http:// and https:// are supported")
    if not parts.hostname:
        raise InvalidBaseUrl("has no host name after the scheme")
    try:
        parts.port  # noqa: B018 - reading it is the check: urlsplit raises on a bad port
    except ValueError:
        raise InvalidBaseUrl("has a port that is not a number from 0 to 65535") from None
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise InvalidBaseUrl("must not have a query (?…) or fragment (#…)")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host, without port or brackets) names this machine: a
    loopback address or ``localhost``. A refused connection there means nothing listens,
    which waiting a few seconds will not change."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
