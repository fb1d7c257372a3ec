"""The TLS context of the HTTP client, which can be made ahead of time in a thread.

httpx makes one for every client it builds, and loading the CA certificates into it takes
about 50 ms, in OpenSSL, without holding the GIL. ``gemtui ask`` knows from its command line
that it will send a request, so it calls :func:`prepare` before its heavy imports: the
certificates then load beside those imports instead of between them and the request.

The context is the one httpx makes by default (``httpx.create_ssl_context()``: the file or
folder named by ``SSL_CERT_FILE`` or ``SSL_CERT_DIR``, else certifi's bundle).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, wait
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_prepared: Future[ssl.SSLContext] | None = None
_lock = threading.Lock()


def prepare() -> None:
    """Start making the context in a background thread (once per process)."""
    global _prepared
    with _lock:
        if _prepared is not None:
            return
        _prepared = future = Future()
    threading.Thread(target=_make, args=(future,), name="tls-context", daemon=True).start()


def context() -> ssl.SSLContext:
    """The prepared context (waiting for it if need be), or a new one if none was prepared.
    A failure to make it is raised here, where the client is built, as httpx would raise it."""
    with _lock:
        prepared = _prepared
    return _create() if prepared is None else prepared.result()


def settle() -> None:
    """Wait until a preparation still running has ended (a no-op once the client was built).

    The thread spends most of its time inside OpenSSL without the GIL. A process that ends
    meanwhile (``gemtui ask`` stopping at a bad base URL) shuts the interpreter down under it,
    and that crashed with SIGSEGV, once in about 160 runs on a loaded machine."""
    with _lock:
        prepared = _prepared
    if prepared is not None:
        wait((prepared,))


def _make(future: Future[ssl.SSLContext]) -> None:
    try:
        future.set_result(_create())
    except BaseException as error:  # handed to context()'s caller
        future.set_exception(error)


def _create() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()
