"""The HTTP/1.1 front: one thread reads and writes every connection (selectors), nothing else.

http.server spent about 0.7 ms of CPU per request (a thread per connection,
headers through the email parser), as much as the query itself; here a
request costs the loop a few splits and one write. What takes time answers
later (a Later): a query through the workers' pipes, which the loop watches
too (dispatch.py), an export on a lane of threads (lanes.py), whose answer
comes back through a wake-up pipe. An idle or a slow connection costs a
socket, never a thread.

Bounds: a request line of at most 64 KiB (414), headers of at most 64 KiB and
100 lines (431), a body of `max_body` bytes (413, checked before it is read),
`max_connections` open at once: past it the connection that has been silent
the longest is closed to make room, and when every one is in the middle of a
request the newcomer gets a 503 at once. A connection silent for IDLE seconds
is closed.

An answer is never held whole unless it is small or kept anyway (an export):
a query's answer whose body is still in its worker's pipe (a Source) is read
a PIECE at a time, and the next piece only once the client has taken the
last, so a client that does not read leaves the pipe full and the worker
waiting, not the server's memory growing. The bytes held for clients that
have not taken them are counted (`held`); past `unread` no pipe is read and
no query starts (full()) until they are taken. A client that takes nothing
of an answer for `stall` seconds is cut off: its connection closed, its
worker freed.

A request is read by RFC 9112's grammar as h11 reads it (read_head): what two
parsers could read two ways (two Content-Length values, a space before a
colon, a folded line, a second Host) is refused, so a proxy in front and this
server never disagree on where a request ends. A bug of the server's own in a
step is told (`bug`) and ends that step's work only. The log (Log) never
makes the loop wait on a stream nobody reads.
"""

from __future__ import annotations

import functools
import os
import re
import selectors
import socket
import stat
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Callable, Protocol

#: Seconds a connection may stay silent (between requests, or in the middle of one) before it is closed.
IDLE = 60.0
#: Bytes of an answer read from its Source at a time: what a connection holds of it at most.
PIECE = 256 * 1024
#: Bytes of answers held for clients that have not taken them, in all, past which none is read further.
UNREAD = 64 << 20
#: Bodies at most this long go out in one piece with their head (one write; two small ones wait on
#: Nagle's algorithm and the client's delayed ACK); a longer one is sent from where it lies.
_JOIN = PIECE
#: Seconds a connection ended by the server is still read (and what comes dropped) before it is closed.
LINGER = 2.0
MAX_LINE = 65536
MAX_HEADERS = 100
_RECEIVE = 1 << 16


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    line: str  # the request line, for the access log
    client: str


class Source(Protocol):
    """The rest of an answer's body, read as its client takes it (dispatch.Piped, a worker's pipe)."""

    #: Bytes still to read.
    left: int
    #: Set by the loop: called when there are bytes to read.
    ready: Callable[[], None] | None

    def read(self, most: int) -> bytes:
        """At most `most` bytes; b"" if the rest will never come."""

    def pause(self) -> None:
        """Stop calling ready() until resume()."""

    def resume(self) -> None: ...

    def end(self, whole: bool) -> None:
        """Called once: whole when every byte was read, else the rest is owed to no one."""


@dataclass
class Response:
    status: int
    body: bytes
    media_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False
    #: The rest of the body, after `body`, when it is still to be read.
    source: Source | None = None
    #: The body is kept anyway (an export, the page): it is not counted among the answers held for clients.
    shared: bool = False


#: What a handler gives back: a Response now, or a Later whose start(reply) has the Response
#: given to reply() when it is ready (from any thread).
@dataclass
class Later:
    start: Callable[[Callable[[Response], None]], None]


#: Told of a bug of this server's own: where it happened, and the exception (from any thread).
Bug = Callable[[str, BaseException], None]


def error(status: int, message: str, **options) -> Response:
    """The one-line refusal every error is answered with."""
    return Response(status, f"Error: {message}\n".encode("utf-8", "backslashreplace"), "text/plain", **options)


