"""serve's query processes: forked once, sandboxed before their first query,
replaced after a limit or a crash, and no way out to the network or the disk."""

from __future__ import annotations

import os
import pickle
import selectors
import time

import pytest

from conftest import need
from loopback import recording_server
from takedown_kg.errors import QueryError, QueryRefused, QueryTimeout
from takedown_kg.sparql.sandbox import Sandbox
from takedown_kg.serve.dispatch import HOLD, Dispatcher
from takedown_kg.serve.workers import PIECE, Bulk, Busy, Pool, Reader, pack
from test_sandbox import NONE, ONLY, _layers_available, _service


@pytest.fixture
def pool_of():
    made = []

    def make(work, *, size=1, seconds=10.0, sandbox=Sandbox()):
        pool = Pool(work, size=size, seconds=seconds, sandbox=sandbox).start()
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()


def test_a_worker_answers_many_requests_in_one_process(pool_of):
    pool = pool_of(lambda request: (os.getpid(), request * 2))
    answers = [pool.run(n) for n in range(5)]
    assert [value for _, value in answers] == [0, 2, 4, 6, 8]
    assert len({pid for pid, _ in answers}) == 1 and answers[0][0] != os.getpid()


def test_without_the_sandbox_a_worker_does_reach_the_server(pool_of):
    # The control for the test below.
    with recording_server() as (base, requests):
        pool = pool_of(lambda engine: _service(base + "/" + engine, engine), sandbox=NONE)
        assert [pool.run(engine) for engine in ("oxigraph", "rdflib")] == [0, 0]
    assert sorted(path.split("?")[0] for path in requests) == ["/oxigraph", "/rdflib"]


@pytest.mark.parametrize("layer", ["network namespace", "seccomp"])
def test_each_system_layer_alone_keeps_a_worker_off_the_network(pool_of, layer):
    need(layer in _layers_available(), f"this system cannot enter the {layer} layer")
    with recording_server() as (base, requests):
        pool = pool_of(lambda engine: _service(base + "/" + engine, engine), sandbox=ONLY[layer])
        for engine in ("oxigraph", "rdflib"):
            with pytest.raises(QueryRefused, match=r"^the query tried to reach the network or the disk and was stopped \("):
                pool.run(engine)
    assert requests == []


def test_python_hooks_alone_keep_rdflib_in_a_worker_off_the_network(pool_of):
    with recording_server() as (base, requests):
        pool = pool_of(lambda engine: _service(base + "/" + engine, engine), sandbox=ONLY["python hooks"])
        with pytest.raises(QueryRefused):
            pool.run("rdflib")
    assert requests == []


def test_a_worker_reads_no_file(pool_of):
    pool = pool_of(lambda path: open(path, encoding="utf-8").read())
    with pytest.raises(QueryRefused, match="^opening '/etc/hostname' is refused: a query reads only the loaded data$"):
        pool.run("/etc/hostname")
    assert pool.replaced == 0  # a refusal leaves the worker as it was


def test_a_worker_past_its_time_is_replaced_and_the_next_request_answered(pool_of):
    pool = pool_of(lambda seconds: time.sleep(seconds) or os.getpid(), seconds=1.0)
    first = pool.run(0)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="^the query ran past its limit of 1 s and was stopped; narrow the query$"):
        pool.run(30)
    assert time.monotonic() - started < 3
    second = pool.run(0)
    assert (pool.replaced, second != first) == (1, True)


def test_a_worker_that_dies_is_replaced(pool_of):
    pool = pool_of(lambda code: os._exit(code))
    with pytest.raises(QueryError, match="^the query process ended without an answer"):
        pool.run(3)
    assert pool.replaced == 1
    assert pool_of(lambda n: n + 1).run(1) == 2


