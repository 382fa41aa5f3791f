"""HTTP as an attacker writes it: raw bytes on a socket, to see what the server answers and when."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)


def read_answer(sock: socket.socket) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie":
            cookies |= {key: morsel.value for key, morsel in SimpleCookie(value.strip()).items()}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(status, headers, body, cookies)


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | Iterable[bytes] = b"",
    *,
    timeout: float = 10.0,
) -> Answer:
    """Send the request line and headers, then the body (bytes, or chunks sent as they come), and read the
    answer. Headers are sent as given: no Content-Length is added, so a test can lie or leave it out."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(head.encode("latin-1") + b"\r\n")
        try:
            if isinstance(body, bytes):
                sock.sendall(body)
            else:
                for chunk in body:
                    if select.select([sock], [], [], 0)[0]:
                        break  # an answer is waiting: the server refused before the end
                    sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed: what it said is still to be read
        return read_answer(sock)


def chunked(parts: Iterable[bytes]) -> Iterable[bytes]:
    """A body in HTTP/1.1 chunked transfer encoding."""
    for part in parts:
        yield b"%x\r\n%s\r\n" % (len(part), part)
    yield b"0\r\n\r\n"
