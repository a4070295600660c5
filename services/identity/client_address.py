"""The client's address for sign-in throttling, behind trusted reverse proxies only.

Without configuration the address is the socket peer; a browser cannot choose it. Behind a
reverse proxy every browser arrives from the proxy's address, so one counter would lock everyone
out; ``HUIQI_TRUSTED_PROXIES`` (a comma list of addresses / CIDR networks) names the proxies whose
``X-Forwarded-For`` may be believed. When the peer is one of them, the client is the right-most
address of ``X-Forwarded-For`` that is not itself a trusted proxy (each proxy appends the address
it saw, so everything left of that is what the client claimed and is ignored); ``X-Real-IP`` is
used only when there is no ``X-Forwarded-For``. A peer that is not a trusted proxy is the client,
whatever headers it sends.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Streamlit reports a localhost peer as no address (st.context.ip_address is None).
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Return the networks of a comma list like ``"10.0.0.0/8, 127.0.0.1, ::1"``; raise ValueError
    naming a bad entry."""
    out = []
    for entry in (e.strip() for e in (text or "").split(",")):
        if not entry:
            continue
        try:
            out.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"HUIQI_TRUSTED_PROXIES：「{entry}」不是 IP 地址或网段（如 10.0.0.0/8）。") from None
    return tuple(out)


def parse_ip(text: str | None) -> IPAddress | None:
    """Return the address in ``text`` ("1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::ffff:1.2.3.4"), or None."""
    text = (text or "").strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # an IPv4 client on a dual-stack socket: ::ffff:127.0.0.1 is 127.0.0.1
    return ip


def _trusted(ip: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(ip in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Sequence[str] = (), real_ip: str | None = None,
                   trusted: Sequence[IPNetwork] = ()) -> str:
    """Return the client's address as text.

    ``peer``: the socket peer (None = localhost); ``forwarded_for``: every ``X-Forwarded-For``
    header line in order; ``real_ip``: ``X-Real-IP``; ``trusted``: the trusted proxies.
    """
    addr = parse_ip(peer) if peer else LOOPBACK
    if addr is None:
        return (peer or "unknown")[:64]
    if not _trusted(addr, trusted):
        return str(addr)
    hops = [h for line in forwarded_for for h in line.split(",") if h.strip()]
    if not hops and real_ip:
        hops = [real_ip]
    for hop in reversed(hops):
        ip = parse_ip(hop)
        if ip is None:  # not written by a proxy: stop at the last address a trusted proxy vouched for
            break
        addr = ip
        if not _trusted(ip, trusted):
            break
    return str(addr)
