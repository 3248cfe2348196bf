"""push: each graph of the dataset PUT to a triple store (SPARQL 1.1 Graph Store HTTP Protocol).

PUT replaces the graph, so pushing twice leaves the same quads, not twice
as many. Credentials come from the environment only (a bearer token, or a
user and a password for Basic authentication, or for Digest with
TAKEDOWN_KG_STORE_AUTH=digest, as Virtuoso asks) and are never part of a
message: an error names the graph, the URL without credentials and the
status, and the graphs written before it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Iterator, Mapping
from urllib.parse import quote, urlsplit

from .errors import PushFailed, UsageError

TOKEN = "TAKEDOWN_KG_STORE_TOKEN"
USER = "TAKEDOWN_KG_STORE_USER"
PASSWORD = "TAKEDOWN_KG_STORE_PASSWORD"
SCHEME = "TAKEDOWN_KG_STORE_AUTH"
#: The default graph (what each named graph is, where it comes from), as the protocol names it.
DEFAULT_GRAPH = "default graph"
#: The longest --timeout, a day, as for query and serve.
MAX_TIMEOUT = 86_400.0


@dataclass(frozen=True)
class Pushed:
    graph: str
    triples: int
    #: The store's HTTP status; None for a dry run.
    status: int | None
    target: str


@dataclass(frozen=True)
class Digest:
    """A user and a password answered to a store's Digest challenge (never sent as they are)."""

    user: str
    password: str = field(repr=False)


def credentials(environment: Mapping[str, str]) -> str | Digest | None:
    """The Authorization header the environment asks for, Digest credentials, or None."""
    token, user, password = (environment.get(name) or None for name in (TOKEN, USER, PASSWORD))
    scheme = (environment.get(SCHEME) or "basic").lower()
    if scheme not in ("basic", "digest"):
        raise UsageError(f"{SCHEME}={scheme[:20]}: give basic (the default) or digest")
    if token and (user or password):
        raise UsageError(f"set either {TOKEN} or {USER} and {PASSWORD}, not both")
    if token and scheme == "digest":
        raise UsageError(f"{SCHEME}=digest takes {USER} and {PASSWORD}, not {TOKEN}")
    if token:
        return f"Bearer {token}"
    if bool(user) != bool(password):
        raise UsageError(f"{USER} and {PASSWORD} go together: set {PASSWORD if user else USER} too")
    if user and scheme == "digest":
        return Digest(user, password)
    if user:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
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


def check_graph_name(name: str, taken: list[str]) -> None:
    """--default-graph names a graph of its own: an absolute IRI that no source's graph has."""
    import re

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
    import pyoxigraph

    found = []
    for name in [*served.graphs(), DEFAULT_GRAPH]:
        chosen = pyoxigraph.DefaultGraph() if name == DEFAULT_GRAPH else pyoxigraph.NamedNode(name)
        data = served.store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=chosen)
        count = sum(1 for _ in served.store.quads_for_pattern(None, None, None, chosen))
        if count or name != DEFAULT_GRAPH:
            found.append((name, data, count))
    return found


def push(url: str, served, *, auth: str | Digest | None = None, dry_run: bool = False,
         timeout: float = 60.0, default_graph: str | None = None) -> Iterator[Pushed]:
    """PUT each graph of `served` to the store at `url`; yield each as it is written.

    `default_graph`, when given, is the named graph that takes the default
    graph's triples, for a store that has no unnamed default graph (Virtuoso).
    Raises PushFailed at the first graph the store refuses or cannot take,
    naming the graphs written before it.
    """
    import urllib.error
    import urllib.request

    check_url(url)
    check_timeout(timeout)
    if default_graph is not None:
        check_graph_name(default_graph, served.graphs())
    written: list[str] = []
    # No redirect is followed: a PUT with credentials goes only where it was sent.
    handlers = [_no_redirect()]
    if isinstance(auth, Digest):  # answered to the store's challenge, for this URL only
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, auth.user, auth.password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    opener = urllib.request.build_opener(*handlers)
    for name, data, count in graphs(served):
        if name == DEFAULT_GRAPH and default_graph is not None:
            name = default_graph
        address = target(url, name)
        if dry_run:
            yield Pushed(name, count, None, address)
            continue
        request = urllib.request.Request(address, data=data, method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
        if isinstance(auth, str):
            request.add_unredirected_header("Authorization", auth)
        try:
            with opener.open(request, timeout=timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            raise PushFailed(f"graph {_show(name)}: {url} answered HTTP {error.code} {error.reason}"
                             f"{_detail(error)}{_hint(error.code, name)}; {_before(written)}") from None
        except ValueError:  # urllib's Digest handler met a challenge of a scheme it does not answer
            raise PushFailed(f"graph {_show(name)}: {url} asks for an authentication other than Digest or Basic; "
                             f"{_before(written)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            reason = getattr(reason, "strerror", None) or str(reason)
            raise PushFailed(f"graph {_show(name)}: cannot reach {url} ({reason}); {_before(written)}") from None
        written.append(name)
        yield Pushed(name, count, status, address)


def _no_redirect():
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """Refuse every redirect: urllib then raises HTTPError for the 3xx itself."""

        def redirect_request(self, *args, **kwargs):
            return None

    return NoRedirect


def _show(name: str) -> str:
    return name if name == DEFAULT_GRAPH else f"<{name}>"


def _before(written: list[str]) -> str:
    if not written:
        return "no graph was written before it"
    return f"written before it: {', '.join(_show(n) for n in written)}"


def _hint(code: int, name: str) -> str:
    if code in (401, 403):
        return f" (check {TOKEN}, or {USER} and {PASSWORD})"
    if name == DEFAULT_GRAPH:  # Virtuoso answers 500 to ?default: it has no unnamed default graph
        return " (a store without an unnamed default graph takes it as a named graph: --default-graph IRI)"
    return ""


def _detail(error) -> str:
    """The first line of what the store said, when it said something short."""
    from .safety import visible

    try:
        text = error.read(500).decode("utf-8", "replace").strip().splitlines()
    except Exception:
        return ""
    return f": {visible(text[0][:120])}" if text and text[0] else ""
