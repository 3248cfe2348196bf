"""The takedown-kg command: thin commands over the library.

Each command parses its options, calls one library function and prints the
result. Errors become one line on stderr and an exit code (see ExitCode);
--debug shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from .errors import ExitCode, TakedownError

DEFAULT_OUT = Path("out")

COMMANDS: dict[str, Callable] = {}


def command(name: str, summary: str, example: str):
    """Register a command with its one-line summary and a runnable example."""

    def register(function):
        function.summary = summary
        function.example = example
        COMMANDS[name] = function
        return function

    return register


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


@command("build", "build the graph, validate it and write every output to out/", "takedown-kg build --out out")
def cmd_build(args) -> int:
    from .build import build

    result = build(args.out, base=args.base, data=args.data)
    _out("takedown-kg: built the graph of the article")
    for line in result.summary.lines():
        _out("  " + line)
    _out(f"  validation  conforms ({result.report.rules_checked} rules checked)")
    _out("wrote")
    for path in result.written:
        _out(f"  {_show(path)}")
    return ExitCode.OK


@command("export", "write the graph in one format to a file or stdout", "takedown-kg export --format jsonld -o graph.jsonld")
def cmd_export(args) -> int:
    from .formats import formats, get_format
    from .graph import build_graph
    from .outputs import write_atomically

    if args.list:
        for fmt in formats():
            _out(f"{fmt.name:<10} {fmt.suffix:<8} {fmt.media_type:<24} {fmt.description}")
        return ExitCode.OK
    if not args.format:
        raise _usage("export needs --format NAME (see takedown-kg export --list)")
    fmt = get_format(args.format)
    content = fmt.write(build_graph(base=args.base))
    if args.output in (None, "-"):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        write_atomically({Path(args.output): content})
    return ExitCode.OK


@command("validate", "check the project's graph, or any RDF files, against the shapes and checks", "takedown-kg validate out/graph.ttl")
def cmd_validate(args) -> int:
    from . import resources
    from .graph import load_files, load_project
    from .validation import validate

    if args.files:
        loaded = load_files([resources.ontology_file(), *args.files])
    else:
        loaded = load_project()
    report = validate(loaded.graph, sources=loaded.sources)
    _out(report.text)
    return ExitCode.OK if report.conforms else ExitCode.INVALID


@command("locate", "print where a text occurs in the article (offsets for a new sentence or quote)", "takedown-kg locate 'باقاعدہ درخواست'")
def cmd_locate(args) -> int:
    from . import resources
    from .sources import read_text

    article = read_text(resources.article_file())
    found = 0
    start = article.find(args.text)
    while start != -1:
        line = article.count("\n", 0, start) + 1
        _out(f"line {line}  oa:start {start}  oa:end {start + len(args.text)}")
        found += 1
        start = article.find(args.text, start + 1)
    if not found:
        raise TakedownError(f"{args.text!r} does not occur in the article; copy it character for character")
    return ExitCode.OK


def _show(path: Path) -> str:
    from .sources import display_path

    return display_path(path)


def _usage(message: str) -> TakedownError:
    from .errors import UsageError

    return UsageError(message)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="takedown-kg",
        description="A news report on social-media takedowns as a validated RDF knowledge graph.",
        epilog="Exit codes: 0 ok, 1 data does not conform (or ASK is false), 2 cannot run, "
        "3 bad query, 4 query refused, 5 query timed out.",
    )
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, function in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=function.summary,
            description=function.summary[0].upper() + function.summary[1:] + ".",
            epilog=f"example: {function.example}",
        )
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
        sub.set_defaults(run=function)
        _options(name, sub)
    return top


def _options(name: str, sub: argparse.ArgumentParser) -> None:
    base = "data IRI base instead of https://w3id.org/takedown-kg/id/ (must end in / or #)"
    if name == "build":
        sub.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: out)")
        sub.add_argument("--base", metavar="IRI", help=base)
        sub.add_argument("--data", type=Path, action="append", metavar="PATH",
                         help="curated Turtle file or folder to build from instead of the shipped data (repeatable)")
    elif name == "export":
        sub.add_argument("--format", metavar="NAME", help="output format (see --list)")
        sub.add_argument("-o", "--output", metavar="FILE", help="file to write, or - for stdout (default)")
        sub.add_argument("--list", action="store_true", help="list the formats: name, suffix, media type")
        sub.add_argument("--base", metavar="IRI", help=base)
    elif name == "validate":
        sub.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF files (default: the project's data)")
    elif name == "locate":
        sub.add_argument("text", help="the exact text to find, in Urdu as the article writes it")


def main(argv: list[str] | None = None) -> int:
    # Urdu must print whatever the locale says; every modern terminal reads UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = parser().parse_args(argv)
    if not getattr(args, "command", None):
        parser().print_help()
        return ExitCode.ERROR
    try:
        return int(args.run(args))
    except TakedownError as error:
        if args.debug:
            raise
        for line in error.lines:
            sys.stderr.write(f"Error: {line}\n")
        return int(error.exit_code)
    except BrokenPipeError:
        # The reader (head, less) stopped early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted\n")
        return 130


def run() -> None:
    sys.exit(main())
