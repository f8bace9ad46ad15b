"""Small servers on loopback that no one on the project wrote the client for: they record bytes.

Every server binds 127.0.0.1 and serves a bounded number of connections.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Capture:
    """What a capture server received: the raw bytes of each request."""

    requests: list[bytes] = field(default_factory=list)
    answer: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def capture_server(
    connections: int = 1, answer: bytes | None = None
) -> Iterator[tuple[str, Capture]]:
    """A raw TCP server that records each request's bytes and answers with `answer`."""
    capture = Capture() if answer is None else Capture(answer=answer)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        for _ in range(connections):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                capture.requests.append(_read_request(conn))
                conn.sendall(capture.answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", capture
    finally:
        listener.close()
        thread.join(10)


@dataclass
class Relayed:
    """One request a forward proxy relayed."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        self.server.relayed.append(Relayed(self.command, self.path, headers, body))
        target = urlsplit(self.path)  # a forward proxy gets the absolute URL
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    relayed: list[Relayed]


@contextmanager
def forward_proxy() -> Iterator[tuple[str, list[Relayed]]]:
    """An HTTP forward proxy on loopback that records every request it relays."""
    server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
    server.relayed = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.relayed
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def wire_bytes(prepared: Any) -> bytes:
    """A prepared request as HTTP/1.1 bytes, as a server receives it."""
    head = f"{prepared.method} {prepared.path_url} HTTP/1.1\r\n"
    head += "".join(f"{key}: {value}\r\n" for key, value in prepared.headers.items())
    return head.encode("latin-1") + b"\r\n" + (prepared.body or b"")


@dataclass
class Served:
    """What a misbehaving server managed to do."""

    requests: int = 0
    sent: int = 0


@contextmanager
def one_request_server(
    answer: Callable[[socket.socket, Served, threading.Event], None], *, join: float = 10
) -> Iterator[tuple[str, Served]]:
    """A server on loopback that reads one request and leaves the answer to `answer`
    (called with the connection, the counts and an event set when the test is done)."""
    served = Served()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            _read_request(conn)
            served.requests += 1
            try:
                answer(conn, served, stop)
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", served
    finally:
        stop.set()
        listener.close()
        thread.join(join)


def drip_server(answer: bytes, interval: float) -> AbstractContextManager[tuple[str, Served]]:
    """Reads one request, then sends `answer` one byte every `interval` seconds."""

    def drip(conn: socket.socket, served: Served, stop: threading.Event) -> None:
        for byte in answer:
            if stop.wait(interval):
                return
            conn.sendall(bytes([byte]))
            served.sent += 1

    return one_request_server(drip)


def flood_server(status: int, size: int) -> AbstractContextManager[tuple[str, Served]]:
    """Reads one request, then answers `status` with a `size`-byte body, sent as fast as the
    client reads it (stopping when the client hangs up)."""

    def flood(conn: socket.socket, served: Served, stop: threading.Event) -> None:
        conn.sendall(f"HTTP/1.1 {status} Boom\r\nContent-Length: {size}\r\n\r\n".encode())
        block = b"x" * 65536
        while served.sent < size:
            conn.sendall(block)
            served.sent += len(block)

    return one_request_server(flood, join=30)
