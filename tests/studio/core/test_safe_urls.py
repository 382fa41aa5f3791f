"""Where webhooks may go: public addresses only; loopback and private ones when allowed; never metadata,
link-local, multicast or reserved ones."""

from __future__ import annotations

import ipaddress

import pytest

from studio.core.safe_urls import UnsafeURL, parse, refusal, resolve_target

NEVER = [
    "169.254.169.254",
    "fd00:ec2::254",
    "100.100.100.200",
    "169.254.10.1",
    "fe80::1",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
]
PRIVATE = ["127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "fd12::1", "::ffff:127.0.0.1"]


@pytest.mark.parametrize("address", NEVER)
def test_it_never_sends_to_metadata_link_local_multicast_or_reserved_addresses(address):
    for allow_private in (False, True):
        assert refusal(ipaddress.ip_address(address), allow_private=allow_private) is not None


@pytest.mark.parametrize("address", PRIVATE)
def test_it_sends_to_loopback_and_private_addresses_only_when_allowed(address):
    assert refusal(ipaddress.ip_address(address), allow_private=False) is not None
    assert refusal(ipaddress.ip_address(address), allow_private=True) is None


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "100.64.0.1"])
def test_public_addresses_pass_and_shared_space_does_not(address):
    expected_ok = address != "100.64.0.1"
    assert (refusal(ipaddress.ip_address(address), allow_private=False) is None) is expected_ok


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "example.com/hook",
        "https:///nohost",
        "https://user:pw@example.com/",
        "http://[::1",
    ],
)
def test_it_refuses_urls_it_cannot_use(url):
    with pytest.raises(UnsafeURL):
        parse(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://0177.0.0.1/hook",
        "http://2130706433/hook",
    ],
)
def test_it_refuses_urls_that_resolve_to_what_it_must_not_reach(url):
    with pytest.raises(UnsafeURL) as refused:
        resolve_target(url, allow_private=False)
    assert "cannot go there" in refused.value.message or "could not be resolved" in refused.value.message


def test_it_resolves_loopback_when_private_addresses_are_allowed():
    target = resolve_target("http://127.0.0.1:9/hook?x=1", allow_private=True)
    assert (target.host, target.port, target.path, target.address) == (
        "127.0.0.1",
        9,
        "/hook?x=1",
        "127.0.0.1",
    )


def test_metadata_stays_refused_when_private_addresses_are_allowed():
    with pytest.raises(UnsafeURL):
        resolve_target("http://169.254.169.254/", allow_private=True)


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(UnsafeURL, match="could not be resolved"):
        resolve_target("https://no-such-host.invalid/hook", allow_private=True)
