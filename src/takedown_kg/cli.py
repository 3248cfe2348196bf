"""The takedown-kg command: thin commands over the library.

Each command parses its options, calls one library function and prints the
result. Errors become one line on stderr and an exit code (see ExitCode);
--debug shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Callable

from .errors import ExitCode, TakedownError, UsageError
from .outputs import write_atomically
from .text import counted, display_path, triple_count
from .vocab import qname

DEFAULT_OUT = Path("out")

#: serve's port: one of our own, so serve and a triple store on the same machine never collide. Not
#: 7878 (Oxigraph's, which push is tested against), nor Fuseki's 3030, Virtuoso's 8890, GraphDB's
#: 7200, Blazegraph's 9999, Stardog's 5820 or QLever's 7001; assigned to no service by IANA, and
#: seen open by no scan in nmap's service list.
DEFAULT_PORT = 6854

COMMANDS: dict[str, Callable] = {}


def command(name: str, summary: str, example: str):
    """Register a command with its one-line summary and a runnable example."""

    def register(function):
        function.summary = summary
        function.example = example
        function.__dict__.setdefault("options", [])
        COMMANDS[name] = function
        return function

    return register


def option(*flags: str, **settings):
    """Declare one argparse option of the command below it, as click does."""

    def add(function):
        # Decorators apply bottom-up; inserting at the front keeps --help in reading order.
        function.__dict__.setdefault("options", []).insert(0, (flags, settings))
        return function

    return add


BASE_HELP = "data IRI base instead of https://w3id.org/takedown-kg/id/ (must end in / or #)"
DATA_HELP = ("a source folder, a corpus folder or an RDF file to use instead of the shipped corpus "
             "(data/sources); repeat for more")
SOURCE_HELP = "only this source's graph (and the ontology), by its folder name: pni, tribune, ..."


def corpus_options(*, source: bool = True):
    """--data, --base and --source: the same meaning for every command that reads the corpus."""

    def add(function):
        function = option("--data", type=Path, action="append", metavar="PATH", help=DATA_HELP)(function)
        function = option("--base", metavar="IRI", help=BASE_HELP)(function)
        if source:
            function = option("--source", metavar="SLUG", help=SOURCE_HELP)(function)
        return function

    return add


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


@command("build", "build the graph, validate it and write every output to out/", "takedown-kg build --out out")
@option("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: out)")
@corpus_options(source=False)
@option("--infer", action="store_true",
        help="also write graph.trig, with the RDFS entailments (types, super-properties) in their own named graph")
def cmd_build(args) -> int:
    # lazy: a command loads only the stages it runs
    from .export import build

    result = build(args.out, base=args.base, data=args.data, infer=args.infer, progress=True)
    _out(f"takedown-kg: built the graph of {counted(len(result.slugs), 'source')}")
    for line in result.summary.lines():
        _out("  " + line)
    _out(f"  validation  conforms ({counted(result.report.rules_checked, 'rule')} checked)")
    if result.inferred_graph is not None:
        _out(f"  inferred    {counted(result.inferred, 'triple')} (RDFS), in the named graph "
             f"{qname(result.graph, result.inferred_graph)}")
    _out("wrote")
    for path in result.written:
        _out(f"  {_show(path)}")
    return ExitCode.OK


@command("export", "write the graph in one format to a file or stdout", "takedown-kg export --format jsonld -o out/graph.jsonld")
@option("--format", metavar="NAME", help="output format: a name, alias or suffix (ttl, nt, json-ld, xml; see --list); "
        "default: from the -o suffix")
@option("-o", "--output", metavar="FILE", help="file to write, or - for stdout (default)")
@option("--list", action="store_true", help="list the formats: name, suffix, media type")
@corpus_options()
def cmd_export(args) -> int:
    # lazy: a command loads only the stages it runs
    from .corpus import load_project
    from .export import format_for, formats, get_format

    if args.list:
        for fmt in formats():
            _out(f"{fmt.name:<10} {fmt.suffix:<8} {fmt.media_type:<24} {fmt.description}")
        return ExitCode.OK
    if args.format:
        fmt = get_format(args.format)
    elif args.output not in (None, "-") and format_for(args.output):
        fmt = format_for(args.output)
    else:
        raise UsageError("export needs --format NAME, or -o FILE with a known suffix (see takedown-kg export --list)")
    loaded = load_project(data=args.data, base=args.base, source=args.source)
    _emit(fmt.write(loaded.corpus), args.output)
    return ExitCode.OK


@command("validate", "check the corpus, or any sources or RDF files, against the shapes and checks", "takedown-kg validate out/graph.ttl")
@option("files", nargs="*", type=Path, metavar="PATH", help="what to check, as --data takes it (default: the shipped corpus)")
@option("--engine", choices=("fast", "pyshacl"), default="fast",
        help="fast: the shapes compiled to SPARQL on Oxigraph (default); pyshacl: the reference, same verdicts, slower")
@corpus_options(source=False)
def cmd_validate(args) -> int:
    # lazy: a command loads only the stages it runs
    from .checks import validate
    from .corpus import load_project

    loaded = load_project(data=[*args.files, *(args.data or [])] or None, base=args.base)
    report = validate(loaded.corpus, engine=args.engine)
    _out(report.text)
    return ExitCode.OK if report.conforms else ExitCode.INVALID


@command("query", "run a named query, a query file or SPARQL text on the graph", "takedown-kg query compliance")
@option("query", nargs="?", metavar="NAME|FILE", help="a named query (see --list) or a query file (.rq, .sparql, any suffix)")
@option("-e", "--expression", metavar="SPARQL", help="the query text itself")
@option("--list", action="store_true", help="list the named queries with what each answers")
@option("--prefixes", action="store_true", help="print the prefixes every query has, as PREFIX lines")
@option("--show", metavar="NAME", help="print a named query's text as shipped, its PREFIX lines included "
        "(it runs as it is in any SPARQL engine)")
@option("--bind", action="append", metavar="NAME=VALUE",
        help="bind ?NAME to an RDF term: tkd:telegram, <iri>, \"text\"@ur, 42 (repeatable)")
@option("--format", metavar="NAME",
        help="table (default), json, xml, csv or tsv; for CONSTRUCT/DESCRIBE an export format (turtle)")
@option("--full", action="store_true", help="show long values whole in the table")
@option("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
@corpus_options()
@option("--engine", choices=["oxigraph", "rdflib"], default="oxigraph", help="SPARQL engine (default: oxigraph)")
@option("--timeout", type=float, default=30.0, metavar="SECONDS",
        help="stop loading and querying after this long (default: 30)")
@option("--memory", type=int, default=4096, metavar="MB", help="stop loading and querying past this much memory (default: 4096)")
def cmd_query(args) -> int:
    # lazy: a command loads only the stages it runs
    from .sparql import named_queries, named_query, prefix_block

    if args.show:
        sys.stdout.write(named_query(args.show).text)
        return ExitCode.OK
    if args.list:
        queries = named_queries()
        width = max(len(name) for name in queries)
        for name, named in queries.items():
            _out(f"{name:<{width}}  {named.description}")
        return ExitCode.OK
    if args.prefixes:
        sys.stdout.write(prefix_block())
        return ExitCode.OK
    if (args.query is None) == (args.expression is None):
        raise UsageError("give one query: a NAME, a query FILE, or -e 'SPARQL' (see takedown-kg query --list)")
    # lazy: a command loads only the stages it runs
    from .export import find_format, formats, get_format
    from .sparql import RESULT_FORMATS, TABLE, query, write_table

    for_answers = [TABLE, *RESULT_FORMATS]
    if args.format and args.format not in for_answers and find_format(args.format) is None:
        known = [*for_answers, *(f.name for f in formats())]  # said before a long query runs, not after
        raise UsageError(f"unknown result format {args.format!r}; choose one of: {', '.join(known)}")
    bindings = dict(_binding(b) for b in args.bind or [])
    # A results format is written in the query's child, as serve writes it (results.write_answer).
    result = query(args.expression if args.expression is not None else args.query, bindings=bindings,
                   engine=args.engine, data=args.data, base=args.base, source=args.source,
                   timeout=args.timeout, memory=args.memory,
                   results_format=args.format if args.format in RESULT_FORMATS else None)
    for warning in result.warnings:
        sys.stderr.write(f"Warning: {warning}\n")
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        content = get_format(args.format or "turtle").write(result.graph)
    elif result.written is not None:
        content = result.written
    elif (args.format or TABLE) == TABLE:
        # A lone surrogate from the data is shown as \udXXX, never a crash.
        content = write_table(result, full=args.full).encode("utf-8", "backslashreplace")
    else:
        raise UsageError(f"{result.form} answers in: {', '.join(for_answers)}; {args.format!r} is for CONSTRUCT and DESCRIBE")
    _emit(content, args.output)
    if result.form == "ASK" and not result.boolean:
        return ExitCode.INVALID
    return ExitCode.OK


def _binding(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--bind {text!r}: write it as NAME=VALUE, for example --bind fact=pni:compliance-x")
    return name.lstrip("?$"), value


def _emit(content: bytes, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        write_atomically({Path(output): content})


@command("compare", "show what the other reports say of each fact of a source: corroborated, disputed or its own",
         "takedown-kg compare --source pni --format html -o out/compare.html")
@option("--source", default="pni", metavar="SLUG",
        help="the source whose facts to list, by its folder name (default: pni); every source is compared with it")
@option("--only", choices=["disputed", "corroborated", "alone"], metavar="KIND",
        help="list only the facts of one KIND: disputed (another report disputes it), corroborated (another "
             "confirms it; a fact can be both) or alone (no other report speaks of it); the counts stay those "
             "of every fact")
@option("--format", choices=["table", "csv", "json", "html"], default="table",
        help="table (default; in a terminal folded to its width, and piped or with -o each line whole, for grep), "
             "csv, json, or html (a self-contained page to open and print)")
@option("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
@corpus_options(source=False)
def cmd_compare(args) -> int:
    # lazy: a command loads only the stages it runs
    import shutil

    from .views import COMPARE_FORMATS, compare, table

    comparison = compare(args.source, data=args.data, base=args.base, only=args.only)
    if args.format == "table" and args.output in (None, "-") and sys.stdout.isatty():
        text = table(comparison, width=shutil.get_terminal_size().columns)
    else:
        text = COMPARE_FORMATS[args.format](comparison)
    _emit(text.encode("utf-8"), args.output)
    return ExitCode.OK


@command("graph", "draw the interactive HTML network (out/graph.html) for a browser", "takedown-kg graph --lang ur --focus tkd:telegram --depth 2")
@option("-o", "--output", type=Path, default=DEFAULT_OUT / "graph.html", metavar="FILE",
        help="the HTML file to write (default: out/graph.html)")
@option("--lang", choices=["en", "ur"], default="en", help="language of the page on opening, its labels and its own words; ur reads right to left (default: en)")
@option("--focus", metavar="SUBJECT", help="draw only the neighbourhood of this node (tkd:telegram, an IRI or a label)")
@option("--depth", type=int, default=1, metavar="N", help="steps from --focus to include (default: 1)")
@option("--include-ontology", action="store_true", help="draw the ontology's classes and terms too")
@corpus_options()
@option("--open", action="store_true", help="open the page in the default browser")
@option("--screenshot", type=Path, metavar="PNG", help="also save a PNG of the page (needs Chromium)")
@option("--search", metavar="TEXT", help="with --screenshot: search for TEXT first, so its details show")
def cmd_graph(args) -> int:
    # lazy: a command loads only the stages it runs
    from .views import write_page

    written = write_page(args.output, data=args.data, base=args.base, source=args.source, lang=args.lang, focus=args.focus, depth=args.depth,
                         include_ontology=args.include_ontology, screenshot=args.screenshot, search=args.search)
    for path in written:
        _out(f"wrote {_show(path)}")
    if args.open:
        # lazy: only --open needs a browser
        import webbrowser

        # No browser is not a failure: the page is written, the user can open it.
        if not webbrowser.open(args.output.resolve().as_uri()):
            sys.stderr.write(f"takedown-kg: no browser found; open {_show(args.output)} in one\n")
    return ExitCode.OK


@command("stats", "print counts by class and the most central actors", "takedown-kg stats --top 5")
@option("--top", type=int, default=10, metavar="N", help="how many central actors to list (default: 10)")
@corpus_options()
def cmd_stats(args) -> int:
    # lazy: a command loads only the stages it runs
    from .views import load_view, network_stats

    _, view, _ = load_view(args.data, base=args.base, source=args.source, whole=True)
    for line in network_stats(view, top=args.top).lines():
        _out(line)
    return ExitCode.OK


@command("locate", "print where a text occurs in the held texts (offsets for a new sentence or quote)", "takedown-kg locate 'باقاعدہ درخواست'")
@option("text", help="the exact text to find, as the source writes it")
@option("--data", type=Path, action="append", metavar="PATH", help=DATA_HELP)
@option("--source", metavar="SLUG", help="search only this source's text")
def cmd_locate(args) -> int:
    # lazy: a command loads only the stages it runs
    from .corpus import locate

    for found in locate(args.text, data=args.data, source=args.source):
        _out(f"{found.slug}  line {found.line}  oa:start {found.start}  oa:end {found.end}")
    return ExitCode.OK


@command("serve", "serve the graph over HTTP: a SPARQL endpoint at /sparql and a query page at /",
         f"takedown-kg serve --port {DEFAULT_PORT}")
@option("--host", default="127.0.0.1", metavar="HOST",
        help="address to listen on (default: 127.0.0.1, this machine only; any other prints a warning)")
@option("--port", type=int, default=DEFAULT_PORT, metavar="PORT",
        help=f"port to listen on, 0 for any free one (default: {DEFAULT_PORT})")
@corpus_options(source=False)
@option("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the build's folder, used when it matches the inputs (default: out)")
@option("--workers", type=int, default=2, metavar="N", help="query processes, each answering one query at a time (default: 2)")
@option("--timeout", type=float, default=30.0, metavar="SECONDS", help="stop a query after this long: HTTP 503 (default: 30)")
@option("--memory", type=int, default=1024, metavar="MB", help="memory each query process may add: past it HTTP 503 (default: 1024)")
@option("--connections", type=int, default=256, metavar="N",
        help="connections kept open at once; past it the longest silent one is closed, "
             "or a 503 if every one is mid-request (default: 256)")
@option("--allow-host", action="append", default=[], metavar="NAME",
        help="also answer requests whose Host is NAME (or NAME:PORT); repeat for more. Without it only the "
             "address it listens on is answered (127.0.0.1:PORT, localhost:PORT): a page of any other name "
             "(DNS rebinding) gets HTTP 421")
@option("--screenshot", type=Path, metavar="PNG",
        help="instead of serving: save a PNG of the query page answering the compliance query, then stop (needs Chromium)")
def cmd_serve(args) -> int:
    # lazy: a command loads only the stages it runs
    from .serve import Log, Server, allowed_host, is_loopback, open_dataset
    from .sparql import memory_limit, time_limit

    seconds, memory = time_limit(args.timeout), memory_limit(args.memory)
    for name in args.allow_host:  # said before the data is opened
        allowed_host(name)
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers}: give a number from 1 to 64")
    if not 1 <= args.connections <= 10_000:
        raise UsageError(f"--connections {args.connections}: give a number from 1 to 10000")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give a port from 0 to 65535 (0: any free one)")
    if args.screenshot:
        args.host, args.port = "127.0.0.1", 0
    if not is_loopback(args.host):
        sys.stderr.write(f"Warning: listening on {args.host}, not only on this machine: anyone who can reach it can "
                         "query the graph (read-only, no authentication)\n")
    served = open_dataset(args.data, base=args.base, out_dir=args.out)
    for warning in served.warnings:  # as `query` says it on the same data, once
        sys.stderr.write(f"Warning: {warning}\n")
    sys.stderr.flush()  # what was said before the log, which writes to the stream itself
    log = None if args.screenshot else Log(sys.stderr.fileno())
    try:
        server = Server(served, host=args.host, port=args.port, workers=args.workers, seconds=seconds, memory=memory,
                        connections=args.connections, debug=args.debug, allow_hosts=tuple(args.allow_host), log=log)
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port} ({error.strerror}); choose another --port") from None
    try:
        server.start()
        if args.screenshot:
            return _serve_screenshot(server, args.screenshot)
        _out(f"takedown-kg: serving {served.size()} from {served.origin}")
        _out(f"  query page  {server.url}")
        _out(f"  endpoint    {server.url}sparql")
        _out("Ctrl-C stops.")
        sys.stdout.flush()
        server.serve_forever()
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        server.close()
    # Through the log: a stderr nobody reads would hold this line, and the stop, forever.
    log.line("takedown-kg: stopped")
    log.close(seconds=0.2)
    return ExitCode.OK


def _serve_screenshot(server, target: Path) -> int:
    # lazy: a command loads only the stages it runs
    import threading

    from .views import take

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    png = take(f"{server.url}#query=compliance", target, width=1300, height=820)
    for path in write_atomically({target: png}):
        _out(f"wrote {_show(path)}")
    return ExitCode.OK


@command("push", "write the ontology and each source, each in its own named graph, to a triple store (Graph Store Protocol)",
         "takedown-kg push http://127.0.0.1:7878/store --dry-run")
@option("url", metavar="URL", help="the store's Graph Store Protocol endpoint (Oxigraph: http://HOST:7878/store)")
@option("--dry-run", action="store_true", help="list what would be sent, send nothing")
@corpus_options(source=False)
@option("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the build's folder, used when it matches the inputs (default: out)")
@option("--timeout", type=float, default=60.0, metavar="SECONDS", help="give up on a request after this long (default: 60)")
@option("--default-graph", metavar="IRI",
        help="put the default graph's triples into this named graph (for a store without an unnamed default graph: Virtuoso)")
@option("--chunk-size", type=float, default=8.0, metavar="MB",
        help="send a graph larger than this in parts: a PUT of the first, a POST of each other one (default: 8)")
@option("--resume-from", metavar="GRAPH",
        help="skip the graphs before this one (its IRI, or default), as a failed push's Error: line says")
def cmd_push(args) -> int:
    # lazy: a command loads only the stages it runs
    from .push import Secrets, credentials, push
    from .serve import open_dataset

    auth = credentials(os.environ)
    secrets = Secrets(auth)  # every line push prints goes through it: a credential is never printed
    served = open_dataset(args.data, base=args.base, out_dir=args.out)
    for warning in served.warnings:  # as `query` and `serve` say it on the same data: a store gets it as it is
        sys.stderr.write(secrets.hide(f"Warning: {warning}\n"))
    graphs = statements = requests = 0
    first = None  # what --resume-from began with: the graphs before it were not sent
    verb = "would put" if args.dry_run else "put"
    for pushed in push(args.url, served, auth=auth, dry_run=args.dry_run, timeout=args.timeout,
                       default_graph=args.default_graph, chunk_size=args.chunk_size, resume_from=args.resume_from,
                       progress=True):
        graphs, statements, requests = graphs + 1, statements + pushed.triples, requests + pushed.chunks
        shown = pushed.graph if pushed.graph == "default graph" else f"<{pushed.graph}>"
        first = first or shown
        chunks = f" in {pushed.chunks} chunks" if pushed.chunks > 1 else ""
        status = "" if pushed.status is None else f"  HTTP {pushed.status}"
        noun = "triple" if pushed.triples == 1 else "triples"
        _out(secrets.hide(f"{verb} {shown:<52} {pushed.triples:>7,} {noun}{chunks}{status}"))
        # Out before push draws its bar again below the line, on a terminal both share.
        sys.stdout.flush()
    done = "nothing sent (--dry-run)" if args.dry_run else "done"
    sent = f" in {requests} requests" if requests > graphs else ""
    skipped = f"; the graphs before {first} skipped (--resume-from)" if args.resume_from else ""
    # Resumed, the union of the graphs sent is not counted: each graph's triples are said as they are.
    count = triple_count(statements if args.resume_from else served.triples, statements, graphs)
    _out(secrets.hide(f"{count} to {args.url}{sent}: {done}{skipped}"))
    return ExitCode.OK


def _show(path: Path) -> str:
    return display_path(path)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error form: one line, exit code 2, and for a misspelt command,
    option or choice the closest right one named."""

    #: The words this parser was given, for error(), which is not told them.
    given: list[str] = []

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:  # each command's unknown words come back here, to the top parser
            command = getattr(parsed, "command", None)
            (self.commands.get(command) or self)._unknown(extras)
        return parsed

    def parse_known_args(self, args=None, namespace=None):
        self.given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _unknown(self, extras: list[str]):
        wrong = next((word for word in extras if word.startswith("-")), None)
        if wrong is None:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        wrong = wrong.split("=", 1)[0]
        self._fail(f"unknown option {wrong}" + _hint(wrong, self._flags(), otherwise=f" (see {self.prog} --help)"))

    def _flags(self) -> list[str]:
        return [flag for action in self._actions for flag in action.option_strings]

    def _check_value(self, action, value):
        # argparse's own check says "invalid choice" and lists every one; this names the closest.
        if action.choices is None or value in action.choices:
            return
        if action.dest == "command":  # the top parser's choice of command
            self._fail(f"unknown command {value!r}" + _hint(value, list(COMMANDS)))
        name = max(action.option_strings, key=len) if action.option_strings else action.metavar or action.dest
        self._fail(f"unknown choice {value!r} for {name}" + _hint(value, [str(c) for c in action.choices]))

    def error(self, message: str):
        # A misspelt option is said first: "URL is required" would hide it (push --dry-rn).
        flags = self._flags()
        for word in self.given[:self.given.index("--")] if "--" in self.given else self.given:
            name = word.split("=", 1)[0]
            if re.fullmatch(r"-[^-\d].*|--\w.*", name) and not _known(name, flags):
                self._unknown([name])
        self._fail(f"{self.prog}: {message} (see {self.prog} --help)")

    def _fail(self, message: str):
        self.exit(ExitCode.ERROR, f"Error: {message}\n")


