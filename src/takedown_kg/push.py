"""push: each graph of the dataset PUT to a triple store (SPARQL 1.1 Graph Store HTTP Protocol).

PUT replaces the graph, so pushing twice leaves the same quads, not twice
as many. A graph larger than the chunk size goes in chunks of whole lines, a
PUT of the first and a POST (which appends) of each other one, the triples
of a blank node together in one chunk (its label means it only within one
request). A push that fails can be resumed from the graph it stopped at, which
is sent again whole: a graph whose PUT went through and a later POST did not
is in the store in part. Credentials come from the environment only (a
bearer token, or a user and a password for Basic authentication, or for Digest with
TAKEDOWN_KG_STORE_AUTH=digest, as Virtuoso asks) and are never printed: an
error names the graph, the URL, the status and the graphs written before it,
and whatever push prints goes through Secrets.hide first, since a hostile
store may echo the Authorization header it got. Each request, from the
connection to the last byte of the answer, ends within its timeout however
slowly the store sends.
"""

from __future__ import annotations

import base64
import http.client
import math
import re
import shlex
import socket
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping
from urllib.parse import quote, urlsplit

from .errors import PushFailed, TakedownError, UsageError
from .progress import Progress
from .text import visible

TOKEN = "TAKEDOWN_KG_STORE_TOKEN"
USER = "TAKEDOWN_KG_STORE_USER"
PASSWORD = "TAKEDOWN_KG_STORE_PASSWORD"
SCHEME = "TAKEDOWN_KG_STORE_AUTH"
#: The default graph (what each named graph is, where it comes from), as the protocol names it.
DEFAULT_GRAPH = "default graph"
#: What --resume-from takes for the default graph, when --default-graph gives it no name.
RESUME_DEFAULT = "default"
#: The largest request body push sends unless told otherwise, in MB (2**20 bytes): a request a
#: store takes in seconds. A proxy in front may take less (nginx by default 1 MB: --chunk-size 1).
DEFAULT_CHUNK_MB = 8.0
#: The bounds of --chunk-size: a kilobyte (a line or two), a gigabyte.
MIN_CHUNK_MB = 0.001
MAX_CHUNK_MB = 1024.0
MB = 1 << 20
#: The longest --timeout, a day, as for query and serve.
MAX_TIMEOUT = 86_400.0
#: What push prints in place of a credential.
REDACTED = "[redacted]"
#: How much of a store's reason phrase, or of the first line of its body, an error shows.
SHOWN_CHARS = 120


@dataclass(frozen=True)
class Pushed:
    graph: str
    triples: int
    #: The store's HTTP status (to the PUT, for a graph sent in chunks); None for a dry run.
    status: int | None
    target: str
    #: How many requests it took: a PUT, and a POST for each further chunk.
    chunks: int = 1


@dataclass(frozen=True)
class Planned:
    """One graph as push sends it: `body` cut at `ends` (offsets) into the bodies of its requests."""

    graph: str
    triples: int
    target: str
    #: The graph's N-Triples; for a graph in chunks with blank nodes, each blank node's lines moved
    #: up to the first of them.
    body: bytes = field(repr=False)
    ends: tuple[int, ...]

    def chunks(self) -> Iterator[memoryview]:
        start = 0
        for end in self.ends:
            yield memoryview(self.body)[start:end]
            start = end


@dataclass(frozen=True)
class Bearer:
    """A token, sent as `Authorization: Bearer TOKEN`."""

    token: str = field(repr=False)

    def header(self) -> str:
        return f"Bearer {self.token}"


@dataclass(frozen=True)
class Basic:
    """A user and a password, sent as `Authorization: Basic base64(user:password)`."""

    user: str
    password: str = field(repr=False)

    def header(self) -> str:
        return f"Basic {_base64(self.user, self.password)}"


@dataclass(frozen=True)
class Digest:
    """A user and a password answered to a store's Digest challenge (never sent as they are)."""

    user: str
    password: str = field(repr=False)


