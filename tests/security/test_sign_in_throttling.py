"""Sign-in throttling behind a reverse proxy (issue 14, item 4).

Every browser used to be counted as the proxy's address, so twenty failures with made-up names
locked every user out. The client is now the socket peer, or — only when that peer is one of
HUIQI_TRUSTED_PROXIES — the right-most untrusted address of X-Forwarded-For; and failures for
unknown names count against the client only, never against an account.
"""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import Settings, settings
from services.identity import auth
from services.identity.accounts import create_account
from services.identity.client_address import client_address, parse_networks
from services.core.errors import ServiceError, Throttled
from tests.factories import PASSWORD

PROXIES = parse_networks("127.0.0.1, 10.0.0.0/8, ::1")


# --- the address (no database) ------------------------------------------------------------
def test_no_trusted_proxy_means_the_socket_peer() -> None:
    assert client_address("203.0.113.5", ["198.51.100.1"], "198.51.100.2") == "203.0.113.5"
    assert client_address(None, ["198.51.100.1"]) == "127.0.0.1"  # Streamlit's localhost peer


def test_right_most_untrusted_address_of_x_forwarded_for() -> None:
    # client -> 10.1.1.1 (inner proxy) -> 127.0.0.1 (nginx); the client claimed "1.1.1.1" itself
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.5, 10.1.1.1"], trusted=PROXIES) == "203.0.113.5"
    # the header split over several lines, a port, a dual-stack peer, Streamlit's None for localhost
    assert client_address("::ffff:127.0.0.1", ["1.1.1.1", "203.0.113.5:51000", "10.1.1.1"],
                          trusted=PROXIES) == "203.0.113.5"
    assert client_address(None, ["2001:db8::7"], trusted=PROXIES) == "2001:db8::7"
    assert client_address("::1", ["[2001:db8::7]:443"], trusted=PROXIES) == "2001:db8::7"


def test_x_real_ip_only_without_x_forwarded_for() -> None:
    assert client_address("127.0.0.1", [], "203.0.113.5", PROXIES) == "203.0.113.5"
    assert client_address("127.0.0.1", ["198.51.100.4"], "203.0.113.5", PROXIES) == "198.51.100.4"


def test_spoofed_headers_from_an_untrusted_peer_are_ignored() -> None:
    assert client_address("203.0.113.9", ["127.0.0.1"], "10.0.0.1", PROXIES) == "203.0.113.9"
    assert client_address("::ffff:203.0.113.9", ["198.51.100.4"], trusted=PROXIES) == "203.0.113.9"


def test_odd_chains() -> None:
    assert client_address("127.0.0.1", [], trusted=PROXIES) == "127.0.0.1"  # proxy without headers
    assert client_address("127.0.0.1", ["10.2.2.2, 10.1.1.1"], trusted=PROXIES) == "10.2.2.2"  # all trusted
    # something no proxy writes: stop at the last address a trusted proxy vouched for
    assert client_address("127.0.0.1", ["203.0.113.5, <script>, 10.1.1.1"], trusted=PROXIES) == "10.1.1.1"


def test_trusted_proxies_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
    with pytest.raises(ValidationError, match="proxy.internal"):
        Settings()
    monkeypatch.setenv("HUIQI_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, ::1")
    assert parse_networks(Settings().trusted_proxies) == PROXIES


# --- throttling (both databases) ----------------------------------------------------------
@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "trusted_proxies", "127.0.0.1")


def test_made_up_names_from_one_client_lock_neither_real_users_nor_other_clients(db: str, behind_proxy: None) -> None:
    create_account("zhangsan", PASSWORD, ["enterprise"], phone="13912345678")
    attacker = auth.client_of("::ffff:127.0.0.1", ["203.0.113.66"])
    colleague = auth.client_of("::ffff:127.0.0.1", ["198.51.100.4"])
    assert attacker != colleague
    for i in range(20):
        with pytest.raises(ServiceError):
            auth.sign_in(f"made-up-{i}", "Wrong@pass1", attacker)
    assert auth.sign_in("zhangsan", PASSWORD, colleague)[0]  # another browser behind the same proxy
    with pytest.raises(Throttled):  # the guessing client itself waits out the window
        auth.sign_in("zhangsan", PASSWORD, attacker)


def test_failures_for_an_unknown_name_never_count_against_an_account(db: str) -> None:
    for i in range(5):  # the name does not exist yet: only the clients are counted
        with pytest.raises(ServiceError):
            auth.sign_in("lisi", "Wrong@pass1", f"client-{i}")
    create_account("lisi", PASSWORD, ["enterprise"], phone="13912345678")
    assert auth.sign_in("lisi", PASSWORD, "client-x")[0]
    for i in range(5):  # failures for the real account do count
        with pytest.raises(ServiceError):
            auth.sign_in("lisi", "Wrong@pass1", f"other-{i}")
    with pytest.raises(Throttled):
        auth.sign_in("lisi", PASSWORD, "client-y")


def test_spoofed_forwarded_for_from_an_untrusted_peer_counts_against_the_peer(db: str, behind_proxy: None) -> None:
    create_account("zhangsan", PASSWORD, ["enterprise"], phone="13912345678")
    for i in range(20):  # a new made-up X-Forwarded-For every time, sent straight to the app
        with pytest.raises(ServiceError):
            auth.sign_in(f"guess{i}", "Wrong@pass1", auth.client_of("203.0.113.9", [f"198.51.100.{i}"]))
    with pytest.raises(Throttled):
        auth.sign_in("zhangsan", PASSWORD, auth.client_of("203.0.113.9", ["192.0.2.1"]))
    assert auth.sign_in("zhangsan", PASSWORD, auth.client_of("203.0.113.10"))[0]