def _known(name: str, flags: list[str]) -> bool:
    """Whether argparse takes `name`: a flag, a long flag's prefix, or a short flag with its value attached."""
    if name.startswith("--"):
        return any(flag.startswith(name) for flag in flags)
    return name[:2] in flags


def _hint(wrong: str, right: list[str], *, otherwise: str | None = None) -> str:
    """"; did you mean X?" for the closest of `right`, else `otherwise` (by default the choices)."""
    # lazy: only a mistyped command line needs it
    import difflib

    close = difflib.get_close_matches(wrong, right, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]}?"
    return f"; choose one of: {', '.join(right)}" if otherwise is None else otherwise


def _version() -> str:
    # lazy: a command loads only the stages it runs
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("takedown-kg")
    except PackageNotFoundError:  # run from a checkout that was never installed
        # lazy: a command loads only the stages it runs
        from . import __version__

        return __version__


class _Version(argparse.Action):
    """--version, asking the installed package's metadata only when given (70 ms on every command otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"takedown-kg {_version()}\n")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="takedown-kg",
        description="A news report on social-media takedowns as a validated RDF knowledge graph.",
        epilog="Exit codes: 0 ok, 1 data does not conform (or ASK is false), 2 cannot run, "
        "3 bad query, 4 query refused, 5 query timed out.",
    )
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    top.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    top.commands = commands.choices
    for name, function in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=function.summary,
            description=function.summary[0].upper() + function.summary[1:] + ".",
            epilog=f"example: {function.example}",
        )
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
        sub.set_defaults(run=function)
        for flags, settings in function.options:
            sub.add_argument(*flags, **settings)
    return top


class Terminated(BaseException):
    """SIGTERM or SIGHUP: unwind like Ctrl-C, so temporary files are removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