def _base64(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


class Secrets:
    """What push never prints: each credential, in each form it is sent in or a store may echo it in."""

    def __init__(self, auth: Bearer | Basic | Digest | None):
        self._forms: set[str] = set()
        if isinstance(auth, Bearer):
            self._add(auth.token)
        elif isinstance(auth, Basic):
            self._add(auth.password)
            self._add(_base64(auth.user, auth.password))
        elif isinstance(auth, Digest):
            self._add(auth.password)

    def learn(self, sent: str | None) -> None:
        """Hide the Digest response of an Authorization header push sent: it answers the store's challenge."""
        for response in re.findall(r'\bresponse="([^"]+)"', sent or ""):
            self._add(response)

    def hide(self, text: str) -> str:
        # Longest first, so that a form holding another goes whole.
        for form in sorted(self._forms, key=len, reverse=True):
            text = text.replace(form, REDACTED)
        return text

    @contextmanager
    def hidden(self):
        """Every error of takedown-kg raised in the block leaves it with the credentials hidden,
        wherever its message came from (a URL, a store's answer)."""
        try:
            yield
        except TakedownError as error:
            raise type(error)(self.hide(str(error))).with_traceback(error.__traceback__) from None

    def _add(self, secret: str) -> None:
        # As it is sent; percent-encoded, as a URL holds it; and as UTF-8 read back as Latin-1,
        # which is how http.client reads a reason phrase.
        for form in (secret, quote(secret, safe=""), secret.encode("utf-8").decode("latin-1")):
            if form:
                self._forms.add(form)


def credentials(environment: Mapping[str, str]) -> Bearer | Basic | Digest | None:
    """The credentials the environment gives, or None."""
    token, user, password = (environment.get(name) or None for name in (TOKEN, USER, PASSWORD))
    scheme = (environment.get(SCHEME) or "basic").lower()
    if scheme not in ("basic", "digest"):
        raise UsageError(f"{SCHEME}={scheme[:20]}: give basic (the default) or digest")
    if token and (user or password):
        raise UsageError(f"set either {TOKEN} or {USER} and {PASSWORD}, not both")
    if token and scheme == "digest":
        raise UsageError(f"{SCHEME}=digest takes {USER} and {PASSWORD}, not {TOKEN}")
    if token and not re.fullmatch(r"[!-~]+", token):
        # Sent, it would break the header; http.client's error for it would print it.
        raise UsageError(f"{TOKEN} holds a space, a control character or a character other than ASCII, "
                         "which a header cannot carry: give the token as the store issued it")
    if token:
        return Bearer(token)
    if bool(user) != bool(password):
        raise UsageError(f"{USER} and {PASSWORD} go together: set {PASSWORD if user else USER} too")
    if user and scheme == "digest":
        return Digest(user, password)
    if user:
        return Basic(user, password)
    return None


def check_url(url: str) -> str:
    if " " in url or not url.isprintable():
        # Sent as it is, a CR LF would end the request line and begin a header the URL chose.
        raise UsageError("the URL holds a space or a control character: percent-encode it (a space is %20)")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UsageError(f"{url[:120]!r} is not a URL: {_why_unsplittable(url)}") from None
    if parts.username is not None or parts.password is not None:
        # Not even the URL is repeated: it holds the secret.
        raise UsageError(f"the URL holds a user or password; give them in {USER} and {PASSWORD} instead")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url[:120]!r} is not an http:// or https:// URL of a Graph Store Protocol endpoint "
                         "(Oxigraph: http://HOST:7878/store)")
    if not _port_is_valid(parts):
        raise UsageError(f"{url[:120]!r}: the port is not a number from 1 to 65535")
    if parts.fragment:
        raise UsageError(f"{url[:120]}: a Graph Store Protocol URL has no #fragment")
    if not (parts.path + parts.query).isascii():  # http.client sends the request line as ASCII
        raise UsageError("the URL's path or query holds a character other than ASCII: percent-encode it")
    return url


def _why_unsplittable(url: str) -> str:
    """What to do about the two things urlsplit refuses: brackets that do not close, and a host
    that Unicode normalization changes."""
    if "[" in url or "]" in url:
        return "an IPv6 host is written in brackets, as http://[::1]:7878/store"
    return "give a host that is not ASCII in its xn-- form"


def _port_is_valid(parts) -> bool:
    try:
        return parts.port is None or parts.port > 0
    except ValueError:  # not a number, or past 65535
        return False


