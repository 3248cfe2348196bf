"""serve's HTTP/1.1 parser beside h11's: the same bytes, sent over a socket to a running serve
and fed to h11.Connection(h11.SERVER). serve refuses a request exactly when h11 refuses it,
except for the few cases listed with the reason serve differs on purpose."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from servers import serving
from takedown_kg.serve.loop import MAX_LINE

h11 = pytest.importorskip("h11")

ASK = b"/sparql?query=ASK%7B%7D"
HOST = b"Host: {host}"
CHUNKED = b"6\r\nASK {}\r\n0\r\n\r\n"


def get(*fields: bytes, line: bytes = b"GET " + ASK + b" HTTP/1.1") -> bytes:
    return line + b"\r\n" + b"".join(field + b"\r\n" for field in fields) + b"\r\n"


def post(*fields: bytes, body: bytes = b"ASK {}") -> bytes:
    return get(HOST, b"Content-Type: application/sparql-query", *fields, line=b"POST /sparql HTTP/1.1") + body


def agreed(raw: bytes, name: str):
    return pytest.param(raw, None, id=name)


def differs(raw: bytes, name: str, status: int, reason: str):
    """A request h11 reads and serve refuses with `status`, on purpose, for `reason`."""
    return pytest.param(raw, (status, reason), id=name)


CASES = [
    agreed(get(HOST), "a plain GET"),
    agreed(get(line=b"GET " + ASK + b" HTTP/1.0"), "HTTP/1.0 without Host"),
    agreed(get(HOST, line=b"GET " + ASK + b" HTTP/1.0"), "HTTP/1.0 with Host"),
    agreed(b"GET " + ASK + b" HTTP/1.1\nHost: {host}\n\n", "bare LF line ends"),
    agreed(b"GET " + ASK + b" HTTP/1.1\nHost: {host}\n\r\n", "LF lines ended by a CRLF blank line"),
    agreed(b"GET " + ASK + b" HTTP/1.1\r\nHost: {host}\r\n\n", "CRLF lines ended by a bare LF"),
    agreed(b"\r\n" + get(HOST), "a blank line before the request line"),
    agreed(get(b"host: {host}"), "a header name in lower case"),
    agreed(get(HOST, b"X-!#$%&'*+.^_`|~09az: v"), "every token character in a name"),
    agreed(get(HOST, b"X-Empty:"), "an empty value"),
    agreed(get(HOST, b"X-Tabbed: a\tb "), "a tab inside a value, a space after it"),
    agreed(get(HOST, b"X-Name: caf\xe9"), "obs-text in a value"),
    agreed(get(HOST, b"X-Control: a\x01b"), "a control character other than NUL, CR, LF, VT, FF in a value"),
    agreed(get(HOST, line=b"GET http://{host}" + ASK + b" HTTP/1.1"), "an absolute-form target naming this server"),
    agreed(get(HOST, b"Content-Length: 3") + b"abc", "a GET with a body"),
    agreed(get(HOST, line=b"GET " + ASK + b"&x=" + b"a" * 10_000 + b" HTTP/1.1"), "a target of 10 KB"),
    agreed(post(b"Content-Length: 6", b"Expect: 100-continue"), "Expect: 100-continue with the body"),
    agreed(post(b"Content-Length: 6", b"Content-Length: 6"), "Content-Length given twice, the same"),
    agreed(post(b"Content-Length: 6, 6"), "Content-Length as a list of one value"),
    agreed(post(b"Content-Length: \t 6  "), "Content-Length with spaces around it"),
    agreed(post(b"Content-Length: 6", b"Content-Length: 7"), "two different Content-Length headers"),
    agreed(post(b"Content-Length: 6, 7"), "Content-Length as a list of two values"),
    agreed(post(b"Content-Length: +6"), "Content-Length with a sign"),
    agreed(post(b"Content-Length: -6"), "a negative Content-Length"),
    agreed(post(b"Content-Length: 6 6"), "Content-Length with a space inside"),
    agreed(post(b"Content-Length: 0x6"), "Content-Length in hex"),
    agreed(post(b"Content-Length:"), "an empty Content-Length"),
    agreed(post(b"Content-Length: " + b"9" * 25), "Content-Length of 25 digits"),
    agreed(post(b"Transfer-Encoding: gzip", b"Content-Length: 6"), "Transfer-Encoding other than chunked"),
    agreed(post(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked", body=CHUNKED), "Transfer-Encoding twice"),
    agreed(get(b"Host : {host}"), "a space before a header's colon"),
    agreed(get(b"Host\t: {host}"), "a tab before a header's colon"),
    agreed(get(HOST, b"X\tName: v"), "a tab in a header name"),
    agreed(get(HOST, b"X(Name): v"), "a parenthesis in a header name"),
    agreed(get(HOST, b'X"Name": v'), "a quote in a header name"),
    agreed(get(HOST, b"X@Name: v"), "an at sign in a header name"),
    agreed(get(HOST, b": v"), "an empty header name"),
    agreed(get(HOST, b"Garbage"), "a header line with no colon"),
    agreed(get(b" X-Folded: v", HOST), "a continuation line before any header"),
    agreed(get(HOST, b"X-Nul: a\x00b"), "a NUL in a value"),
    agreed(get(HOST, b"X-Cr: a\rb"), "a bare CR in a value"),
    agreed(get(HOST, b"X-Vt: a\x0bb"), "a vertical tab in a value"),
    agreed(get(), "HTTP/1.1 without Host"),
    agreed(get(HOST, HOST), "two Host headers"),
    agreed(get(HOST, line=b"GET  " + ASK + b" HTTP/1.1"), "two spaces in the request line"),
    agreed(get(HOST, line=b"GET " + ASK + b" HTTP/1.1 "), "a space after the version"),
    agreed(get(HOST, line=b"GET\t" + ASK + b" HTTP/1.1"), "a tab in the request line"),
    agreed(get(HOST, line=b"GET " + ASK + b" http/1.1"), "the version in lower case"),
    agreed(get(HOST, line=b"GET " + ASK + b" HTTP/1"), "a version with no minor number"),
    agreed(get(line=b"GET " + ASK), "a request line with no version (HTTP/0.9)"),
    agreed(get(HOST, line=b"GE(T " + ASK + b" HTTP/1.1"), "a method that is not a token"),
    agreed(get(HOST, line=b"GET /sparql\x00 HTTP/1.1"), "a NUL in the target"),
    agreed(get(HOST, line=b"GET /caf\xe9 HTTP/1.1"), "a byte past ASCII in the target"),
    agreed(get(HOST, line=b"GET " + ASK + b"&x=" + b"a" * 100_000 + b" HTTP/1.1"), "a request line of 100 KB"),
    agreed(get(HOST, b"X-Long: " + b"a" * 100_000), "a header of 100 KB"),
    differs(post(b"Transfer-Encoding: chunked", body=CHUNKED), "a chunked body", 411,
            "serve reads a body by its Content-Length only (every SPARQL client sends one); "
            "RFC 9110 has 411 Length Required for the others"),
    differs(post(b"Transfer-Encoding: chunked", b"Content-Length: 6", body=CHUNKED),
            "Transfer-Encoding with Content-Length", 411,
            "a request framed two ways is the classic smuggling vector; RFC 9112 6.1 lets a server refuse it"),
    differs(get(HOST, line=b"POST /sparql HTTP/1.1"), "a POST with no Content-Length", 411,
            "refused rather than read as an empty body: a client that forgot the length learns it at once"),
    differs(get(HOST, b"X-Folded: a", b" b"), "a continuation line (obs-fold)", 400,
            "RFC 9112 5.2 lets a server refuse a folded line rather than unfold it, and serve does"),
    differs(get(HOST, line=b"GET " + ASK + b" HTTP/2.0"), "HTTP/2.0 on the request line", 505,
            "serve speaks HTTP/1.0 and 1.1 only; h11 leaves other versions to its user"),
    differs(get(HOST, *(b"X-%d: v" % n for n in range(100))), "101 header lines", 431,
            "serve bounds a request at 100 header lines; h11 bounds only the bytes"),
    differs(get(HOST, line=b"GET http://rebound.example" + ASK + b" HTTP/1.1"),
            "an absolute-form target naming another host", 421,
            "an absolute-form target names the host in place of Host (RFC 9112 3.2.2), and serve answers "
            "no name but its own (DNS rebinding); h11 leaves the names to its user"),
    differs(get(b"Host: rebound.example"), "a Host naming another server", 421,
            "serve answers no name but its own, so that a page whose name was rebound to this machine reads "
            "nothing; h11 leaves the names to its user"),
]


@pytest.fixture(scope="module")
def address(tmp_path_factory):
    with serving("--workers", "1", cwd=tmp_path_factory.mktemp("parser")) as running:
        parts = urlsplit(running.url)
        yield parts.hostname, parts.port


def serve_answer(address: tuple[str, int], raw: bytes) -> tuple[int, bytes]:
    """The status serve answers `raw` with, and, for a refusal, its body (serve closes after one)."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(1 << 16)
            assert chunk, f"serve closed the connection without an answer: {received[:200]!r}"
            received += chunk
        status = int(received[9:12])
        if status != 200:
            while chunk := sock.recv(1 << 16):
                received += chunk
    return status, received.split(b"\r\n\r\n", 1)[1]


