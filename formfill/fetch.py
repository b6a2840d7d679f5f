"""One HTTP(S) request whose whole exchange keeps one deadline, and where a redirect would take it.

urllib bounds each socket operation, not the exchange: a server that sends one header byte just
before every timeout keeps a download alive for ever, and its redirect handler connects to an
`ftp://` target before anything can refuse it. Here every wait on the network (the name lookup,
the connection, the TLS handshake, the status line, each header, each piece of the body) lasts at
most the idle bound and never past the overall deadline, and no redirect is followed: the caller
sees each one (`redirect_target`) and decides before anything connects to it. Proxies from the
environment (`https_proxy`, `no_proxy`, ...) are honoured as urllib honours them.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import string
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from formfill.errors import DeadlineExceeded

WEB_SCHEMES = frozenset({"http", "https"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

_Address = tuple[Any, ...]


@dataclass
class Deadline:
    """The bounds of one exchange: `idle` seconds without a byte, and a monotonic-clock time for all of it."""

    idle: float
    until: float

    @classmethod
    def start(cls, idle: float, total: float) -> Deadline:
        return cls(idle, time.monotonic() + total)

    def wait(self) -> float:
        """How long the next wait on the network may last; DeadlineExceeded once nothing is left."""
        left = self.until - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("the download took longer than its overall deadline")
        return min(self.idle, left)

    def timed_out(self, waited: float) -> TimeoutError:
        """What a wait of `waited` seconds that timed out means: the overall deadline or the idle bound."""
        if waited < self.idle:
            return DeadlineExceeded("the download took longer than its overall deadline")
        return TimeoutError(f"no byte for {self.idle:g} s")


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host and a valid port: the only kind formfill connects to."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError when out of range or not a number
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def redirect_target(current: str, location: str) -> str:
    """The absolute URL a `Location` header names, quoted as urllib quotes it (so it holds no control character)."""
    target = urljoin(current, location.strip())
    return quote(target, encoding="iso-8859-1", safe=string.punctuation)


def request(url: str, deadline: Deadline, headers: dict[str, str]) -> http.client.HTTPResponse:
    """GET `url` once, redirects not followed and no status raised; every read of the response keeps `deadline`.

    Raises what urllib and http.client raise (URLError around a failed connection), and
    DeadlineExceeded or TimeoutError when a bound is reached.
    """
    if not is_web_url(url):
        raise ValueError(f"{url!r} is not an http(s) URL")
    director = urllib.request.OpenerDirector()
    director.add_handler(urllib.request.ProxyHandler())
    director.add_handler(_HTTPHandler(_http_class(deadline)))
    director.add_handler(_HTTPSHandler(_https_class(deadline), ssl.create_default_context()))
    response = director.open(urllib.request.Request(url, headers=headers), timeout=deadline.idle)
    if not isinstance(response, http.client.HTTPResponse):  # only the two handlers above can answer
        raise ValueError(f"{url!r} is not an http(s) URL")
    return response


def _connect(deadline: Deadline, address: tuple[str, int], timeout: object = None,
             source_address: _Address | None = None) -> socket.socket:
    """socket.create_connection, with the name lookup and each attempt bounded by `deadline`."""
    host, port = address
    error: OSError = OSError(f"{host} has no address")
    for family, kind, proto, _, sockaddr in _resolve(host, port, deadline):
        wait = deadline.wait()
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(wait)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except TimeoutError:
            sock.close()
            raise deadline.timed_out(wait) from None
        except OSError as err:
            sock.close()
            error = err
    raise error


def _resolve(host: str, port: int, deadline: Deadline) -> list[tuple[Any, ...]]:
    """getaddrinfo, which no socket timeout bounds, in a daemon thread waited on for what the deadline allows."""
    found: list[tuple[Any, ...]] = []
    failed: list[BaseException] = []

    def look_up() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as err:
            failed.append(err)

    wait = deadline.wait()
    worker = threading.Thread(target=look_up, name="formfill-resolve", daemon=True)
    worker.start()
    worker.join(wait)
    if worker.is_alive():  # left behind: a daemon thread never keeps the process alive
        raise deadline.timed_out(wait)
    if failed:
        raise failed[0]
    return found


class _BoundedSocketReader(io.RawIOBase):
    """The socket's bytes, each wait for them bounded by the deadline (http.client reads headers and body here)."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # keeps the socket open until this reader closes
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        wait = self._deadline.wait()
        self._sock.settimeout(wait)
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            raise self._deadline.timed_out(wait) from None

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _response_class(deadline: Deadline) -> type[http.client.HTTPResponse]:
    class BoundedResponse(http.client.HTTPResponse):
        def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None,
                     url: str | None = None) -> None:
            super().__init__(sock, debuglevel, method, url)
            bounded = _BoundedSocketReader(sock, deadline)
            self.fp.close()
            self.fp = io.BufferedReader(bounded)

    return BoundedResponse


def _http_class(deadline: Deadline) -> type[http.client.HTTPConnection]:
    class BoundedHTTP(http.client.HTTPConnection):
        response_class = _response_class(deadline)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = lambda *a: _connect(deadline, *a)  # http.client's hook for this

    return BoundedHTTP


def _https_class(deadline: Deadline) -> type[http.client.HTTPSConnection]:
    class BoundedHTTPS(http.client.HTTPSConnection):
        # The handshake runs on the socket _connect made: CPython bounds all of it by that socket's timeout.
        response_class = _response_class(deadline)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = lambda *a: _connect(deadline, *a)

    return BoundedHTTPS


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, connection: type[http.client.HTTPConnection]) -> None:
        super().__init__()
        self.connection = connection

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, connection: type[http.client.HTTPSConnection], context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self.connection = connection
        self.context = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self.context)
