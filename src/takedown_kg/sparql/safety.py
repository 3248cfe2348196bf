"""Checking a SPARQL query before any engine runs it: read-only and local.

This is the first of two layers (the second, sandbox.py, takes the network
away from the process that runs the query, whatever this check misreads).

A check that reads a query differently from the engine can be walked around:
SERVICE hidden in what the check takes for a comment or a string is still
SERVICE to the engine. So the query is read token by token three times, each
the way one reader tokenizes it, and refused if any reading finds a clause
that writes or reaches beyond the loaded data:

- the SPARQL 1.1 grammar: codepoint escapes (\\uXXXX) expanded in the whole
  text first (section 19.2), a comment ends at CR or LF;
- Oxigraph: escapes only inside IRIs and strings, a comment ends at CR or LF;
- rdflib: escapes expanded everywhere first, a comment ends at LF only, and
  `\\"` allowed inside a prefixed name.

Each reading follows the grammar's terminals exactly (strings, IRIs,
comments, prefixed names with their escapes); a character that no terminal
takes is a syntax error, never skipped. Tokenizing is linear in the length of
the query (possessive and atomic patterns, no backtracking).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..errors import QueryError, QueryRefused
from ..text import visible
from ..vocab import PREFIXES

#: Queries longer than this are refused before they are read.
MAX_QUERY_CHARS = 1_000_000

_UPDATES = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING", "LOAD"}
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
# Longest first, so that a word is read as the longest refused keyword it begins with.
_RUN_TOGETHER = sorted({"SERVICE", "FROM", *_UPDATES}, key=len, reverse=True)
# Keywords that must never be hidden inside something read two ways.
_FORBIDDEN_WORD = re.compile(r"(?i)(?<![A-Za-z0-9_])(?:SERVICE|FROM|" + "|".join(sorted(_UPDATES)) + r")(?![A-Za-z0-9_])")

# The grammar's character classes (SPARQL 1.1, section 19.8), for the characters past ASCII:
# PN_CHARS_BASE, and what PN_CHARS adds to it.
_BASE_RANGES = ((0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2FF), (0x370, 0x37D), (0x37F, 0x1FFF), (0x200C, 0x200D),
                (0x2070, 0x218F), (0x2C00, 0x2FEF), (0x3001, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFFD),
                (0x10000, 0xEFFFF))
_NAME_RANGES = ((0xB7, 0xB7), (0x300, 0x36F), (0x203F, 0x2040))
# Compiling classes that span the Unicode planes costs Python's re ~20 ms each, and
# the three readings hold thirty of them (0.43 s on every query). So each character
# past ASCII is scanned as a stand-in for its class, the patterns name the stand-ins,
# and every token's text is cut from the query itself at the same offsets.
_LETTER, _NAME_EXTRA, _OTHER = "\uE000", "\uE001", "\uE002"
_BASE = "A-Za-z" + _LETTER
_CHARS_U = "_" + _BASE
_CHARS = "\\-0-9" + _NAME_EXTRA + _CHARS_U


class _StandIns(dict):
    """str.translate's table: ASCII as itself, every other character as its class's stand-in."""

    def __missing__(self, code: int) -> str:
        found = _OTHER
        if any(low <= code <= high for low, high in _BASE_RANGES):
            found = _LETTER
        elif any(low <= code <= high for low, high in _NAME_RANGES):
            found = _NAME_EXTRA
        if len(self) < 1 << 16:  # a bounded cache: a hostile query may hold every code point
            self[code] = found
        return found


_STAND_INS = _StandIns({code: code for code in range(128)})


def _scanned(text: str) -> str:
    """`text` with each character past ASCII replaced by its class's stand-in; the same length."""
    return text if text.isascii() else text.translate(_STAND_INS)
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf\\"']"""


