"""The HTTP server: the SPARQL endpoint, the query page, the named queries and the exports.

Routing lives here; reading and writing HTTP is loop.py's (one thread for
every connection), running queries workers.py's (sandboxed processes, fed by
the same loop through dispatch.py), and making an export or a page (which
would stall the loop) a lane of two threads' (lanes.py; the network page is
drawn in a sandboxed child, as `takedown-kg graph` draws it). Limits: a request
line of at most 64 KiB, a body of MAX_BODY bytes, a query of MAX_QUERY_CHARS
characters, `connections` open at once. One access-log line per request.
Only a Host that names this server is answered (host_values, --allow-host):
a page whose name was rebound to this machine's address reads nothing.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
import threading
import time
import traceback
from typing import Callable
from urllib.parse import urlsplit

from ..errors import NotAcceptable, QueryError, QueryLimit, QueryRefused, QueryTimeout, TakedownError, UsageError
from ..sparql import Sandbox, named_queries, run_isolated
from ..text import visible
from .dataset import Served
from .dispatch import Dispatcher, ServerBug, Streamed
from .lanes import Lane
from .loop import Later, Log, Loop, Request, Response, error, every_second
from .protocol import MAX_BODY, QueryRequest, answer, parse_form, query_request
from .workers import Bulk, Pool

#: HTTP status for each named error a query can end in.
_STATUS = [(ServerBug, 500), (NotAcceptable, 406), (QueryTimeout, 503), (QueryLimit, 503), (QueryRefused, 400),
           (QueryError, 400), (TakedownError, 400)]
_FORM = "application/x-www-form-urlencoded"
_QUERY_BODY = "application/sparql-query"
_REQUEST_FIELDS = tuple(field.name for field in dataclasses.fields(QueryRequest))
#: Connections kept open at once (idle ones cost a socket each, no thread).
MAX_CONNECTIONS = 256


#: A name --allow-host takes: a host name or an IPv4 address, or an IPv6 address in brackets; :PORT or not.
_ALLOWED_HOST = re.compile(r"(?P<name>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")


def allowed_host(text: str) -> tuple[str, int | None]:
    """(name, port or None) of an --allow-host value; an IPv6 address is written in brackets, as Host writes it."""
    try:
        if ipaddress.ip_address(text).version == 6:
            text = f"[{text}]"
    except ValueError:
        pass
    found = _ALLOWED_HOST.fullmatch(text)
    port = int(found["port"]) if found and found["port"] else None
    if found is None or port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--allow-host {text!r}: give a host name or an address, with :PORT or without "
                         "(kg.example.org, 10.0.0.7:8080, [::1])")
    return found["name"].lower(), port


def host_values(bound: tuple[str, int], host: str, added: "list[tuple[str, int | None]]") -> frozenset[str]:
    """The Host values this server answers to, in lower case: the address it listens on (and the
    --host it was given) with its port, localhost beside a loopback address (127.0.0.1 or ::1, or
    every address), the port left out only where it is 80; and each name `added` (allowed_host),
    with its own port, or else with this one or none (a proxy in front sends its own name)."""
    address, port = bound
    names = {address, host}
    unspecified = ipaddress.ip_address(address).is_unspecified
    if unspecified:
        names |= {"127.0.0.1", "localhost", *(["::1"] if ":" in address else [])}
    elif address in ("127.0.0.1", "::1"):
        names.add("localhost")
    values = set()
    for name in names:
        shown = (f"[{name}]" if ":" in name else name).lower()
        values |= {f"{shown}:{port}", *([shown] if port == 80 else [])}
    for name, own in added:
        values |= {f"{name}:{own}"} if own is not None else {name, f"{name}:{port}"}
    return frozenset(values)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server:
    """The endpoint over `served`: start() binds and forks the workers, serve_forever() answers, close() stops."""

    def __init__(self, served: Served, *, host: str = "127.0.0.1", port: int, workers: int = 2,
                 seconds: float = 30.0, memory: int = 4096 << 20, connections: int = MAX_CONNECTIONS,
                 log: Log | None = None, debug: bool = False, allow_hosts: tuple[str, ...] = ()):
        """`log`: where the access log and the server's own bugs go (None: nowhere).
        `debug`: a bug of the server's own is logged with its traceback, not in one line only.
        `allow_hosts`: names (--allow-host) answered beside those of the address it listens on."""
        added = [allowed_host(name) for name in allow_hosts]
        self.served = served
        self.debug = debug
        self.seconds, self.memory = seconds, memory
        self.log = log.line if log is not None else (lambda line: None)
        self.pool = Pool(self._work, size=workers, seconds=seconds, sandbox=Sandbox(memory=memory),
                         on_free=lambda: self.loop.wake())
        self._exports: dict[str, tuple[bytes, str]] = {}
        self._exports_lock = threading.Lock()
        self._graphs = served.graphs()
        self._prefixes = served.prefixes
        self._queries = named_queries()
        listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((host, port))
            listening.listen(128)
        except OSError:
            listening.close()
            raise
        self.address = listening.getsockname()[:2]
        self._hosts = host_values(self.address, host, added)
        self.files: Lane | None = None
        # A client that takes nothing of its answer for as long as a query may run is cut off.
        self.loop = Loop(listening, self.handle, self._access, max_body=MAX_BODY, max_connections=connections,
                         bug=self._bug, stall=seconds)
        self.dispatcher = Dispatcher(self.pool, self.loop.watch, self.loop.unwatch, bug=self._bug, room=self.loop.full)
        self.loop.tickers.append(self.dispatcher.tick)
        if log is not None:
            self.loop.tickers.append(log.tick)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def start(self) -> "Server":
        self.pool.start()
        self.files = Lane(2, "files", bug=self._bug)
        return self

    def serve_forever(self) -> None:
        self._serving = threading.current_thread()
        try:
            self.loop.run()
        finally:
            self._serving = None

    def close(self) -> None:
        """Stop answering, then end the workers (from any thread, or after Ctrl-C ended serve_forever)."""
        serving = getattr(self, "_serving", None)
        self.loop.stop()
        if serving is not None and serving is not threading.current_thread():
            self.loop.wait_stopped(10)
        self.loop.sock.close()
        self.loop.close()
        if self.files is not None:
            self.files.close()
        self.pool.close()

    def _work(self, fields: tuple) -> Bulk:
        """What a worker does with one request (runs in the sandboxed worker). The request crosses the
        pipe as a plain tuple (a class in a pickle costs a look-up at each end), the answer's body raw
        after its media type (read by the loop as the client takes it)."""
        found = answer(self.served.store, self._prefixes, QueryRequest(*fields))
        return Bulk(found.media_type, found.body)

    def query(self, parameters: dict[str, list[str]], *, text: str | None, accept: str | None) -> Later:
        """A query for a worker (the request itself is read here, at once: a bad one is refused unqueued)."""
        request = query_request(parameters, text=text, accept=accept, graphs=self._graphs)
        fields = tuple(getattr(request, name) for name in _REQUEST_FIELDS)

        def answered(result: "Streamed | TakedownError") -> Response:
            if isinstance(result, TakedownError):
                return _refusal(result)
            return Response(200, result.first, result.meta, source=result.rest)

        return Later(lambda reply: self.dispatcher.submit(fields, lambda result: reply(answered(result))))

    def export(self, name: str) -> tuple[bytes, str] | None:
        """graph.<suffix> in any export format, or graph.html (the network page); made once, then kept."""
        # lazy: the server's front loads it when first asked, not at start
        from ..export import formats

        with self._exports_lock:
            if name not in self._exports:
                built = self.served.built / name if self.served.built is not None else None
                if built is not None and name.startswith("graph.") and built.is_file():
                    # lazy: the server's front loads it when first asked, not at start
                    from ..export import format_for

                    fmt = format_for(name)
                    self._exports[name] = (built.read_bytes(), fmt.media_type if fmt else "text/html")
                elif name == "graph.html":
                    self._exports[name] = (self._network_page(), "text/html")
                else:
                    chosen = [f for f in formats() if f"graph{f.suffix}" == name]
                    if not chosen:
                        return None
                    fmt = chosen[0]
                    self._exports[name] = (fmt.write(self.served.dataset() if fmt.quads else self.served.union()),
                                           fmt.media_type)
            return self._exports[name]

    def _network_page(self) -> bytes:
        """The page `takedown-kg graph` draws of the same inputs (the overview of a large corpus), drawn
        in a sandboxed child under the query limits: neither the drawing's memory nor its libraries stay
        in the server, and a page past a limit is a 503 while the server goes on."""
        served = self.served

        def draw() -> bytes:
            # lazy: the drawing libraries load in the child that draws, never in the server
            from ..views import draw_corpus

            return draw_corpus(served.corpus()).encode("utf-8")

        try:
            return run_isolated(draw, seconds=self.seconds, sandbox=Sandbox(memory=self.memory))
        except QueryTimeout:
            raise QueryTimeout(f"drawing graph.html ran past its limit of {self.seconds:g} s and was stopped; raise "
                               "--timeout, or draw it with takedown-kg graph") from None
        except QueryLimit:
            raise QueryLimit(f"drawing graph.html ran out of its memory limit of {self.memory >> 20} MB and was stopped; "
                             "raise --memory, or draw it with takedown-kg graph") from None

    def page(self) -> bytes:
        if "/" not in self._exports:
            # lazy: the server's front loads it when first asked, not at start
            from .page import query_page

            self._exports["/"] = (query_page(self.served, self._queries).encode("utf-8"), "text/html")
        return self._exports["/"][0]

    def handle(self, request: Request) -> Response | Later:
        """The answer to one request: at once, or Later (a query for a worker, a file to make)."""
        host = request.headers.get("host")
        if host is not None and host not in self._hosts and host.lower() not in self._hosts:
            return _misdirected(host)
        try:
            return self._route(request)
        except TakedownError as failure:
            return _refusal(failure)

    def _route(self, request: Request) -> Response | Later:
        if request.method not in ("GET", "HEAD", "POST"):
            known = request.method in ("PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE")
            return error(405 if known else 501, "only GET, HEAD and POST are answered here",
                         headers={"Allow": "GET, HEAD, POST"}, close=True)
        parts = urlsplit(request.target)
        if parts.netloc and parts.netloc.lower() not in self._hosts:  # an absolute-form target names the host
            return _misdirected(parts.netloc)
        path, parameters = parts.path, parse_form(parts.query)
        post = request.method == "POST"
        if path == "/sparql":
            return self._sparql(request, parameters, post)
        if post:
            return error(405, f"POST goes to /sparql; {path[:80]} answers GET only", headers={"Allow": "GET, HEAD"})
        if path == "/":
            return self._file("/", lambda: (self.page(), "text/html"), path)
        if path.startswith("/queries/"):
            name = path[len("/queries/"):]
            if name not in self._queries:
                # lazy: the server's front loads it when first asked, not at start
                from ..sparql import named_query

                try:
                    named_query(name)
                except QueryError as failure:  # says which names are close
                    return error(404, str(failure))
            return self.query(parameters, text=self._queries[name].text, accept=request.headers.get("accept"))
        if path.count("/") != 1:
            return _nothing(path)
        return self._file(path.lstrip("/"), lambda: self.export(path.lstrip("/")), path)

    def _file(self, key: str, make: Callable[[], "tuple[bytes, str] | None"], path: str) -> Response | Later:
        """A page or an export: from memory when made already, else made on the files lane."""
        made = self._exports.get(key)
        if made is not None:
            return Response(200, *made, shared=True)

        def job() -> Response:
            try:
                found = make()
            except TakedownError as failure:
                return _refusal(failure)
            return Response(200, *found, shared=True) if found is not None else _nothing(path)

        return Later(lambda reply: self.files.submit(job, reply))

    def _sparql(self, request: Request, parameters: dict[str, list[str]], post: bool) -> Response | Later:
        text = None
        if post:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            try:
                decoded = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return error(400, "the body is not UTF-8")
            if media == _FORM:
                for name, values in parse_form(decoded).items():
                    parameters.setdefault(name, []).extend(values)
            elif media == _QUERY_BODY:
                text = decoded
            elif media == "application/sparql-update":
                raise QueryRefused("SPARQL Update is refused: this endpoint is read-only")
            else:
                return error(415, f"a POST body is {_FORM} or {_QUERY_BODY}, not {media[:60] or 'untyped'}")
        return self.query(parameters, text=text, accept=request.headers.get("accept"))

    def _bug(self, where: str, failure: BaseException) -> None:
        """One line in the log for a bug of this server's own (from any thread); its traceback with --debug."""
        said = str(failure).partition("\n")[0][:200]
        self.log(f"takedown-kg: a bug in {where}: {type(failure).__name__}{': ' + said if said else ''}")
        if self.debug:
            for line in "".join(traceback.format_exception(failure)).rstrip("\n").splitlines():
                self.log(line)

    def _access(self, client: str, line: str, status: int, size: int, started: float) -> None:
        took = time.monotonic() - started
        shown = visible(line[:200] + ("…" if len(line) > 200 else ""))
        self.log(f'{every_second(_STAMP)} {client} "{shown}" {status} {size} {took * 1000:.1f}ms')


_STAMP = lambda second: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))  # noqa: E731


def _refusal(failure: TakedownError) -> Response:
    status = next(code for cls, code in _STATUS if isinstance(failure, cls))
    return error(status, "\n".join(failure.lines), headers={"Retry-After": "5"} if status == 503 else {})


def _misdirected(host: str) -> Response:
    """The answer to a Host this server does not answer to: a page of another name (its DNS rebound
    to this machine) reads nothing from it."""
    return error(421, f"this server does not answer to Host {host[:100]!r}; to add a name, start it with "
                      "--allow-host NAME", close=True)


def _nothing(path: str) -> Response:
    return error(404, f"nothing at {path[:80]}; see / for the query page, /sparql for the endpoint")