def test_a_request_waits_for_a_worker_at_most_as_long_as_a_query_may_run(pool_of):
    import threading

    pool = pool_of(lambda seconds: time.sleep(seconds), seconds=1.0)
    thread = threading.Thread(target=lambda: pytest.raises(QueryTimeout, pool.run, 30))
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    # The only worker is busy until its limit; then it is replaced, and the replacement answers.
    assert pool.run(0) is None
    assert time.monotonic() - started < 2.5
    thread.join()
    # Two runaway requests ahead of it: the replacement of the first goes to the second.
    threads = [threading.Thread(target=lambda: pytest.raises(QueryTimeout, pool.run, 30)) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(Busy, match="^all 1 query workers stayed busy for 1 s; try again later$"):
        pool.run(0)
    assert 0.9 < time.monotonic() - started < 1.5
    for thread in threads:
        thread.join()


def test_closing_ends_every_worker(pool_of):
    pool = pool_of(lambda _: os.getpid(), size=3)
    pids = {pool.run(None) for _ in range(6)}
    pool.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@pytest.fixture
def dispatching(pool_of):
    """A Dispatcher over a pool, driven as serve's loop drives it: its pipes watched, its tick on every turn."""

    def make(work, room=lambda: None, **options):
        pool = pool_of(work, **options)
        selector = selectors.DefaultSelector()
        dispatcher = Dispatcher(pool, lambda fd, ready: selector.register(fd, selectors.EVENT_READ, ready),
                                selector.unregister, bug=_raise, room=room)
        answers: list = []

        def submit(request):
            dispatcher.submit(request, lambda result, request=request: answers.append((request, result, time.monotonic())))

        def drive(count: int, timeout: float = 10.0) -> list:
            end = time.monotonic() + timeout
            while len(answers) < count and time.monotonic() < end:
                for key, _ in selector.select(0.005):
                    key.data()
                dispatcher.tick(time.monotonic())
            return answers

        return pool, submit, drive

    return make


def _raise(where: str, failure: BaseException):
    raise failure  # a bug in the code under test fails the test


def test_answers_read_as_they_come_two_in_one_read():
    read, write = os.pipe()
    os.write(write, pack(("ok", 1)) + pack(("ok", 2))[:5])
    reader = Reader()
    reader.feed(read)
    assert [pickle.loads(reader.take()), reader.take()] == [("ok", 1), None]
    os.write(write, pack(("ok", 2))[5:])
    os.close(write)
    reader.feed(read)
    assert (pickle.loads(reader.take()), reader.take(), reader.closed) == (("ok", 2), None, False)
    reader.feed(read)
    assert reader.closed
    os.close(read)


def test_requests_sent_ahead_are_answered_in_order_each_once(dispatching):
    pool, submit, drive = dispatching(lambda n: time.sleep(0.005) or (os.getpid(), n))
    for n in range(8):
        submit(n)
    answers = drive(8)
    assert [request for request, *_ in answers] == list(range(8))
    assert [result[1] for _, result, _ in answers] == list(range(8))
    assert len({result[0] for _, result, _ in answers}) == 1 and pool.replaced == 0


def test_a_request_sent_ahead_to_a_long_query_is_taken_back(dispatching):
    pool, submit, drive = dispatching(lambda seconds: time.sleep(seconds) or seconds, size=2, seconds=5.0)
    started = time.monotonic()
    for seconds in (1.5, 0, 0, 0):  # the long one, and three that wait while both workers are busy
        submit(seconds)
    answers = drive(3)
    assert [(request, result) for request, result, _ in answers] == [(0, 0)] * 3
    assert max(at for *_, at in answers) - started < 1.0  # none waited for the long query (HOLD: 0.05 s)
    answers = drive(4)
    assert answers[3][:2] == (1.5, 1.5) and pool.replaced == 0
    time.sleep(HOLD)
    drive(5, timeout=0.3)  # the copy of the one taken back is answered unrun, to no one
    assert len(answers) == 4


def test_a_request_taken_back_is_not_run_by_the_worker_it_was_sent_ahead_to(dispatching):
    # Run there too, a runaway request taken back would hold both workers; the others would wait.
    pool, submit, drive = dispatching(lambda seconds: time.sleep(seconds) or seconds, size=2, seconds=5.0)
    for seconds in (1.5, 1.5, 3.0):  # both workers busy; the third is sent ahead to one, then taken back
        submit(seconds)
    answers = drive(2)
    assert [request for request, *_ in answers] == [1.5, 1.5]
    asked = time.monotonic()
    submit(0)
    answers = drive(3)
    assert answers[2][:2] == (0, 0) and answers[2][2] - asked < 0.5  # a worker was free at once
    answers = drive(4)
    assert answers[3][:2] == (3.0, 3.0) and pool.replaced == 0


def test_a_request_sent_ahead_to_a_worker_ended_at_its_limit_is_answered_once_by_another(dispatching):
    pool, submit, drive = dispatching(lambda seconds: time.sleep(seconds) or seconds, size=2, seconds=1.0)
    for seconds in (30, 0.3, 0):  # the last is sent ahead to the first worker, then taken back
        submit(seconds)
    answers = drive(3)
    assert [(request, result) for request, result, _ in answers[:2]] == [(0.3, 0.3), (0, 0)]
    assert answers[2][0] == 30 and isinstance(answers[2][1], QueryTimeout)
    drive(4, timeout=0.5)
    assert len(answers) == 3 and pool.replaced == 1


def test_a_watched_pipe_that_fails_does_not_end_the_loop():
    import socket
    import threading
    import urllib.request

    from takedown_kg.serve.loop import Loop, Response

    listening = socket.create_server(("127.0.0.1", 0))
    bugs = []
    loop = Loop(listening, lambda request: Response(200, b"still here"), lambda *entry: None,
                max_body=1024, max_connections=8, bug=lambda where, failure: bugs.append((where, repr(failure))))
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("a bug")

    readable, writable = os.pipe()
    loop.watch(readable, broken)
    os.write(writable, b"x")
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        for _ in range(3):
            with urllib.request.urlopen(f"http://127.0.0.1:{listening.getsockname()[1]}/", timeout=10) as answer:
                assert (answer.status, answer.read()) == (200, b"still here")
    finally:
        loop.stop()
        loop.wait_stopped(10)
        loop.close()
        listening.close()
        os.close(readable)
        os.close(writable)
    assert calls == [1]  # called once, then no longer watched (the pipe stayed readable)
    assert bugs == [("a watched pipe", "RuntimeError('a bug')")]


def test_a_query_whose_pipe_step_fails_ends_alone_and_the_loop_outlives_its_time_limit(pool_of, monkeypatch):
    """The failing watcher above, carried to the time limit: the dispatcher's step on a worker's
    pipe fails once (a bug). That query ends (500) and no other; at the time limit the loop still
    answers (it used to stop watching the pipe, then the dispatcher unwatched it again there:
    KeyError, and every connection ended with the loop)."""
    import socket
    import threading
    import urllib.error
    import urllib.request

    from takedown_kg.serve.loop import Later, Loop, Response, error
    from takedown_kg.serve.workers import Reader

    pool = pool_of(lambda n: n * 2, seconds=1.0)
    listening = socket.create_server(("127.0.0.1", 0))
    bugs = []

    def answered(result):
        return error(500, str(result)) if isinstance(result, Exception) else Response(200, repr(result).encode())

    def handle(request):
        if request.target == "/query":
            return Later(lambda reply: dispatcher.submit(21, lambda result: reply(answered(result))))
        return Response(200, b"still here")

    loop = Loop(listening, handle, lambda *entry: None, max_body=1024, max_connections=8,
                bug=lambda where, failure: bugs.append((where, type(failure).__name__)))
    dispatcher = Dispatcher(pool, loop.watch, loop.unwatch, bug=loop.bug)
    loop.tickers.append(dispatcher.tick)
    feed, failed = Reader.feed, []

    def fails_once(reader, fd):
        if not failed:
            failed.append(fd)
            raise RuntimeError("a bug")
        return feed(reader, fd)

    monkeypatch.setattr(Reader, "feed", fails_once)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listening.getsockname()[1]}"

    def get(path):
        try:
            with urllib.request.urlopen(url + path, timeout=5) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as refusal:
            return refusal.code, refusal.read()

    try:
        started = time.monotonic()
        assert get("/query") == (500, b"Error: the server failed: RuntimeError\n")
        assert time.monotonic() - started < 0.9  # ended by the failure, not by the time limit
        time.sleep(1.5)  # past the time limit of the query whose step failed
        assert get("/") == (200, b"still here")
        assert get("/query") == (200, b"42")
        assert thread.is_alive()
    finally:
        loop.stop()
        loop.wait_stopped(10)
        loop.close()
        listening.close()
    assert bugs == [("a query worker's pipe", "RuntimeError")]
    assert pool.replaced == 1  # the worker whose answer was lost to the bug


