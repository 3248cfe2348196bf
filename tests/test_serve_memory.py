"""What `takedown-kg serve` holds in memory: never a whole answer (the worker's pipe holds the rest
until the client takes it), a bounded total for clients that do not read, a client that stops
reading cut off, and the network page drawn in a child, as `takedown-kg graph` draws it.
Real servers on free loopback ports; the server's memory read from /proc."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
from urllib.parse import quote, urlsplit

import pytest

from conftest import ROOT, run_cli
from servers import children, serving
from test_serve import fetch, sparql

#: ~100 MB of SPARQL JSON from 6 KB of data: 320 literals of 480 characters, every pair of them.
PAIRS = "SELECT ?x ?y WHERE { ?a <http://example.org/p> ?x . ?b <http://example.org/p> ?y }"
PAIRS_SIZE = 105_472_052
#: What the server may grow by while it answers four clients of that answer: a few pieces of
#: 256 KiB each and Python's own; holding one answer whole would be 100 MB.
GROWTH = 24 << 20
#: Seconds a query may run, and a client may take nothing of its answer.
LIMIT = 10


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak) of a process, in bytes."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as stream:
        for line in stream:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) * 1024
    return found


def from_now(pid: int) -> int:
    """Reset a process's peak (VmHWM) to its resident size now, and return that size: what it
    holds from here on is measured apart from its start (loading the data has its own peak)."""
    with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as stream:
        stream.write("5")
    return memory(pid)["VmRSS"]


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    """The data, and the answer `takedown-kg query` gives (serve answers with the same bytes)."""
    folder = tmp_path_factory.mktemp("pairs")
    data = folder / "pairs.nt"
    data.write_text("".join(f'<http://example.org/s{n:04d}> <http://example.org/p> "{f"{n:04d}" * 120}" .\n'
                            for n in range(320)), encoding="ascii")
    result = run_cli("query", "--data", str(data), "--format", "json", "--output", str(folder / "answer.json"), PAIRS,
                     cwd=folder)
    assert result.returncode == 0, result.stderr
    answer = (folder / "answer.json").read_bytes()
    assert len(answer) == PAIRS_SIZE
    return data, hashlib.sha256(answer).hexdigest()


class Client:
    """One GET on a socket of its own: the head, then the body read `piece` bytes at a time,
    `pause` seconds apart (or not at all: stop_after_head)."""

    def __init__(self, url: str, query: str, *, piece: int = 1 << 16, pause: float = 0.0, stop_after_head=False):
        host = urlsplit(url)
        self.sock = socket.create_connection((host.hostname, host.port), timeout=60)
        self.sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode())
        self.piece, self.pause, self.stop_after_head = piece, pause, stop_after_head
        self.status = self.length = None
        self.received, self.digest = 0, hashlib.sha256()
        self.headed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffered = b""
        while b"\r\n\r\n" not in buffered:
            buffered += self.sock.recv(1 << 16)
        head, _, body = buffered.partition(b"\r\n\r\n")
        self.status = int(head.split()[1])
        self.length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
                          .split(b":")[1])
        self._take(body)
        self.headed.set()
        if not self.stop_after_head:
            self.drain()

    def _take(self, chunk: bytes) -> None:
        self.received += len(chunk)
        self.digest.update(chunk)

    def drain(self) -> None:
        """Read until the body is whole or the server closes the connection."""
        while self.received < self.length:
            try:
                chunk = self.sock.recv(self.piece)
            except ConnectionResetError:
                break
            if not chunk:
                break
            self._take(chunk)
            time.sleep(self.pause)

    def close(self) -> None:
        self.sock.close()


def test_slow_readers_of_a_100_mb_answer_each_get_it_whole_and_the_server_holds_none_of_it(tmp_path, pairs):
    data, expected = pairs
    with serving("--data", str(data), "--workers", "5", "--timeout", str(LIMIT), cwd=tmp_path) as running:
        pid = running.process.pid
        assert sparql(running, "ASK { ?s ?p ?o }")[::2] == (200, b'{"head":{},"boolean":true}')
        before = from_now(pid)
        workers = set(children(pid))
        # One client reads the head of its answer and then nothing.
        stalled = Client(running.url, PAIRS, stop_after_head=True)
        assert stalled.headed.wait(60)
        stalled_at = time.monotonic()
        # Three read theirs slowly: 64 KiB at a time, some 20 MB/s at most.
        readers = [Client(running.url, PAIRS, pause=0.003) for _ in range(3)]
        # Others are answered meanwhile, by the fifth worker. The stalled client is cut off once it
        # has taken nothing for LIMIT seconds: its worker is ended and replaced.
        asked, cut_after = [], None
        while any(reader.thread.is_alive() for reader in readers) or (
                cut_after is None and time.monotonic() - stalled_at < LIMIT + 10):
            started = time.monotonic()
            status = sparql(running, "ASK { ?s ?p ?o }")[0]
            asked.append((status, time.monotonic() - started))
            if cut_after is None and set(children(pid)) != workers:
                cut_after = time.monotonic() - stalled_at
            time.sleep(0.2)
        replaced = workers - set(children(pid))
        peak = memory(pid)["VmHWM"]
        stalled.drain()
        stalled.close()
        for reader in readers:
            reader.close()
    assert [(r.status, r.length, r.received, r.digest.hexdigest()) for r in readers] == [
        (200, PAIRS_SIZE, PAIRS_SIZE, expected)] * 3
    # (Less a moment: the client sees its head a little after the server's last write to it.)
    assert len(replaced) == 1 and LIMIT - 0.5 <= cut_after < LIMIT + 4, (replaced, cut_after)
    assert (stalled.status, stalled.length) == (200, PAIRS_SIZE) and stalled.received < PAIRS_SIZE
    assert len(asked) >= 10 and all(status == 200 and took < 2 for status, took in asked), asked
    assert peak - before < GROWTH, f"the server grew by {(peak - before) >> 20} MB (from {before >> 20} MB)"


def test_past_the_bytes_held_for_unread_answers_a_query_waits_until_they_are_taken(tmp_path, pairs):
    """The total held for clients that have not read their answers is planted at one byte: one
    client that stops reading fills it, and a new query waits, a worker free, until that client
    is cut off."""
    data, _ = pairs
    with serving("--data", str(data), "--workers", "2", "--timeout", "6", cwd=tmp_path,
                 planted="import takedown_kg.serve.loop as loop\nloop.UNREAD = 1") as running:
        stalled = Client(running.url, PAIRS, stop_after_head=True)
        assert stalled.headed.wait(60)
        stalled_at = time.monotonic()
        time.sleep(3)  # past the loop's check of stalled clients (once a second), well before the limit
        asked = time.monotonic()
        status, _, body = sparql(running, "ASK { ?s ?p ?o }")
        answered = time.monotonic()
        stalled.close()
    assert (status, body) == (200, b'{"head":{},"boolean":true}')
    # It waited for the cut (6 s after the client stopped), not for a worker.
    assert answered - stalled_at >= 5.5 and answered - asked >= 2.5, (answered - stalled_at, answered - asked)


def test_a_head_request_of_a_large_answer_gets_its_length_and_the_server_holds_none_of_it(tmp_path, pairs):
    data, _ = pairs
    with serving("--data", str(data), "--workers", "1", cwd=tmp_path) as running:
        assert sparql(running, "ASK { ?s ?p ?o }")[0] == 200
        before = from_now(running.process.pid)
        host = urlsplit(running.url)
        with socket.create_connection((host.hostname, host.port), timeout=60) as sock:
            sock.sendall(f"HEAD /sparql?query={quote(PAIRS)} HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1 << 16)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n") and f"Content-Length: {PAIRS_SIZE}\r\n".encode() in head
            assert head.endswith(b"\r\n\r\n")
            sock.sendall(f"GET /sparql?query={quote('ASK {}')} HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode())
            answer = b""
            while not answer.endswith(b'{"head":{},"boolean":true}'):
                chunk = sock.recv(1 << 16)
                assert chunk, "the server closed the connection"
                answer += chunk
        peak = memory(running.process.pid)["VmHWM"]
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")  # the same connection, no body between
    assert peak - before < GROWTH


@pytest.fixture(scope="module")
def forty(tmp_path_factory):
    """Forty copies of the article's source: past the 30 sources above which a page is an overview."""
    folder = tmp_path_factory.mktemp("forty")
    corpus = folder / "corpus"
    for n in range(40):
        shutil.copytree(ROOT / "data" / "sources" / "pni", corpus / f"pni{n:02d}")
    assert run_cli("graph", "--data", str(corpus), "-o", str(folder / "page.html"), cwd=folder).returncode == 0
    return corpus, (folder / "page.html").read_bytes()