def h11_refuses(raw: bytes) -> bool:
    """Whether h11 refuses `raw` as a server, fed as a network would (in pieces), with serve's
    bound on a request line for its bound on an incomplete head."""
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_LINE)
    try:
        for start in range(0, len(raw), 4096):
            connection.receive_data(raw[start:start + 4096])
            while (event := connection.next_event()) is not h11.NEED_DATA:
                if isinstance(event, h11.EndOfMessage):
                    return False
    except h11.RemoteProtocolError:
        return True
    raise AssertionError("h11 waits for more: the case is not a whole request")


@pytest.mark.parametrize(("template", "difference"), CASES)
def test_serve_refuses_what_h11_refuses(address, template, difference):
    raw = template.replace(b"{host}", b"%s:%d" % (address[0].encode(), address[1]))
    status, body = serve_answer(address, raw)
    refused = h11_refuses(raw)
    if difference is None:
        assert (status != 200) == refused, (status, body)
    else:
        assert (status, refused) == (difference[0], False), body
    if status != 200:  # a refusal is one line
        assert status >= 400 and body.startswith(b"Error: ") and body.count(b"\n") == 1, body


def test_the_corpus_is_as_wide_as_asked():
    refused = sum(h11_refuses(case.values[0].replace(b"{host}", b"127.0.0.1:1")) for case in CASES)
    assert len(CASES) >= 40 and refused >= 20 and len(CASES) - refused >= 15


@pytest.mark.parametrize(("template", "message"), [
    (post(b"Content-Length: 6", b"Content-Length: 7"),
     b"Error: the request has different Content-Length values (6, 7)\n"),
    (get(b"Host : {host}"),
     b"Error: a malformed header line ('Host : {host}'): a header has no space before its colon\n"),
    (get(), b"Error: an HTTP/1.1 request needs a Host header\n"),
    (get(HOST, HOST), b"Error: the request has more than one Host header\n"),
    (get(HOST, b"X-Folded: a", b" b"),
     b"Error: a malformed header line (' b'): a line folded onto the header before it (obs-fold) is refused\n"),
])
def test_what_a_smuggler_would_use_is_400_with_one_line(address, template, message):
    host = b"%s:%d" % (address[0].encode(), address[1])
    assert serve_answer(address, template.replace(b"{host}", host)) == (400, message.replace(b"{host}", host))