def test_a_bug_in_a_step_of_the_loop_is_reported_and_ends_only_its_own_work():
    """A handler that raises (500), an answer that cannot be written (that connection closed) and
    a ticker that raises (the loop goes on): each told to `bug` once, and the loop still answers."""
    import http.client
    import socket
    import threading

    from takedown_kg.serve.loop import Loop, Response

    def handle(request):
        if request.target == "/raises":
            raise RuntimeError("a handler's bug")
        if request.target == "/unwritable":
            return Response(200, "text where bytes belong")  # type: ignore[arg-type]
        return Response(200, b"still here")

    ticks = []

    def ticker(now):
        ticks.append(now)
        if len(ticks) == 1:
            raise ZeroDivisionError("a ticker's bug")
        return None

    bugs = []
    listening = socket.create_server(("127.0.0.1", 0))
    loop = Loop(listening, handle, lambda *entry: None, max_body=1024, max_connections=8,
                bug=lambda where, failure: bugs.append((where, repr(failure))))
    loop.tickers.append(ticker)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()

    def get(path):
        connection = http.client.HTTPConnection("127.0.0.1", listening.getsockname()[1], timeout=5)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            return answer.status, answer.read()
        except http.client.RemoteDisconnected:
            return "closed"
        finally:
            connection.close()

    try:
        assert get("/raises") == (500, b"Error: the server failed: RuntimeError\n")
        assert get("/unwritable") == "closed"
        assert get("/") == (200, b"still here")
        assert thread.is_alive() and len(ticks) > 1
    finally:
        loop.stop()
        loop.wait_stopped(10)
        loop.close()
        listening.close()
    assert sorted(bugs) == [("a connection", "TypeError(\"can't concat str to bytes\")"),
                            ("a request's handler", "RuntimeError(\"a handler's bug\")"),
                            ("a ticker", "ZeroDivisionError(\"a ticker's bug\")")]


