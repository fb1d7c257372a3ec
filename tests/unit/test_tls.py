"""The TLS context made ahead of time (gemtui.api.tls) is the one httpx would make itself."""

from __future__ import annotations

import ssl
import threading

import pytest

from gemtui.api import tls


@pytest.fixture(autouse=True)
def _nothing_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "_prepared", None)


def test_a_prepared_context_is_made_once_and_verifies() -> None:
    tls.prepare()
    tls.prepare()  # a second call starts nothing new
    context = tls.context()
    assert context is tls.context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # the CA certificates are loaded


def test_without_prepare_each_client_gets_a_new_context() -> None:
    assert tls.context() is not tls.context()


def test_a_failure_is_raised_where_the_client_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    tls.prepare()
    with pytest.raises(FileNotFoundError):
        tls.context()


def test_settle_waits_for_a_preparation_still_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """``gemtui ask`` settles before it returns: a process ending while the thread loads the
    certificates could crash at interpreter shutdown."""
    release = threading.Event()
    made = []

    def slow_create() -> ssl.SSLContext:
        release.wait(5)
        made.append(True)
        return ssl.create_default_context()

    monkeypatch.setattr(tls, "_create", slow_create)
    tls.prepare()
    threading.Timer(0.2, release.set).start()
    tls.settle()
    assert made == [True]