class _Connection:
    __slots__ = ("sock", "client", "buffer", "out", "busy", "seen", "close_after", "started", "line", "draining",
                 "events", "source", "held")

    def __init__(self, sock: socket.socket, client: str):
        self.sock, self.client = sock, client
        self.buffer = bytearray()
        self.out: list[memoryview] | None = None  # what is still to be written, in order
        self.source: Source | None = None  # the rest of the answer being written
        self.held = 0  # bytes of `out` counted in Loop.held
        self.busy = False  # a request is being answered (parsed, queued, running or being written)
        self.seen = time.monotonic()
        self.close_after = False
        self.started, self.line = 0.0, ""
        self.draining = False  # answered and half-closed: what the client still sends is read and dropped
        self.events = 0  # what the selector watches it for


class Loop:
    """Accepts, parses and answers HTTP/1.1 on `sock` with handle(request) -> Response | Later."""

    def __init__(self, sock: socket.socket, handle: Callable[[Request], "Response | Later"], log: Callable[..., None], *,
                 max_body: int, max_connections: int, bug: Bug, stall: float = IDLE, unread: int | None = None):
        """`stall`: seconds a client may take nothing of an answer before it is cut off;
        `unread`: bytes of answers held for clients, in all, past which none is read further (UNREAD)."""
        self.sock, self.handle, self.log, self.bug = sock, handle, log, bug
        self.max_body, self.max_connections = max_body, max_connections
        self.stall, self.unread = stall, UNREAD if unread is None else unread
        self.held = 0  # bytes of answers written to no client yet (not those kept anyway: Response.shared)
        self._starved: list[_Connection] = []  # waiting for `held` to fall below `unread` to read on
        self.sock.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ, None)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.selector.register(self._wake_read, selectors.EVENT_READ, self._drain)
        #: Called on every turn with the time; each gives the next moment it must be called again, or None.
        self.tickers: list[Callable[[float], float | None]] = []
        self._thread: int | None = None
        self.connections: dict[int, _Connection] = {}
        self._done: deque[tuple[_Connection, Response]] = deque()
        self._pipelined: deque[_Connection] = deque()
        self._stopping = False
        self._stopped = threading.Event()
        self._stopped.set()

    # Threads other than the loop's talk to it only through these three.
    def deliver(self, connection: _Connection, response: Response) -> None:
        if threading.get_ident() == self._thread:
            return self._respond(connection, response)
        self._done.append((connection, response))
        self.wake()

    def stop(self) -> None:
        self._stopping = True
        self.wake()

    def watch(self, fd: int, ready: Callable[[], None]) -> None:
        """Have ready() called (in the loop) whenever `fd` can be read: a worker's pipe."""
        self.selector.register(fd, selectors.EVENT_READ, ready)

    def unwatch(self, fd: int) -> None:
        """Stop watching `fd`; nothing if it is not watched (a watcher that failed is no longer)."""
        try:
            self.selector.unregister(fd)
        except (KeyError, ValueError):
            pass

    def full(self) -> str | None:
        """None while answers may be read and queries start; else why they wait."""
        if self.held < self.unread:
            return None
        return (f"the answers this server holds for clients that have not read them fill its "
                f"{self.unread / (1 << 20):g} MB for them")

    def wake(self) -> None:
        try:
            os.write(self._wake_write, b"x")
        except (BlockingIOError, OSError):
            pass  # the pipe is full: the loop is already awake

    def run(self) -> None:
        self._stopped.clear()
        self._thread = threading.get_ident()
        checked = next_moment = time.monotonic()
        try:
            while not self._stopping:
                timeout = 0.0 if self._pipelined else max(0.0, min(1.0, next_moment - time.monotonic()))
                for key, events in self.selector.select(timeout=timeout):
                    if key.data is None:
                        self._accept()
                    elif isinstance(key.data, _Connection):
                        self._guarded(key.data, self._write if events & selectors.EVENT_WRITE else self._read)
                    else:
                        self._watcher(key.fd, key.data)
                while self._done:
                    connection, response = self._done.popleft()
                    self._guarded(connection, lambda connection: self._respond(connection, response))
                for _ in range(len(self._pipelined)):  # one request each per turn: a long pipeline waits its turn
                    connection = self._pipelined.popleft()
                    if not connection.busy and connection.sock.fileno() >= 0:
                        self._guarded(connection, self._parse)
                if self._starved and self.held < self.unread:
                    starved, self._starved = self._starved, []
                    for connection in starved:
                        if connection.source is not None:
                            connection.source.resume()
                now = time.monotonic()
                moments = [moment for tick in self.tickers if (moment := self._tick(tick, now)) is not None]
                next_moment = min([now + 1.0, *moments])
                if now - checked >= 1.0:
                    checked = now
                    self._expire(now)
        finally:
            self._thread = None
            self._stopped.set()

    def _guarded(self, connection: _Connection, step: Callable[[_Connection], None]) -> None:
        """One step on one connection; a failure of this server's own (a bug) closes that connection only."""
        try:
            step(connection)
        except Exception as failure:
            self._close(connection)
            self.bug("a connection", failure)

    def _tick(self, tick: Callable[[float], float | None], now: float) -> float | None:
        """A ticker's next moment; a failure of this server's own (a bug) is told, and the loop goes on."""
        try:
            return tick(now)
        except Exception as failure:
            self.bug("a ticker", failure)
            return None

    def _watcher(self, fd: int, ready: Callable[[], None]) -> None:
        """A watched pipe's step; a failure of this server's own (a bug) stops watching that pipe only.
        (The dispatcher catches its own first, and ends only the request it was reading.)"""
        try:
            ready()
        except Exception as failure:
            self.unwatch(fd)
            self.bug("a watched pipe", failure)

    def wait_stopped(self, timeout: float) -> None:
        self._stopped.wait(timeout)

    def close(self) -> None:
        for connection in list(self.connections.values()):
            self._close(connection)
        for fd in (self._wake_read, self._wake_write):
            os.close(fd)
        self.selector.close()

    def _drain(self) -> None:
        try:
            while os.read(self._wake_read, 4096):
                pass
        except BlockingIOError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                sock, address = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file descriptors, or the client left already
                return
            self._guarded(_Connection(sock, address[0]), self._admit)

    def _admit(self, connection: _Connection) -> None:
        connection.sock.setblocking(False)
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        full = len(self.connections) >= self.max_connections and not self._make_room()
        self.connections[connection.sock.fileno()] = connection
        self._watch(connection, selectors.EVENT_READ)
        if full:
            # Answered before its request is read: "-" stands for it in the access log.
            connection.started, connection.busy, connection.line = time.monotonic(), True, "-"
            self._send(connection, error(503, f"all {self.max_connections} connections this server keeps are "
                                              "in the middle of a request; try again later",
                                         headers={"Retry-After": "5"}, close=True))

    def _make_room(self) -> bool:
        """Close the connection silent the longest that is not being answered; False if every one is."""
        idle = [c for c in self.connections.values() if not c.busy]
        if not idle:
            return False
        self._close(min(idle, key=lambda c: c.seen))
        return True

    def _expire(self, now: float) -> None:
        for connection in list(self.connections.values()):
            # A request being answered has its own limit (the query's); an answer its client does not
            # take has `stall` (seen is when it last took a byte, or when there was one to take).
            if connection.draining:
                limit = LINGER
            elif connection.out:
                limit = self.stall
            elif not connection.busy:
                limit = IDLE
            else:
                continue
            if now - connection.seen > limit:
                self._close(connection)

    def _read(self, connection: _Connection) -> None:
        try:
            chunk = connection.sock.recv(_RECEIVE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            return self._close(connection)
        if connection.draining:
            return
        connection.seen = time.monotonic()
        connection.buffer += chunk
        if not connection.busy:
            self._parse(connection)
        elif len(connection.buffer) > 2 * MAX_LINE + self.max_body:  # more than one more request while waiting
            self._close(connection)

    def _parse(self, connection: _Connection) -> None:
        """Answer the request at the head of the buffer once all of it has arrived."""
        buffer = connection.buffer
        blank = _BLANK_LINE.search(buffer)
        if blank is None:
            first = buffer.find(b"\n")
            if (first if first >= 0 else len(buffer)) > MAX_LINE:
                return self._refuse(connection, 414, "the request line is longer than 65,536 bytes", buffer[:200])
            if len(buffer) > 2 * MAX_LINE:
                return self._refuse(connection, 431, "the request's headers are longer than 65,536 bytes", buffer[:200])
            return
        head = bytes(buffer[:blank.start() + 1])  # each line with its LF
        line_end = head.find(b"\n")
        raw = head[:line_end - 1] if head[line_end - 1:line_end] == b"\r" else head[:line_end]
        if len(raw) > MAX_LINE:
            return self._refuse(connection, 414, "the request line is longer than 65,536 bytes", raw[:200])
        line = raw.decode("iso-8859-1")
        connection.started, connection.line = time.monotonic(), line
        try:
            method, target, version, headers, size = read_head(raw, head[line_end + 1:])
        except Refused as refused:
            return self._refuse(connection, refused.status, str(refused), raw)
        if size > self.max_body:
            return self._refuse(connection, 413, f"the body has {size:,} bytes; this endpoint takes at most {self.max_body:,}", raw)
        start = blank.end()
        if len(buffer) - start < size:
            if headers.get("expect", "").lower() == "100-continue" and version == "HTTP/1.1" and len(buffer) == start:
                self._raw_send(connection, b"HTTP/1.1 100 Continue\r\n\r\n")
            return  # the body is still coming
        body = bytes(buffer[start:start + size])
        del buffer[:start + size]
        keep = (headers.get("connection", "").lower() != "close") if version == "HTTP/1.1" else (
            headers.get("connection", "").lower() == "keep-alive")
        connection.close_after = not keep
        connection.busy = True  # what comes next waits in the buffer until this request is answered
        request = Request(method, target, headers, body, line, connection.client)
        try:
            answer = self.handle(request)
        except Exception as failure:  # a bug of a handler must not end the loop
            self.bug("a request's handler", failure)
            answer = error(500, f"the server failed: {type(failure).__name__}")
        if isinstance(answer, Later):
            answer.start(lambda response: self.deliver(connection, response))
        else:
            self._respond(connection, answer)

    def _refuse(self, connection: _Connection, status: int, message: str, raw: bytes) -> None:
        connection.line = bytes(raw).rstrip(b"\r\n").decode("iso-8859-1")
        connection.started = connection.started or time.monotonic()
        connection.busy, connection.close_after = True, True
        self._respond(connection, error(status, message, close=True))

    def _respond(self, connection: _Connection, response: Response) -> None:
        if connection.sock.fileno() < 0:  # the client left while the answer was being computed
            source = response.source
            self.log(connection.client, connection.line, response.status,
                     len(response.body) + (source.left if source else 0), connection.started)
            if source is not None:
                source.end(False)
            return
        self._send(connection, response)

    def _send(self, connection: _Connection, response: Response) -> None:
        close = connection.close_after = connection.close_after or response.close
        textual = response.media_type.startswith("text/") or response.media_type.endswith(
            ("json", "xml", "trig", "triples", "quads"))
        source = response.source
        length = len(response.body) + (source.left if source is not None else 0)
        head = [f"HTTP/1.1 {response.status} {_phrase(response.status)}",
                "Server: takedown-kg", f"Date: {every_second(_HTTP_DATE)}",
                f"Content-Type: {response.media_type}{'; charset=utf-8' if textual else ''}",
                f"Content-Length: {length}", "X-Content-Type-Options: nosniff"]
        if response.media_type == "text/html":
            head.append("Cache-Control: no-store")
        head += [f"{name}: {value}" for name, value in response.headers.items()]
        if close:
            head.append("Connection: close")
        body = response.body
        if connection.line.startswith("HEAD "):
            body = b""
            if source is not None:  # its length is said; the rest of it is owed to no one
                source.end(False)
                source = None
        start = ("\r\n".join(head) + "\r\n\r\n").encode("iso-8859-1")
        connection.out = [memoryview(start + body)] if len(body) <= _JOIN else [memoryview(start), memoryview(body)]
        if not response.shared:
            connection.held = len(start) + len(body)
            self.held += connection.held
        if source is not None:
            connection.source = source
            source.ready = lambda: self._guarded(connection, self._fill)
        connection.seen = time.monotonic()  # the client's time to take it starts now
        self.log(connection.client, connection.line, response.status, length, connection.started)
        self._write(connection)

    def _raw_send(self, connection: _Connection, data: bytes) -> None:
        try:
            connection.sock.send(data)
        except OSError:
            pass

    def _write(self, connection: _Connection) -> None:
        out = connection.out
        try:
            while out:
                sent = connection.sock.send(out[0]) if len(out) == 1 else connection.sock.sendmsg(out)
                connection.seen = time.monotonic()
                self._taken(connection, sent)
        except (BlockingIOError, InterruptedError):
            if connection.source is not None:
                connection.source.pause()  # its pipe waits for the client: its worker with it
            self._watch(connection, selectors.EVENT_WRITE)
            return
        except OSError:
            return self._close(connection)
        source = connection.source
        if source is not None:
            if source.left:  # more in the pipe: read once it comes (and the bytes held allow)
                self._watch(connection, selectors.EVENT_READ)
                if self.held < self.unread:
                    source.resume()
                else:
                    source.pause()
                    self._starved.append(connection)
                return
            connection.source = None
            source.end(True)
        connection.out = None
        connection.busy, connection.line = False, ""
        if connection.close_after:
            return self._linger(connection)
        self._watch(connection, selectors.EVENT_READ)
        if connection.buffer:  # a pipelined request arrived with the last one: parsed on the next turn,
            self._pipelined.append(connection)  # not from here (a thousand tiny ones would recurse)

    def _taken(self, connection: _Connection, sent: int) -> None:
        """Drop the `sent` bytes the client's socket took from the head of what is to be written."""
        out = connection.out
        if connection.held:
            counted = min(sent, connection.held)
            connection.held -= counted
            self.held -= counted
        while sent and sent >= len(out[0]):
            sent -= len(out.pop(0))
        if sent:
            out[0] = out[0][sent:]

    def _fill(self, connection: _Connection) -> None:
        """The next piece of the answer from its source, once the client has taken the last one."""
        source = connection.source
        if source is None or connection.out:
            if source is not None:
                source.pause()
            return
        piece = source.read(PIECE)
        if not piece:  # its worker ended before its answer did: the client sees it cut short
            return self._close(connection)
        connection.out = [memoryview(piece)]
        connection.held += len(piece)
        self.held += len(piece)
        connection.seen = time.monotonic()
        self._write(connection)

    def _watch(self, connection: _Connection, events: int) -> None:
        if connection.events == events:
            return
        if connection.events:
            self.selector.modify(connection.sock, events, connection)
        else:
            self.selector.register(connection.sock, events, connection)
        connection.events = events

    def _linger(self, connection: _Connection) -> None:
        """End a connection after its last answer without losing that answer: closing a socket
        with unread bytes (a body refused unread, a request never read) resets it, and the
        client may then see the reset instead of the answer. So: half-close, drop what
        still comes, close on the client's end or after LINGER seconds."""
        try:
            connection.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self._close(connection)
        connection.draining, connection.seen = True, time.monotonic()
        self._watch(connection, selectors.EVENT_READ)

    def _close(self, connection: _Connection) -> None:
        fileno = connection.sock.fileno()
        if fileno < 0:
            return
        self.held -= connection.held
        connection.held, connection.out = 0, None
        if connection.source is not None:  # cut off, or left: the rest of its answer is owed to no one
            source, connection.source = connection.source, None
            source.end(False)
        self.connections.pop(fileno, None)
        try:
            self.selector.unregister(connection.sock)
        except (KeyError, ValueError):
            pass
        connection.sock.close()


class Log:
    """Lines for standard error, written without ever waiting.

    The loop writes the access log itself, and a stream nobody reads (a supervisor's pipe left
    full) once froze it on its next line, with every connection and Ctrl-C. Here a line the
    stream cannot take at once waits in a buffer of ROOM bytes, written as the stream takes it
    (tick(), on the loop's turns); past that, lines are dropped and counted, and once the buffer
    is written again one line says how many were.
    """

    ROOM = 1 << 16
    #: Seconds between tries while lines wait.
    RETRY = 0.05

    def __init__(self, fd: int):
        self._write, self._close = _unwaiting_writer(fd)
        self._pending = bytearray()
        self._dropped = 0
        self._broken = False  # the reader is gone: nothing more can be said
        self._lock = threading.Lock()  # a lane's thread tells of a bug too

    def line(self, text: str) -> None:
        data = f"{text}\n".encode("utf-8", "backslashreplace")
        with self._lock:
            if self._pending or self._dropped or self._broken:
                return self._wait(data)
            try:
                written = self._write(data)
            except BlockingIOError:
                written = 0
            except OSError:
                self._broken = True
                return
            if written < len(data):
                self._pending += data[written:]

    def _wait(self, data: bytes) -> None:
        """Keep a line behind those that wait, or drop it (and every next one until they are written,
        where the count is said)."""
        if self._broken:
            return
        if self._dropped or len(self._pending) + len(data) > self.ROOM:
            self._dropped += 1
            return
        self._pending += data

    def tick(self, now: float) -> float | None:
        with self._lock:
            self._flush()
            return now + self.RETRY if self._pending else None

    def close(self, seconds: float) -> None:
        """Write what waits for at most `seconds`, then let the stream go (a later line goes nowhere)."""
        deadline = time.monotonic() + seconds
        while self.tick(time.monotonic()) is not None and time.monotonic() < deadline:
            time.sleep(self.RETRY / 5)
        with self._lock:
            self._broken = True  # its file's number may be another file's once closed
            self._close()

    def _flush(self) -> None:
        while self._pending:
            try:
                written = self._write(self._pending)
            except BlockingIOError:
                return
            except OSError:
                self._broken, self._pending = True, bytearray()
                return
            del self._pending[:written]
            if not self._pending and self._dropped:
                said = f"takedown-kg: {self._dropped} log lines dropped (standard error was not read)\n"
                self._pending += said.encode()
                self._dropped = 0


def _unwaiting_writer(fd: int) -> tuple[Callable[[bytes], int], Callable[[], None]]:
    """A write to the stream of `fd` that never waits (BlockingIOError when the stream is full),
    and what closes it. O_NONBLOCK belongs to the open file, which a pipe or a terminal shares
    with others (the shell, the other end of a 2>&1): set on `fd`, it would surprise them. So a
    pipe or a terminal is opened anew through /proc, a socket is told MSG_DONTWAIT at each write,
    and a file is written as it is (a file never waits for a reader)."""
    try:
        kind = os.fstat(fd).st_mode
    except OSError:  # no stderr at all
        return len, lambda: None
    if stat.S_ISSOCK(kind):
        sock = socket.socket(fileno=os.dup(fd))
        return (lambda data: sock.send(data, socket.MSG_DONTWAIT)), sock.close
    if stat.S_ISREG(kind):
        own = os.dup(fd)
        return functools.partial(os.write, own), functools.partial(os.close, own)
    try:
        own = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:  # no /proc, or another user's pipe: the shared file itself, made blocking again at close
        own = os.dup(fd)
        os.set_blocking(own, False)
        return functools.partial(os.write, own), lambda: (os.set_blocking(own, True), os.close(own))
    return functools.partial(os.write, own), functools.partial(os.close, own)


class Refused(Exception):
    """A request this server does not read: its status, and the one line that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


#: RFC 9112's grammar, as h11 reads it: a head ends at the first blank line (CRLF or a bare LF
#: ending each line); a request line is three parts split by single spaces; a header is a
#: token, a colon, then a value with no NUL, CR, LF, VT or FF in it.
_BLANK_LINE = re.compile(rb"\n\r?\n")
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]++"  # possessive (as the value's class): never backtracks, a third faster
_REQUEST_LINE = re.compile(rb"%s [\x21-\x7e]++ HTTP/[0-9]\.[0-9]" % _TOKEN)
_FIELD_LINES = re.compile(rb"(?:%s:[^\x00\n\r\x0b\x0c]*+\r?\n)*+" % _TOKEN)
_FIELD_LINE = re.compile(rb"%s:[^\x00\n\r\x0b\x0c]*+\r?" % _TOKEN)
_NAME = re.compile(_TOKEN)


def read_head(raw: bytes, fields: bytes) -> tuple[str, str, str, dict[str, str], int]:
    """(method, target, version, headers with names in lower case, body size) of a request line
    (without its line end) and its header lines (each ending in LF or CRLF); Refused if RFC 9112
    says refuse (where this server differs from h11, on purpose, tests/test_serve_parser.py says why)."""
    if _REQUEST_LINE.fullmatch(raw) is None:
        raise Refused(400, f"a malformed request line ({raw[:80].decode('iso-8859-1')!r}); "
                           "write METHOD /path HTTP/1.1 with single spaces")
    method, target, version = raw.decode("ascii").split(" ")
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise Refused(505, f"HTTP version {version[5:]} is not served; use HTTP/1.1")
    if fields.count(b"\n") > MAX_HEADERS or len(fields) > MAX_LINE:
        raise Refused(431, "the request has too many headers, or headers too long")
    if _FIELD_LINES.fullmatch(fields) is None:
        raise Refused(400, _malformed(fields))
    headers: dict[str, str] = {}
    for item in fields.decode("iso-8859-1").split("\n")[:-1]:
        name, _, value = item.partition(":")
        name, value = name.lower(), value.strip(" \t\r")
        if name in headers:
            value = _repeated(name, headers[name], value)
        headers[name] = value
    return method, target, version, headers, _body_size(method, version, headers)


def _repeated(name: str, before: str, value: str) -> str:
    """The value of a header given twice: the last, except where a second one is a smuggler's tool."""
    if name == "host":
        raise Refused(400, "the request has more than one Host header")
    if name == "content-length":
        return f"{before}, {value}"  # as a list in one header: every length in it must be the same
    return value


def _body_size(method: str, version: str, headers: dict[str, str]) -> int:
    if "host" not in headers and version == "HTTP/1.1":
        raise Refused(400, "an HTTP/1.1 request needs a Host header")
    if "transfer-encoding" in headers:
        raise Refused(411, "Transfer-Encoding is not read here; send the body with a Content-Length")
    length = headers.get("content-length")
    if length is None:
        if method == "POST":
            raise Refused(411, "a POST needs a Content-Length")
        return 0
    lengths = {part.strip(" \t") for part in length.split(",")}  # "6, 6" is one length said twice
    if len(lengths) != 1:
        raise Refused(400, f"the request has different Content-Length values ({length[:40]})")
    size = lengths.pop()
    if not (size.isascii() and size.isdigit()):
        raise Refused(400, "Content-Length is not a number")
    return int(size)


def _malformed(fields: bytes) -> str:
    """Which header line breaks the grammar, and how (a refusal only: not on the way of a request)."""
    for item in fields.split(b"\n")[:-1]:
        if _FIELD_LINE.fullmatch(item):
            continue
        shown = item.rstrip(b"\r")[:60].decode("iso-8859-1")
        name, colon, _ = item.partition(b":")
        if item[:1] in (b" ", b"\t"):
            why = "a line folded onto the header before it (obs-fold) is refused"
        elif not colon:
            why = "it has no colon"
        elif name.rstrip(b" \t") != name:
            why = "a header has no space before its colon"
        elif _NAME.fullmatch(name) is None:
            why = "a header's name is a token (letters, digits and !#$%&'*+-.^_`|~)"
        else:
            why = "a header's value holds no NUL, CR, VT or FF"
        return f"a malformed header line ({shown!r}): {why}"
    return "a malformed header line"


_HTTP_DATE = lambda second: formatdate(second, usegmt=True)  # noqa: E731
_MADE: dict[Callable[[int], str], tuple[int, str]] = {}


def every_second(make: Callable[[int], str]) -> str:
    """make(the current second), made once a second (a Date header, a time stamp: one per request)."""
    second = int(time.time())
    made = _MADE.get(make)
    if made is None or made[0] != second:
        made = _MADE[make] = (second, make(second))
    return made[1]


_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def _phrase(status: int) -> str:
    return _PHRASES.get(status, "Status")