def check_timeout(seconds: float) -> float:
    if not 0 < seconds <= MAX_TIMEOUT:  # also refuses nan
        raise UsageError(f"--timeout {seconds!r}: give a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return float(seconds)


def check_chunk_size(megabytes: float) -> int:
    """--chunk-size in bytes."""
    if not MIN_CHUNK_MB <= megabytes <= MAX_CHUNK_MB:  # also refuses nan
        raise UsageError(f"--chunk-size {megabytes!r}: give a number of MB from {MIN_CHUNK_MB:g} to {MAX_CHUNK_MB:g} "
                         f"(default {DEFAULT_CHUNK_MB:g})")
    return max(1, math.floor(megabytes * MB))


def check_graph_name(name: str, taken: list[str]) -> None:
    """--default-graph names a graph of its own: an absolute IRI that no source's graph has."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+", name):
        raise UsageError(f"--default-graph {name[:80]!r}: give an absolute IRI, for example urn:x-takedown-kg:default")
    if name in taken:
        raise UsageError(f"--default-graph <{name}> is the name of a graph that is pushed too; choose another")


def target(url: str, graph: str) -> str:
    """The URL of one graph: ?graph=IRI, or ?default for the default graph."""
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}default" if graph == DEFAULT_GRAPH else f"{url}{joiner}graph={quote(graph, safe='')}"


def graphs(served) -> list[tuple[str, bytes, int]]:
    """(graph, N-Triples, triple count): the ontology and each source's graph by name, then the default graph."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    found = []
    for name in [*served.graphs(), DEFAULT_GRAPH]:
        chosen = pyoxigraph.DefaultGraph() if name == DEFAULT_GRAPH else pyoxigraph.NamedNode(name)
        data = served.store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=chosen)
        count = sum(1 for _ in served.store.quads_for_pattern(None, None, None, chosen))
        if count or name != DEFAULT_GRAPH:
            found.append((name, data, count))
    return found


def chunk_ends(body: bytes, limit: int) -> tuple[int, ...]:
    """Where the requests of one graph's N-Triples end: after whole lines, each body at most
    `limit` bytes unless a single line is longer (it goes alone). N-Triples escapes the line
    ends inside literals, so a line is a triple."""
    ends, start = [], 0
    while len(body) - start > limit:
        cut = body.rfind(b"\n", start, start + limit)  # the last line end that fits
        if cut < 0:  # the first line alone is longer than a chunk
            cut = body.find(b"\n", start + limit)
            if cut < 0:
                break
        ends.append(cut + 1)
        start = cut + 1
    ends.append(len(body))
    return tuple(ends)


#: A blank node's label, and whatever else looks like one (in a literal, an IRI): keeping a few
#: lines together that need not be costs nothing, missing a blank node would split it.
_BLANK = re.compile(rb'_:([^\s"<>]+)')


def with_blank_nodes_together(body: bytes, limit: int) -> tuple[bytes, tuple[int, ...]]:
    """`body` reordered so that the lines of each blank node (and of blank nodes linked by a line)
    follow one another, at the place of the first of them, and the ends of chunks that never part
    them. Each request is a document of its own, in which `_:b1` is a new blank node: a blank node
    whose triples went in two requests would become two."""
    if len(body) <= limit or b"_:" not in body:
        return body, chunk_ends(body, limit)
    lines = _lines(body)
    parent: dict[bytes, bytes] = {}

    def root(label: bytes) -> bytes:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    labels = [[label.rstrip(b".") for label in _BLANK.findall(line)] for line in lines]
    for found in labels:
        for other in found[1:]:
            parent[root(other)] = root(found[0])
    units: list[list[bytes]] = []
    unit_of: dict[bytes, list[bytes]] = {}
    for line, found in zip(lines, labels):
        if not found:
            units.append([line])
        elif root(found[0]) in unit_of:
            unit_of[root(found[0])].append(line)
        else:
            unit_of[root(found[0])] = unit = [line]
            units.append(unit)
    return b"".join(b"".join(unit) for unit in units), _packed([sum(map(len, unit)) for unit in units], limit)


def _lines(body: bytes) -> list[bytes]:
    """The lines of N-Triples, each with its line end: split at LF only, as a CR in a line
    (which N-Triples escapes anyway) does not end it."""
    lines = [line + b"\n" for line in body.split(b"\n")]
    lines[-1] = lines[-1][:-1]  # what follows the last line end: nothing, when the body ends with one
    return lines if lines[-1] else lines[:-1]


def _packed(lengths: list[int], limit: int) -> tuple[int, ...]:
    """The ends of chunks of consecutive pieces of these lengths, each chunk at most `limit` bytes
    unless one piece alone is longer."""
    ends, size, offset = [], 0, 0
    for length in lengths:
        if size and size + length > limit:
            ends.append(offset)
            size = 0
        size += length
        offset += length
    ends.append(offset)
    return tuple(ends)