def _quiet(debug: bool) -> None:
    """No Python warning or library log line reaches the user unless --debug."""
    # lazy: a command loads only the stages it runs
    import logging
    import warnings

    if not debug:
        warnings.simplefilter("ignore")
        logging.getLogger("rdflib").setLevel(logging.CRITICAL)
        logging.getLogger("pyshacl").setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    # lazy: a command loads only the stages it runs
    import signal

    # Urdu must print whatever the locale says; every modern terminal reads UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    args = parser().parse_args(argv)
    if not getattr(args, "command", None):
        parser().print_help()
        return ExitCode.ERROR
    _quiet(args.debug)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    # Even when started with SIGINT ignored (a background job of a script), an
    # interrupt must end the command and its query process.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return int(args.run(args))
    except TakedownError as error:
        if args.debug:
            raise
        # The first line says what failed; any further lines (a query and a
        # caret under the error) follow as they are.
        first, *rest = error.lines
        sys.stderr.write(f"Error: {first}\n")
        for line in rest:
            sys.stderr.write(f"{line}\n")
        return int(error.exit_code)
    except BrokenPipeError:
        # The reader (head, less) stopped early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted\n")
        return 130
    except Terminated as stop:
        sys.stderr.write(f"Error: stopped by signal {stop.signum}\n")
        return 128 + stop.signum
    except (OSError, MemoryError) as error:
        if args.debug:
            raise
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        reason = getattr(error, "strerror", None) or type(error).__name__
        sys.stderr.write(f"Error: {reason}{where}; run again with --debug to see where\n")
        return ExitCode.ERROR


def run() -> None:
    code = main()
    # lazy: a command loads only the stages it runs
    import gc

    # The process ends here: its last collections would visit every object it made, to free
    # what its end frees anyway (50 to 100 ms after a query on the rdflib engine, 13 ms frozen).
    gc.freeze()
    sys.exit(code)
