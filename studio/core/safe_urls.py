"""Where Atelier may send a webhook: an http(s) URL whose host resolves only to public addresses.

A webhook makes our server send a request where a user says: without a check, a user could make it reach
the machine itself, the private network, or a cloud's metadata service (server-side request forgery).
`resolve_target` resolves the host, checks every address it resolves to, and returns the address to
connect to, so the connection goes to the address that was checked (a second lookup could answer
differently: DNS rebinding). It is called when an endpoint is registered and again at every delivery.

`ATELIER_WEBHOOK_ALLOW_PRIVATE` admits loopback and private addresses (local development); link-local,
multicast, reserved and metadata addresses are refused whatever it says.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services: AWS, GCP and Azure (IPv4 and AWS's IPv6), Alibaba, AWS ECS's task metadata.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class UnsafeURL(ValueError):
    """A webhook URL Atelier will not send to, with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to `address`, but speak to `host` (Host header, TLS name)."""

    scheme: str
    host: str
    port: int
    path: str  # with the query, as sent in the request line
    address: str


def refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a webhook may not go to `address`, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified or address.is_multicast or address.is_link_local:
        return "a link-local, multicast or unspecified address"
    if address.is_loopback:  # before the reserved ranges: IPv6's ::1 is in one
        return None if allow_private else "a loopback or private address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return None if allow_private else "a loopback or private address"
    if not address.is_global:
        return "an address that is not public"
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, or UnsafeURL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeURL("That is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("A webhook URL starts with https:// (or http://) and names a host.")
    if parts.username or parts.password:
        raise UnsafeURL("A webhook URL may not carry a user name or password.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80), path


def resolve_target(url: str, *, allow_private: bool | None = None) -> Target:
    """The URL checked and resolved, or UnsafeURL saying why not."""
    if allow_private is None:
        allow_private = settings.ATELIER_WEBHOOK_ALLOW_PRIVATE
    scheme, host, port, path = parse(url)
    if host.rstrip(".") in METADATA_HOSTS:
        raise UnsafeURL(f"{host} is a cloud metadata service: webhooks cannot go there.")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(f"{host} could not be resolved.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found]
    for address in addresses:
        reason = refusal(address, allow_private=allow_private)
        if reason is not None:
            raise UnsafeURL(f"{host} resolves to {address}, {reason}: webhooks cannot go there.")
    return Target(scheme, host, port, path, str(addresses[0]))
