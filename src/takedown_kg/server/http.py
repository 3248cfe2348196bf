"""The HTTP server: the SPARQL endpoint, the query page, the named queries and the exports.

Python's ThreadingHTTPServer: one thread per connection, which only parses
the request and waits; every query runs in a worker (workers.py). Limits: a
request line of at most 64 KiB (http.server's own), a body of MAX_BODY bytes,
a query of MAX_QUERY_CHARS characters. One access-log line per request.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
import time
from typing import Callable
from urllib.parse import urlsplit

from ..errors import NotAcceptable, QueryError, QueryLimit, QueryRefused, QueryTimeout, TakedownError
from ..library import named_queries
from ..sandbox import Sandbox
from .dataset import Served
from .protocol import MAX_BODY, answer, parse_form, query_request
from .workers import Pool

#: HTTP status for each named error a query can end in.
_STATUS = [(NotAcceptable, 406), (QueryTimeout, 503), (QueryLimit, 503), (QueryRefused, 400), (QueryError, 400),
           (TakedownError, 400)]
_FORM = "application/x-www-form-urlencoded"
_QUERY_BODY = "application/sparql-query"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server:
    """The endpoint over `served`: start() binds and forks the workers, serve_forever() answers, close() stops."""

    def __init__(self, served: Served, *, host: str = "127.0.0.1", port: int = 7878, workers: int = 2,
                 seconds: float = 30.0, memory: int = 4096 << 20, log: Callable[[str], None] | None = None):
        self.served = served
        self.log = log or (lambda line: None)
        self.pool = Pool(self._work, size=workers, seconds=seconds, sandbox=Sandbox(memory=memory))
        self._exports: dict[str, tuple[bytes, str]] = {}
        self._exports_lock = threading.Lock()
        self._graphs = served.graphs()
        self._prefixes = served.prefixes
        self._queries = named_queries()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        handler = type("Handler", (_Handler,), {"app": self})
        server_class = type("HTTPServer", (http.server.ThreadingHTTPServer,), {"address_family": family})
        self.http = server_class((host, port), handler)
        self.http.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def start(self) -> "Server":
        self.pool.start()
        return self

    def serve_forever(self) -> None:
        self._serving = threading.current_thread()
        try:
            self.http.serve_forever(poll_interval=0.2)
        finally:
            self._serving = None

    def close(self) -> None:
        """Stop answering, then end the workers (from any thread, or after Ctrl-C ended serve_forever)."""
        serving = getattr(self, "_serving", None)
        if serving is not None and serving is not threading.current_thread():
            self.http.shutdown()
        self.http.server_close()
        self.pool.close()

    def _work(self, request):
        """What a worker does with one request (runs in the sandboxed worker)."""
        return answer(self.served.store, self._prefixes, request)

    def query(self, parameters: dict[str, list[str]], *, text: str | None, accept: str | None):
        request = query_request(parameters, text=text, accept=accept, graphs=self._graphs)
        return self.pool.run(request)

    def export(self, name: str) -> tuple[bytes, str] | None:
        """graph.<suffix> in any export format, or graph.html (the network page); made once, then kept."""
        from ..formats import formats

        with self._exports_lock:
            if name not in self._exports:
                built = self.served.built / name if self.served.built is not None else None
                if built is not None and name.startswith("graph.") and built.is_file():
                    from ..formats import format_for

                    fmt = format_for(name)
                    self._exports[name] = (built.read_bytes(), fmt.media_type if fmt else "text/html")
                elif name == "graph.html":
                    from ..draw import render_html
                    from ..network import network_view

                    union = self.served.union()
                    self._exports[name] = (render_html(network_view(union), union).encode("utf-8"), "text/html")
                else:
                    chosen = [f for f in formats() if f"graph{f.suffix}" == name]
                    if not chosen:
                        return None
                    fmt = chosen[0]
                    self._exports[name] = (fmt.write(self.served.dataset() if fmt.quads else self.served.union()),
                                           fmt.media_type)
            return self._exports[name]

    def page(self) -> bytes:
        if "/" not in self._exports:
            from .page import render_page

            self._exports["/"] = (render_page(self.served, self._queries).encode("utf-8"), "text/html")
        return self._exports["/"][0]


class _Handler(http.server.BaseHTTPRequestHandler):
    app: Server
    protocol_version = "HTTP/1.1"
    #: Seconds a connection may stay silent (a kept-alive one between requests, or a
    #: client that never finishes its request) before it is closed.
    timeout = 60
    server_version = "takedown-kg"
    sys_version = ""

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._handle(head=False)

    def do_HEAD(self):
        self._handle(head=True)

    def do_POST(self):
        self._handle(head=False, post=True)

    def _not_allowed(self):
        self._started, self._head, self.close_connection = time.monotonic(), False, True
        self._send_error(405, "only GET, HEAD and POST are answered here", allow="GET, HEAD, POST")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _handle(self, *, head: bool, post: bool = False):
        self._started = time.monotonic()
        self._head = head
        try:
            self._route(post)
        except TakedownError as error:
            status = next(code for cls, code in _STATUS if isinstance(error, cls))
            self._send_error(status, "\n".join(error.lines), retry=status == 503)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _route(self, post: bool):
        parts = urlsplit(self.path)
        path, parameters = parts.path, parse_form(parts.query)
        if path == "/sparql":
            return self._sparql(parameters, post)
        if post:
            return self._send_error(405, f"POST goes to /sparql; {path[:80]} answers GET only", allow="GET, HEAD")
        if path == "/":
            return self._send(200, self.app.page(), "text/html")
        if path.startswith("/queries/"):
            name = path[len("/queries/"):]
            if name not in self.app._queries:
                from ..library import named_query

                try:
                    named_query(name)
                except QueryError as error:  # says which names are close
                    return self._send_error(404, str(error))
            answer_ = self.app.query(parameters, text=self.app._queries[name].text, accept=self.headers.get("Accept"))
            return self._send(200, answer_.body, answer_.media_type)
        found = self.app.export(path.lstrip("/")) if path.count("/") == 1 else None
        if found is None:
            return self._send_error(404, f"nothing at {path[:80]}; see / for the query page, /sparql for the endpoint")
        return self._send(200, *found)

    def _sparql(self, parameters: dict[str, list[str]], post: bool):
        text = None
        if post:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                return self._send_error(411, "a POST needs a Content-Length")
            if int(length) > MAX_BODY:
                self.close_connection = True
                return self._send_error(413, f"the body has {int(length):,} bytes; this endpoint takes at most {MAX_BODY:,}")
            body = self.rfile.read(int(length))
            media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            try:
                decoded = body.decode("utf-8")
            except UnicodeDecodeError:
                return self._send_error(400, "the body is not UTF-8")
            if media == _FORM:
                for name, values in parse_form(decoded).items():
                    parameters.setdefault(name, []).extend(values)
            elif media == _QUERY_BODY:
                text = decoded
            elif media == "application/sparql-update":
                raise QueryRefused("SPARQL Update is refused: this endpoint is read-only")
            else:
                return self._send_error(415, f"a POST body is {_FORM} or {_QUERY_BODY}, not {media[:60] or 'untyped'}")
        answer_ = self.app.query(parameters, text=text, accept=self.headers.get("Accept"))
        self._send(200, answer_.body, answer_.media_type)

    def _send(self, status: int, body: bytes, media_type: str, **headers):
        self.send_response(status)
        textual = media_type.startswith("text/") or media_type.endswith(("json", "xml", "trig", "triples", "quads"))
        self.send_header("Content-Type", media_type + ("; charset=utf-8" if textual else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if media_type == "text/html":
            self.send_header("Cache-Control", "no-store")
        if headers.get("allow"):
            self.send_header("Allow", headers["allow"])
        if headers.get("retry"):
            self.send_header("Retry-After", "5")
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write: two small writes meet Nagle's algorithm and the
        # client's delayed ACK, and a keep-alive client then waits 40 ms for each answer.
        self._headers_buffer.append(b"\r\n")
        if not self._head:
            self._headers_buffer.append(body)
        self.flush_headers()
        self._access(status, len(body))

    def _send_error(self, status: int, message: str, **headers):
        self._send(status, f"Error: {message}\n".encode("utf-8", "backslashreplace"), "text/plain", **headers)

    def send_error(self, code, message=None, explain=None):
        # http.server's own refusals (a request line past 64 KiB, a malformed request), in the same form.
        self._started, self._head = time.monotonic(), False
        self.close_connection = True
        self._send_error(code, message or self.responses.get(code, ("error",))[0])

    def log_request(self, code="-", size="-"):
        pass  # one line per request is written by _access, with the size and the time

    def _access(self, status: int, size: int):
        from ..safety import visible

        took = time.monotonic() - getattr(self, "_started", time.monotonic())
        line = visible((self.requestline or "")[:200] + ("…" if len(self.requestline or "") > 200 else ""))
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.app.log(f'{when} {self.client_address[0]} "{line}" {status} {size} {took * 1000:.1f}ms')