def test_the_network_page_is_the_one_graph_draws_and_the_server_keeps_only_the_page(tmp_path, forty):
    corpus, page = forty
    with serving("--data", str(corpus), cwd=tmp_path) as running:
        pid = running.process.pid
        assert fetch(running.url)[0] == 200
        before = from_now(pid)
        started = time.monotonic()
        status, media, body = fetch(running.url + "graph.html")
        took = time.monotonic() - started
        after = memory(pid)
    assert (status, media) == (200, "text/html; charset=utf-8")
    assert b"This is an overview of 40 sources" in body
    assert body == page
    assert took < 30
    # The page is kept (0.8 MB); the drawing (the graph, its view, the libraries) was the child's.
    assert after["VmHWM"] - before < 16 << 20 and after["VmRSS"] - before < 8 << 20, (before, after)


SLOW_PAGE = """
import time
from takedown_kg.views import draw

draw.draw_corpus = lambda corpus, **options: time.sleep(60)
"""


def test_a_page_past_the_time_limit_is_503_and_the_server_goes_on(tmp_path):
    with serving("--timeout", "2", cwd=tmp_path, planted=SLOW_PAGE) as running:
        started = time.monotonic()
        status, _, body = fetch(running.url + "graph.html")
        took = time.monotonic() - started
        assert (status, body) == (503, b"Error: drawing graph.html ran past its limit of 2 s and was stopped; raise "
                                       b"--timeout, or draw it with takedown-kg graph\n")
        assert 2 <= took < 6
        assert sparql(running, "ASK { ?s ?p ?o }")[::2] == (200, b'{"head":{},"boolean":true}')
        assert fetch(running.url + "graph.ttl")[0] == 200