def plan(url: str, served, *, default_graph: str | None = None, chunk_size: float = DEFAULT_CHUNK_MB,
         resume_from: str | None = None) -> list[Planned]:
    """What push sends: each graph of `served`, from `resume_from` on, with its chunks."""
    limit = check_chunk_size(chunk_size)
    if default_graph is not None:
        check_graph_name(default_graph, served.graphs())
    planned = []
    for name, data, count in graphs(served):
        if name == DEFAULT_GRAPH and default_graph is not None:
            name = default_graph
        body, ends = with_blank_nodes_together(data, limit)
        planned.append(Planned(name, count, target(url, name), body, ends))
    if resume_from is None:
        return planned
    wanted = default_graph if resume_from == RESUME_DEFAULT and default_graph is not None else resume_from
    for at, graph in enumerate(planned):
        if resume_name(graph.graph) == wanted:
            return planned[at:]
    raise UsageError(f"--resume-from {resume_from[:120]!r} is not a graph push sends: give one an Error: line named, "
                     f"or one --dry-run lists ({RESUME_DEFAULT} for the default graph)")


def resume_name(graph: str) -> str:
    """How --resume-from names a graph: its IRI, or `default` for the default graph."""
    return RESUME_DEFAULT if graph == DEFAULT_GRAPH else graph


def push(url: str, served, *, auth: Bearer | Basic | Digest | None = None, dry_run: bool = False,
         timeout: float = 60.0, default_graph: str | None = None, chunk_size: float = DEFAULT_CHUNK_MB,
         resume_from: str | None = None, progress: bool = False) -> Iterator[Pushed]:
    """PUT each graph of `served` to the store at `url`; yield each as it is written.

    `default_graph`, when given, is the named graph that takes the default
    graph's triples, for a store that has no unnamed default graph (Virtuoso).
    A graph of more than `chunk_size` MB goes as a PUT of its first chunk and a
    POST of each further one. `resume_from` (a graph's IRI, or `default`) skips
    the graphs before it. Each request, with its answer, takes at most `timeout`
    seconds. With `progress`, a bar on a terminal's stderr shows the requests;
    it is off its line while the caller handles each graph yielded.
    Raises PushFailed at the first graph the store refuses or cannot take,
    naming the graphs written before it and how to resume; no error holds a credential.
    """
    secrets = Secrets(auth)
    with secrets.hidden():
        check_url(url)
        check_timeout(timeout)
        planned = plan(url, served, default_graph=default_graph, chunk_size=chunk_size, resume_from=resume_from)
        if dry_run:
            for graph in planned:
                yield Pushed(graph.graph, graph.triples, None, graph.target, len(graph.ends))
            return
        requests = sum(len(graph.ends) for graph in planned)
        with Progress("sending", requests, wanted=progress) as bar:
            written: list[str] = []
            for number, graph in enumerate(planned, 1):
                status = None
                for chunk, body in enumerate(graph.chunks(), 1):
                    bar.advance(what=_sending(number, len(planned), chunk, len(graph.ends)))
                    answer = _send(url, graph, chunk, body, auth, timeout, secrets, written, resume_from)
                    status = status or answer.status
                written.append(graph.graph)
                with bar.aside():
                    yield Pushed(graph.graph, graph.triples, status, graph.target, len(graph.ends))


def _sending(number: int, graphs: int, chunk: int, chunks: int) -> str:
    return f"sending graph {number}/{graphs}" + (f", chunk {chunk}/{chunks}" if chunks > 1 else "")


def _send(url: str, graph: Planned, chunk: int, body: memoryview, auth, timeout: float, secrets: Secrets,
          written: list[str], resumed: str | None) -> _Answer:
    """One request of `graph`: a PUT of its first chunk (which replaces the graph), a POST of any other."""
    request = urllib.request.Request(graph.target, data=body, method="PUT" if chunk == 1 else "POST",
                                     headers={"Content-Type": "application/n-triples"})
    if isinstance(auth, (Bearer, Basic)):
        request.add_unredirected_header("Authorization", auth.header())
    try:
        answer = _ask(url, request, auth, timeout, secrets)
    except (OSError, http.client.HTTPException, ValueError) as error:
        what = _failure(error, url, auth, timeout, secrets)
    else:
        if 200 <= answer.status < 300:
            return answer
        what = _refusal(answer, url, graph.graph, secrets)
    raise PushFailed(_failed(graph, chunk, what, written, resumed)) from None


