"""Long work shows a progress bar on a terminal, and nothing extra anywhere else."""

from __future__ import annotations

import io
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, run_cli
from takedown_kg import progress
from takedown_kg.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_draws_each_step_on_one_line_and_clears_it(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW", 0.0)
    screen = Terminal()
    with Progress("reading", 2, stream=screen) as bar:
        bar.advance(what="reading pni")
        bar.advance(what="writing")
    frame = "\r\x1b[2K{} [{}] {}/2"
    assert screen.getvalue() == (frame.format("reading pni", "#" * 12 + "." * 12, 1)
                                 + frame.format("writing", "#" * 24, 2) + "\r\x1b[2K")


def test_lines_printed_aside_go_above_the_bar(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW", 0.0)
    screen = Terminal()
    with Progress("sending", 2, stream=screen) as bar:
        bar.advance(what="sending graph 1/2")
        with bar.aside():
            screen.write("put graph 1\n")
        bar.advance(what="sending graph 2/2")
    frame = "\r\x1b[2K{} [{}] {}/2"
    half = frame.format("sending graph 1/2", "#" * 12 + "." * 12, 1)
    assert screen.getvalue() == (half + "\r\x1b[2K" + "put graph 1\n" + half
                                 + frame.format("sending graph 2/2", "#" * 24, 2) + "\r\x1b[2K")


def test_no_bar_when_not_a_terminal_or_not_asked():
    for stream, wanted in ((io.StringIO(), True), (Terminal(), False)):
        with Progress("reading", 3, stream=stream, wanted=wanted) as bar:
            bar.advance()
        assert stream.getvalue() == ""


def test_build_on_a_terminal_shows_the_sources_and_the_outputs(tmp_path):
    for slug in ("one", "two", "three"):
        shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / slug)
    command = Path(sys.executable).with_name("takedown-kg")
    main, other = pty.openpty()
    done = subprocess.Popen([str(command), "build", "--data", "corpus"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=other)
    os.close(other)
    shown = b""
    while chunk := _read(main):
        shown += chunk
    out = done.communicate(timeout=300)[0].decode()
    assert done.returncode == 0 and out.startswith("takedown-kg: built the graph of 3 sources\n")
    frames = [frame for frame in shown.decode().split("\r\x1b[2K") if frame]
    # Three sources and nine steps after them (validation, the writing, six formats and the page).
    assert frames[-1] == "writing graph.html [########################] 12/12"
    assert all(frame.endswith("/12") for frame in frames)
    assert shown.endswith(b"\r\x1b[2K")


def test_build_through_a_pipe_prints_no_bar(tmp_path):
    shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / "pni")
    built = run_cli("build", "--data", "corpus", cwd=tmp_path)
    assert built.returncode == 0 and built.stderr == ""


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the other end closed: Linux says EIO
        return b""


# push: a frame before each request, the bar off its line while push prints a graph's line.

CLEAR = "\r\x1b[2K"
PUT_LINES = [
    "put <https://w3id.org/takedown-kg/id/pni/graph>              690 triples in 3 chunks  HTTP 201",
    "put <https://w3id.org/takedown-kg/ontology>                  571 triples in 2 chunks  HTTP 201",
    "put default graph                                              3 triples  HTTP 201",
]


def push_frame(what: str, done: int) -> str:
    filled = 24 * done // 6
    return f"{CLEAR}{what} [{'#' * filled}{'.' * (24 - filled)}] {done}/6"


#: What push draws for pni alone at --chunk-size 0.05: its graph in 3 requests, the ontology in 2,
#: the default graph in 1. Between two graphs, the bar is cleared for the graph's line and drawn again.
PUSH_FRAMES = [
    push_frame("sending graph 1/3, chunk 1/3", 1), push_frame("sending graph 1/3, chunk 2/3", 2),
    push_frame("sending graph 1/3, chunk 3/3", 3), CLEAR, push_frame("sending graph 1/3, chunk 3/3", 3),
    push_frame("sending graph 2/3, chunk 1/2", 4), push_frame("sending graph 2/3, chunk 2/2", 5),
    CLEAR, push_frame("sending graph 2/3, chunk 2/2", 5),
    push_frame("sending graph 3/3", 6), CLEAR, push_frame("sending graph 3/3", 6), CLEAR,
]


def slow_store(handler):
    """Each answer after longer than the bar waits between two drawings: every frame is drawn."""
    handler.server.stopped.wait(progress.REDRAW * 1.5)
    handler.send_response(201)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def push_on_a_terminal(tmp_path, *, stdout_too: bool) -> tuple[str, str, int]:
    """push of pni alone with stderr (and stdout, if `stdout_too`) on a pseudo-terminal: what the
    terminal got, what the pipe got, the exit code."""
    from test_push import fake_store

    shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / "pni")
    command = Path(sys.executable).with_name("takedown-kg")
    main, other = pty.openpty()
    with fake_store(answer=slow_store) as (url, seen):
        done = subprocess.Popen([str(command), "push", url, "--data", "corpus", "--chunk-size", "0.05"], cwd=tmp_path,
                                stdout=other if stdout_too else subprocess.PIPE, stderr=other)
        os.close(other)
        shown = b""
        while chunk := _read(main):
            shown += chunk
        out = done.communicate(timeout=300)[0]
    os.close(main)
    assert len(seen) == 6
    return shown.decode(), (out or b"").decode(), done.returncode


def test_push_on_a_terminal_draws_a_frame_per_request(tmp_path):
    shown, out, code = push_on_a_terminal(tmp_path, stdout_too=False)
    assert code == 0
    assert shown == "".join(PUSH_FRAMES)
    assert out.splitlines()[:3] == PUT_LINES


def test_push_lines_and_bar_on_one_terminal_do_not_run_into_each_other(tmp_path):
    shown, _, code = push_on_a_terminal(tmp_path, stdout_too=True)
    assert code == 0
    url = re.search(r"to (http://127\.0\.0\.1:\d+/store) in 6 requests: done", shown).group(1)
    lines = iter(PUT_LINES)
    # Each graph's line (a terminal ends it with CR LF) where the bar was cleared, the bar drawn again below it.
    expected = "".join(frame + (next(lines) + "\r\n" if frame == CLEAR and n < len(PUSH_FRAMES) - 1 else "")
                       for n, frame in enumerate(PUSH_FRAMES))
    assert shown == expected + f"1,264 triples in 3 graphs to {url} in 6 requests: done\r\n"


def test_push_through_a_pipe_prints_no_bar(tmp_path):
    from test_push import fake_store

    shutil.copytree(ROOT / "data" / "sources" / "pni", tmp_path / "corpus" / "pni")
    with fake_store() as (url, seen):
        pushed = run_cli("push", url, "--data", "corpus", "--chunk-size", "0.05", cwd=tmp_path)
    assert (pushed.returncode, pushed.stderr, len(seen)) == (0, "", 6)