@dataclass(frozen=True)
class Reading:
    """How one reader tokenizes a query."""

    name: str
    #: Codepoint escapes are expanded in the whole text before tokenizing.
    expand_escapes: bool
    #: Characters that end a comment.
    comment_end: str
    #: Characters allowed after a backslash in a prefixed name (PN_LOCAL_ESC).
    local_escapes: str

    def pattern(self) -> re.Pattern:
        escape = _ECHAR if self.expand_escapes else rf"{_ECHAR}|{_UCHAR}"
        iri_char = r'[^<>"{}|^`\\\x00-\x20]' + ("" if self.expand_escapes else rf"|{_UCHAR}")
        plx = rf"%{_HEX}{{2}}|\\[{re.escape(self.local_escapes)}]"
        local_first = rf"(?:[{_CHARS_U}:0-9]|{plx})"
        local_rest = rf"(?:[{_CHARS}.:]|{plx})"
        prefix = rf"[{_BASE}](?:[{_CHARS}.]*+)"
        ends = re.escape(self.comment_end)
        return re.compile(
            rf"""
            (?P<space>[\x20\t\r\n]++)
          | (?P<comment>\#[^{ends}]*+)
          | (?P<string>'''(?>(?:''?)?(?:[^'\\]|{escape}))*+'''
                      |\"\"\"(?>(?:""?)?(?:[^"\\]|{escape}))*+\"\"\"
                      |'(?>[^'\\\n\r]|{escape})*+'
                      |"(?>[^"\\\n\r]|{escape})*+")
          | (?P<iri><(?>{iri_char})*+>)
          | (?P<var>[?$][{_CHARS_U}0-9][{_CHARS_U}0-9{_NAME_EXTRA}]*+)
          | (?P<bnode>_:[{_CHARS_U}0-9](?:[{_CHARS}.]*+))
          | (?P<run>[{_BASE}][{_CHARS}.]*+)(?!:)
          | (?P<pname>(?:{prefix})?:(?:{local_first}{local_rest}*+)?)
          | (?P<langtag>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
          | (?P<number>[0-9]*+\.[0-9]++(?:[eE][+-]?[0-9]++)?|[0-9]++\.[eE][+-]?[0-9]++|[0-9]++(?:[eE][+-]?[0-9]++)?)
          | (?P<word>[A-Za-z][A-Za-z0-9_]*+)
          | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.=<>!+\-*/^|?])
            """,
            re.VERBOSE,
        )


READINGS = (
    Reading("the SPARQL grammar", expand_escapes=True, comment_end="\r\n", local_escapes="_~.-!$&'()*+,;=/?#@%"),
    Reading("Oxigraph", expand_escapes=False, comment_end="\r\n", local_escapes="_~.-!$&'()*+,;=/?#@%"),
    Reading("rdflib", expand_escapes=True, comment_end="\n", local_escapes="_~.-!$&\"'()*+,;=/?#@%"),
)


@functools.cache
def _pattern(name: str) -> re.Pattern:
    """A reading's pattern, compiled when first used: 19 ms of every command's start otherwise,
    while only the process that checks a query (a sandboxed child) needs them."""
    return next(reading for reading in READINGS if reading.name == name).pattern()


# A run of name characters with no ':' after it holds keywords, numbers and dots
# only. Matching it once, then splitting it, keeps a run such as a.a.a.a from
# being scanned again from each of its positions in search of a prefix.
_IN_RUN = re.compile(
    r"(?P<word>[A-Za-z][A-Za-z0-9_]*+)|(?P<number>[0-9]++(?:[eE][+-]?[0-9]++)?)|(?P<punct>[.\-])")
#: rdflib's own expansion (rdflib.plugins.sparql.parser.expandUnicodeEscapes), so that
#: its reading is rdflib's: \u with four or eight hex digits, either case of u.
_ESCAPE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.IGNORECASE)
# Tokens after which '<' may compare rather than open an IRI (inside parentheses).
_OPERANDS = {"var", "string", "number", "iri", "pname", "bnode", "langtag"}


@dataclass(frozen=True)
class CheckedQuery:
    text: str
    form: str  # SELECT, CONSTRUCT, ASK or DESCRIBE
    #: What review.review found to say: misspelt terms of our vocabularies, each with the closest real one.
    warnings: tuple[str, ...] = ()
    #: For a top-level SELECT *: its variables in the order the query names them first, and where
    #: its * stands in the text (None where Oxigraph's reading could not read it).
    star_order: tuple[str, ...] | None = None
    star_at: int | None = None


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