def _failed(graph: Planned, chunk: int, what: str, written: list[str], resumed: str | None) -> str:
    """The error's one line: which graph (and chunk) failed, what is in the store now, and how to go on."""
    where = f"graph {_show(graph.graph)}" + (f", chunk {chunk} of {len(graph.ends)}" if len(graph.ends) > 1 else "")
    partly = "; the store holds part of it" if chunk > 1 else ""
    # Failing at the first graph of a whole push, resuming is pushing again: nothing to say.
    first = not written and resumed is None
    resume = "" if first else f"; resume with --resume-from {shlex.quote(resume_name(graph.graph))}"
    again = " (which sends it again whole)" if resume and partly else ""
    return f"{where}: {what}{partly}; {_before(written)}{resume}{again}"


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    #: The start of the body of a refusal (what the store says is wrong); empty for a success.
    said: bytes


def _ask(url: str, request, auth, timeout: float, secrets: Secrets) -> _Answer:
    """Send one request and read its whole answer, all within `timeout` seconds. `secrets` learns
    each Authorization header sent on the way: urllib answers each new Digest challenge a store
    makes, on the same request, and the store may echo any of the answers."""
    connections = _Connections()
    opener = _opener(url, auth, connections)
    try:
        return _within(timeout, connections, lambda: _exchange(opener, request, timeout))
    finally:
        for sent in connections.authorizations():
            secrets.learn(sent)


def _exchange(opener, request, timeout: float) -> _Answer:
    try:
        with opener.open(request, timeout=timeout) as response:
            _read_to_the_end(response)
            return _Answer(response.status, response.reason, b"")
    except urllib.error.HTTPError as refusal:
        try:
            return _Answer(refusal.code, str(refusal.reason), _start_of(refusal))
        finally:
            refusal.close()


def _read_to_the_end(response) -> None:
    """Read a success's body without keeping it: a store may send more than memory holds."""
    while response.read(1 << 16):
        pass
    if response.length:  # read(n) returns short where read() raises: say it as read() would
        raise http.client.IncompleteRead(b"", response.length)


def _start_of(refusal) -> bytes:
    try:
        start = refusal.read(500)
    except (OSError, http.client.HTTPException):  # the status says enough without it
        return b""
    # A refusal urllib makes itself can hold text, not bytes: seen once from Virtuoso's Digest
    # under load, where the store's own answer had been replaced by urllib's.
    return start.encode("utf-8", "replace") if isinstance(start, str) else start


def _within(seconds: float, connections: _Connections, work: Callable[[], _Answer]) -> _Answer:
    """work(), in a thread of its own, given `seconds` in all (TimeoutError after them).

    A socket's timeout bounds each wait for a byte, not the request: a store that
    sends a byte a second holds a request for as long as it likes. So this thread
    waits for the whole of it, then shuts its sockets, which ends the other
    thread's reads and writes at once. (A name lookup cannot be cut short: a
    thread stuck in one ends when it does, after push has given up on it.)
    """
    outcome: list[tuple[_Answer | None, Exception | None]] = []

    def run() -> None:
        try:
            outcome.append((work(), None))
        except Exception as error:  # given to the waiting thread, which says what it was
            outcome.append((None, error))

    worker = threading.Thread(target=run, name="takedown-kg push", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except BaseException:  # Ctrl-C: the request ends with push
        connections.shut()
        raise
    if worker.is_alive():
        connections.shut()
        raise TimeoutError(f"no answer within {seconds:g} s")
    answer, error = outcome[0]
    if error is not None:
        raise error
    return answer


class _Connections:
    """What the connections of one request opened and sent: their sockets, shut together when its
    time is up, and the Authorization headers they sent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._opened: list[socket.socket] = []
        self._authorizations: list[str] = []
        self._shut = False

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._opened.append(sock)
            late = self._shut
        if late:
            _shut(sock)

    def sent_authorization(self, value: str) -> None:
        with self._lock:
            self._authorizations.append(value)

    def authorizations(self) -> list[str]:
        with self._lock:
            return list(self._authorizations)

    def shut(self) -> None:
        with self._lock:
            self._shut = True
            opened = list(self._opened)
        for sock in opened:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for TLS (whose own would unwrap it under a reading thread).
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # closed already
        pass


def _opener(url: str, auth, connections: _Connections):
    """urllib's opener for one request: no redirect followed (a PUT with credentials goes only where
    it was sent), Digest answered for this URL only, and what each connection opens and sends told
    to `connections`."""
    handlers = [_NoRedirect(), _HTTPHandler(connections), _HTTPSHandler(connections)]
    if isinstance(auth, Digest):
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, auth.user, auth.password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    return urllib.request.build_opener(*handlers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: urllib then raises HTTPError for the 3xx itself."""

    def redirect_request(self, *args, **kwargs):
        return None


