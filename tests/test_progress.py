"""Long work shows a progress bar on a terminal, and nothing extra anywhere else."""

from __future__ import annotations

import io
import os
import pty
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