def expand_escapes(text: str) -> str:
    """The query with every codepoint escape replaced by its character (SPARQL 1.1, 19.2)."""

    def expand(match: re.Match) -> str:
        code = int(match.group(1), 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise QueryError(f"{match.group(0)} is not a character (a surrogate or past U+10FFFF); write the character itself")
        return chr(code)

    return _ESCAPE.sub(expand, text)


def tokens(text: str, reading: Reading = READINGS[0]) -> list[Token]:
    """The significant tokens of `text` as `reading` reads it (no space, no comments).

    Raises QueryError at the first character no terminal of the grammar takes.
    """
    pattern = _pattern(reading.name)
    scan = _scanned(text)
    found: list[Token] = []
    position, end = 0, len(text)
    while position < end:
        match = pattern.match(scan, position)
        if match is None or match.end() == position:
            line, column = _line_column(text, position)
            raise syntax_error(text, line, column, f"unexpected character {_show_char(text[position])}")
        kind, text_of, after = match.lastgroup, text[position:match.end()], match.end()
        if kind in ("pname", "bnode"):
            # A name may not end with an unescaped '.': that dot ends the triple.
            trimmed = text_of.rstrip(".")
            if trimmed.endswith("\\") and len(trimmed) < len(text_of):
                trimmed += "."  # an escaped dot is part of the name
            after -= len(text_of) - len(trimmed)
            text_of = trimmed
        if kind == "run":
            found += _split_run(text, position, after)
        elif kind not in ("space", "comment"):
            found.append(Token(kind, text_of, position))
        position = after
    return found


def _split_run(text: str, start: int, end: int) -> list[Token]:
    found = []
    position = start
    while position < end:
        match = _IN_RUN.match(text, position, end)
        if match is None:
            line, column = _line_column(text, position)
            raise syntax_error(text, line, column, f"unexpected character {_show_char(text[position])}")
        found.append(Token(match.lastgroup, match.group(), position))
        position = match.end()
    return found


def check(text: str, *, allowed_datasets: frozenset[str] = frozenset(),
          prefixes: dict[str, str] | None = None) -> CheckedQuery:
    """Refuse SPARQL Update, LOAD, SERVICE (anywhere, SILENT too) and FROM naming foreign data.

    Every reading that can tokenize the query must accept it; if none can, the
    query is malformed (QueryError). With `prefixes` (those the engine will be
    given), an accepted query is then read for common mistakes (review.review):
    an unknown prefix or an ungrouped variable is a QueryError, a misspelt term
    of our vocabularies a warning.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(text):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    form = None
    first_error: QueryError | None = None
    read: dict[str, tuple[str, list[Token]]] = {}
    for reading in READINGS:
        source = expand_escapes(text) if reading.expand_escapes else text
        try:
            words = tokens(source, reading)
        except QueryError as error:
            first_error = first_error or error
            continue
        form = _check_tokens(source, words, allowed_datasets) or form
        read[reading.name] = (source, words)
    if form is None:
        if first_error is not None:
            raise first_error
        raise QueryError("not a query: expected SELECT, CONSTRUCT, ASK or DESCRIBE")
    if prefixes is None:
        return CheckedQuery(text, form)
    # lazy: only the process that runs a query reads it for mistakes, not the command's start
    from .review import review

    # Read as Oxigraph reads it where it can (its offsets are the text's own), else as another reader does.
    name = "Oxigraph" if "Oxigraph" in read else next(iter(read))
    return CheckedQuery(text, form, *review(*read[name], prefixes, positions=name == "Oxigraph"))


def _check_tokens(text: str, words: list[Token], allowed: frozenset[str]) -> str | None:
    prefixes = dict(PREFIXES)
    form = None
    depth = 0
    for index, token in enumerate(words):
        following = words[index + 1:index + 3]
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
        elif token.kind == "iri" and depth > 0 and index and _is_operand(words[index - 1]):
            _refuse_if_two_faced(text, token)
        if token.kind != "word":
            continue
        keyword = _keyword(token.text)
        if keyword == "PREFIX" and len(following) == 2 and following[1].kind == "iri":
            prefixes[following[0].text.rstrip(":")] = _iri_text(following[1].text)
        elif keyword == "SERVICE":
            silent = " SILENT" if following and following[0].text.upper() == "SILENT" else ""
            target = following[1 if silent else 0].text if len(following) > bool(silent) else ""
            raise QueryRefused(
                f"SERVICE{silent} {_short(target)} is refused: queries run on the loaded data only, never over the network"
            )
        elif keyword == "LOAD":
            target = following[0].text if following else ""
            raise QueryRefused(f"LOAD {_short(target)} is refused: queries never read files or URLs")
        elif keyword in _UPDATES:
            clause = f"{keyword} DATA" if following and following[0].text.upper() == "DATA" else keyword
            raise QueryRefused(f"SPARQL Update ({clause}) is refused: queries are read-only")
        elif keyword == "FROM":
            named = bool(following) and following[0].text.upper() == "NAMED"
            target = following[1 if named else 0] if len(following) > named else Token("other", "", token.start)
            iri = _expand(target, prefixes)
            if iri not in allowed:
                clause = "FROM NAMED" if named else "FROM"
                raise QueryRefused(
                    f"{clause} <{_short(iri)}> is refused: a query may name only the loaded data; drop the clause to query it"
                )
        elif keyword in _FORMS and form is None:
            form = keyword
    return form


def _keyword(word: str) -> str:
    """The keyword a word stands for. Oxigraph matches keywords with no word
    boundary (SERVICESILENT is SERVICE SILENT, FROMNAMED is FROM NAMED), so a
    word that begins with a refused keyword is read as that keyword."""
    upper = word.upper()
    for refused in _RUN_TOGETHER:
        if upper.startswith(refused):
            return refused
    return upper


def _is_operand(token: Token) -> bool:
    return token.kind in _OPERANDS or token.text in (")", "]") or token.text.lower() in ("true", "false")


def _refuse_if_two_faced(text: str, token: Token) -> None:
    """Refuse `<...>` that an engine may read as less-than and whose inside would then
    hide or reveal a clause: a comment or string opening in it, or a keyword."""
    inside = token.text[1:-1]
    if "#" in inside or "'" in inside or _FORBIDDEN_WORD.search(inside):
        line, column = _line_column(text, token.start)
        raise QueryRefused(
            f"{_short(token.text)} at line {line}, column {column} is refused: it reads both as an IRI and as "
            "a comparison; put a space after '<' when it compares"
        )


def _iri_text(token_text: str) -> str:
    return expand_escapes(token_text[1:-1])


def _expand(token: Token, prefixes: dict[str, str]) -> str:
    if token.kind == "iri":
        return _iri_text(token.text)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            # PN_LOCAL_ESC stands for the character itself; %XX stays as written.
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return token.text


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_char(char: str) -> str:
    return repr(char) if char.isprintable() else f"U+{ord(char):04X}"


def _line_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def syntax_error(text: str, line: int, column: int, reason: str) -> QueryError:
    """A QueryError showing the line of the query and a caret under the column.

    Only a window of a long line is shown, so a huge query is not echoed back.
    """
    lines = text.splitlines() or [""]
    shown = lines[min(max(line, 1), len(lines)) - 1]
    caret = max(column - 1, 0)
    if len(shown) > 100:
        start = max(0, min(caret - 50, len(shown) - 100))
        shown = ("…" if start else "") + shown[start:start + 100] + ("…" if start + 100 < len(shown) else "")
        caret = caret - start + (1 if start else 0)
    message = f"syntax error in the query at line {line}, column {column}: {_short(reason, 200)}"
    return QueryError(message, lines=[message, f"  {visible(shown)}", "  " + " " * caret + "^"])