class _Tracking:
    """Mixed into urllib's HTTP and HTTPS handlers: their connections tell `connections` of each
    socket they open and each Authorization header they send."""

    def __init__(self, connections: _Connections):
        super().__init__()
        self.connections = connections

    def do_open(self, http_class, req, **settings):
        connections = self.connections

        class Connection(http_class):
            def connect(self):
                super().connect()
                connections.opened(self.sock)

            def putheader(self, header, *values):
                if str(header).lower() == "authorization":
                    for value in values:
                        connections.sent_authorization(str(value))
                super().putheader(header, *values)

        return super().do_open(Connection, req, **settings)


class _HTTPHandler(_Tracking, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_Tracking, urllib.request.HTTPSHandler):
    pass


def _failure(error: Exception, url: str, auth, timeout: float, secrets: Secrets) -> str:
    """What went wrong, from what urllib or http.client raised. Their own text is not repeated
    where it may hold what the store sent (a status line that echoes the credentials)."""
    if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
        return f"{url} did not answer within {timeout:g} s (give it longer with --timeout)"
    if isinstance(error, http.client.HTTPException):
        return f"{url} {_unreadable(error)} (is it a Graph Store Protocol endpoint?)"
    if isinstance(error, ValueError) and isinstance(auth, Digest):
        # urllib's Digest handler met a challenge of a scheme or an algorithm it does not answer
        return f"{url} asks for an authentication other than Digest or Basic"
    if isinstance(error, ValueError):
        return f"the request to {url} cannot be made ({type(error).__name__})"
    reason = getattr(error, "reason", None) or error
    reason = getattr(reason, "strerror", None) or str(reason)
    return f"cannot reach {url} ({_store_line(reason, secrets)})"  # urllib's reason may quote the store


#: What a store did, by what http.client raised; the most particular first (a RemoteDisconnected
#: is a BadStatusLine too).
_UNREADABLE = (
    (http.client.RemoteDisconnected, "closed the connection without an answer"),
    (http.client.IncompleteRead, "sent a body shorter than it announced"),
    (http.client.LineTooLong, "answered with a line longer than 65536 bytes"),
    (http.client.BadStatusLine, "answered with a status line that is not HTTP"),
    (http.client.UnknownProtocol, "answered in a version of HTTP other than 1.0 and 1.1"),
)


def _unreadable(error: http.client.HTTPException) -> str:
    for kind, what in _UNREADABLE:
        if isinstance(error, kind):
            return what
    if type(error) is http.client.HTTPException:  # http.client raises it bare for one thing only
        return "answered with more than 100 headers"
    return f"answered in a form push cannot read ({type(error).__name__})"


def _refusal(answer: _Answer, url: str, name: str, secrets: Secrets) -> str:
    said = _store_line(answer.said.decode("utf-8", "replace"), secrets)
    detail = f": {said}" if said else ""
    reason = _store_line(answer.reason, secrets)
    return f"{url} answered HTTP {answer.status} {reason}{detail}{_hint(answer.status, name)}"


#: Credentials known by their shape, not their value: a store may echo one cut short, which
#: Secrets.hide does not find. What follows Bearer or Basic, and a Digest response.
_CREDENTIAL_SHAPES = re.compile(r'(?i)\b((?:Bearer|Basic)\s+|response\s*=\s*"?)[^\s"]+')


def _store_line(text: str, secrets: Secrets) -> str:
    """The first line of what a store sent, as an error shows it: credentials hidden before it is
    cut short (a cut could leave part of one), control characters shown as escapes."""
    lines = _CREDENTIAL_SHAPES.sub(rf"\1{REDACTED}", secrets.hide(text)).strip().splitlines()
    return visible(lines[0])[:SHOWN_CHARS] if lines else ""


def _show(name: str) -> str:
    return name if name == DEFAULT_GRAPH else f"<{name}>"


def _before(written: list[str]) -> str:
    if not written:
        return "no graph was written before it"
    return f"written before it: {', '.join(_show(n) for n in written)}"


def _hint(code: int, name: str) -> str:
    if code == 413:
        return " (send smaller requests: --chunk-size MB)"
    if code in (401, 403):
        return f" (check {TOKEN}, or {USER} and {PASSWORD})"
    if name == DEFAULT_GRAPH:  # Virtuoso answers 500 to ?default: it has no unnamed default graph
        return " (a store without an unnamed default graph takes it as a named graph: --default-graph IRI)"
    return ""