def test_a_bulk_body_crosses_the_pipe_raw_and_whole(pool_of):
    body = bytes(range(256)) * 12_000  # 3 MB: many times what the pipe holds
    pool = pool_of(lambda n: Bulk(("media", n), body[:n]))
    assert pool.run(len(body)) == Bulk(("media", len(body)), body)
    assert pool.run(0) == Bulk(("media", 0), b"")
    assert pool.replaced == 0


def test_a_bulk_answer_is_handed_on_at_its_head_and_its_worker_is_the_clients_until_its_body_is_read(dispatching):
    from takedown_kg.serve.dispatch import Streamed

    body = bytes(range(256)) * 12_000
    pool, submit, drive = dispatching(lambda n: Bulk(os.getpid(), body[:n]), seconds=1.0)
    submit(len(body))
    [(_, streamed, _)] = drive(1)
    assert isinstance(streamed, Streamed) and streamed.rest is not None
    first, piped = bytes(streamed.first), streamed.rest
    assert len(first) <= PIECE and piped.left == len(body) - len(first)
    time.sleep(1.5)  # past the time limit: an answered query goes at its client's pace, not the query's
    drive(1)
    assert pool.replaced == 0
    submit(10)  # waits: the only worker is the first client's until its body is read
    assert len(drive(2, timeout=0.3)) == 1
    rest = b""
    while piped.left:
        rest += piped.read(PIECE)
    piped.end(True)
    assert first + rest == body
    answers = drive(2)
    assert answers[1][1] == Streamed(streamed.meta, body[:10], None) and pool.replaced == 0
    # A body left unread (its client gone): the worker is ended, and another answers.
    submit(len(body))
    answers = drive(3)
    answers[2][1].rest.end(False)
    submit(5)
    answers = drive(4)
    assert answers[3][1].first == body[:5] and answers[3][1].meta != streamed.meta and pool.replaced == 1


def test_while_the_loop_has_no_room_no_query_starts(dispatching):
    room = ["the answers held fill it"]
    pool, submit, drive = dispatching(lambda n: n, seconds=1.0, room=lambda: room[0])
    started = time.monotonic()
    submit(1)
    [(request, result, at)] = drive(1)
    assert isinstance(result, Busy) and str(result) == "the answers held fill it; try again later"
    assert 1.0 <= at - started < 1.5
    room[0] = None
    submit(2)
    assert drive(2)[1][:2] == (2, 2)
