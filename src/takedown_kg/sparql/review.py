"""A query read for the mistakes people make, before an engine runs it.

Each engine meets these in its own way: Oxigraph answers an unknown prefix or a
variable that is neither grouped nor aggregated with a dump of its grammar,
rdflib answers the second with rows of arbitrary values, and both answer a
misspelt term of a vocabulary with no rows at all. Read here from the query's
tokens (safety.tokens), the first two are one-line errors on both engines
and in serve, the third a warning naming the closest real term.

It also lists the variables of a top-level SELECT * in the order the query
first names them, for the engines to give their columns in (Oxigraph sorts
them by name, rdflib in an order of its own).
"""

from __future__ import annotations

import functools
import re
from inspect import get_annotations  # loaded already: rdflib's namespaces use it

from rdflib.namespace import DCTERMS, ORG, PROV, SDO, SKOS

from ..errors import QueryError
from ..text import visible
from ..vocab import CLOSED_NAMESPACES, OA, TK

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
# What ends a GROUP BY clause, besides the end of the query or the brace that closes a subquery.
_AFTER_GROUP = {"HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}
#: How a warning names each closed vocabulary.
_NAMES = {TK: "the ontology", OA: "the Web Annotation vocabulary", ORG: "the Organization ontology",
          PROV: "PROV-O", SDO: "schema.org", SKOS: "SKOS", DCTERMS: "DCMI Metadata Terms"}
#: Known prefixes listed in full in the unknown-prefix error; past this many, a count.
_LISTED = 30


def review(text: str, words: list, prefixes: dict[str, str], *,
           positions: bool) -> tuple[tuple[str, ...], tuple[str, ...] | None, int | None]:
    """Raise a one-line QueryError for an unknown prefix or an ungrouped variable; else what
    safety.CheckedQuery keeps of the reading: the warnings, SELECT *'s variables in the order the
    query first names them, and where that * stands (None unless `positions`).

    `words` are the query's tokens (safety.tokens) as one reading reads `text`; `positions` says
    whether their offsets are those of the text as given (Oxigraph's reading, which expands no escapes).
    """
    declared = _declared(words)
    known = {**prefixes, **declared}
    for index, word in enumerate(words):
        if word.kind == "pname" and not _declares(words, index):
            prefix = word.text.partition(":")[0]
            if prefix not in known:
                raise _unknown_prefix(prefix, _line(text, word.start), known)
    _check_grouping(text, words)
    star = _star(words)
    return (tuple(_unknown_terms(words, known)),
            None if star is None else _first_named(words[star + 1:]),
            words[star].start if star is not None and positions else None)


def _declares(words: list, index: int) -> bool:
    """Whether the name at `index` is the one a PREFIX declaration declares."""
    return index > 0 and words[index - 1].kind == "word" and words[index - 1].text.upper() == "PREFIX"


def _declared(words: list) -> dict[str, str]:
    found = {}
    for index, word in enumerate(words[:-1]):
        if word.kind == "pname" and _declares(words, index) and words[index + 1].kind == "iri":
            found[word.text.partition(":")[0]] = words[index + 1].text[1:-1]
    return found


def _unknown_prefix(prefix: str, line: int, known: dict[str, str]) -> QueryError:
    # lazy: needed only to suggest a name in an error
    import difflib

    names = list(known)
    close = difflib.get_close_matches(prefix, names, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}:?)" if close else ""
    listed = ", ".join(names[:_LISTED]) + (f", … ({len(names):,} in all)" if len(names) > _LISTED else "")
    return QueryError(f"unknown prefix {prefix}: on line {line}{hint}; known prefixes: {listed}")


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


# --- GROUP BY ----------------------------------------------------------------------

def _check_grouping(text: str, words: list) -> None:
    """Each SELECT that groups (GROUP BY, or an aggregate in SELECT, HAVING or ORDER BY) may select
    only its grouped variables and aggregates, as SPARQL 1.1 (18.2.4.1) and Oxigraph hold it."""
    grouping = _Grouping(text, words)
    for index, word in enumerate(words):
        if word.kind == "word" and word.text.upper() == "SELECT":
            grouping.check(index)


class _Grouping:
    """A query's tokens with what reading each SELECT needs, made once, so that the whole reading is
    linear in the length of the query, however deep its subqueries nest: where each bracket closes,
    and how many braces and aggregates stand before each token."""

    def __init__(self, text: str, words: list):
        self.text, self.words = text, words
        self.closing: dict[int, int] = {}
        self.braces, self.aggregates = [0], [0]
        opened: dict[str, list[int]] = {"(": [], "{": [], "[": []}
        for index, word in enumerate(words):
            if word.text in opened:
                opened[word.text].append(index)
            elif word.text in _CLOSES and opened[_CLOSES[word.text]]:
                self.closing[opened[_CLOSES[word.text]].pop()] = index
            self.braces.append(self.braces[-1] + (word.text == "{"))
            self.aggregates.append(self.aggregates[-1] + (word.kind == "word" and word.text.upper() in _AGGREGATES))

    def closes(self, opening: int) -> int:
        """Where the bracket at `opening` closes (the last token when it does not)."""
        return self.closing.get(opening, len(self.words) - 1)

    def has_brace(self, start: int, end: int) -> bool:
        return self.braces[end] > self.braces[start]

    def has_aggregate(self, start: int, end: int) -> bool:
        """An aggregate among words[start:end], read only where no pattern (a subquery's own) stands."""
        return self.aggregates[end] > self.aggregates[start] and not self.has_brace(start, end)

    def check(self, select: int) -> None:
        words = self.words
        position = select + 1
        if position < len(words) and words[position].text.upper() in ("DISTINCT", "REDUCED"):
            position += 1
        star = position < len(words) and words[position].text == "*"
        items, position = self._projection(position + star)
        if items is None:
            return  # a projection this reading does not follow (an EXISTS inside it): left to the engine
        # Then FROM clauses (the check allowed them), WHERE, and the pattern's brace; anything else is
        # a text that no engine will read as a query: left to the engine to say so.
        while position < len(words) and (words[position].text.upper() in ("FROM", "NAMED", "WHERE")
                                         or words[position].kind in ("iri", "pname")):
            position += 1
        if position >= len(words) or words[position].text != "{":
            return
        keys, grouped, after = self._modifiers(self.closes(position) + 1)
        if not (grouped or after or any(self.has_aggregate(start, end) for start, end, _ in items)):
            return
        if star:
            example = f"SELECT {' '.join('?' + k for k in sorted(keys))} (COUNT(*) AS ?count)" if keys else \
                "SELECT (COUNT(*) AS ?count)"
            raise QueryError(f"SELECT * cannot be used with GROUP BY or an aggregate (line "
                             f"{_line(self.text, words[select].start)}); select the grouped variables and "
                             f"aggregates, as in {example}")
        for start, end, alias in items:
            for variable in self._outside_aggregates(start, end):
                name = variable.text[1:]
                if name not in keys:
                    said = f"?{name} in SELECT" if alias is None else f"?{name} in the expression for ?{alias}"
                    raise QueryError(
                        f"{said} (line {_line(self.text, variable.start)}) is neither grouped nor aggregated; add it "
                        f"to GROUP BY, or select an aggregate of it, as (SAMPLE(?{name}) AS ?any{name[:1].upper()}{name[1:]})")

    def _projection(self, position: int) -> tuple[list | None, int]:
        """The projected items (start, end, alias or None; the expression is words[start:end]),
        up to WHERE or the pattern's brace."""
        words, items = self.words, []
        while position < len(words):
            word = words[position]
            if word.text == "{" or word.kind == "word" and word.text.upper() in ("WHERE", "FROM", "SELECT"):
                break
            if word.kind == "var":
                items.append((position, position + 1, None))
                position += 1
            elif word.text == "(":
                end = self.closes(position)
                if self.has_brace(position, end):
                    return None, position
                alias = None
                if end - position > 2 and words[end - 2].text.upper() == "AS" and words[end - 1].kind == "var":
                    alias = words[end - 1].text[1:]
                items.append((position + 1, end - 2 if alias else end, alias))
                position = end + 1
            else:
                position += 1
        return items, position

    def _modifiers(self, position: int) -> tuple[set[str], bool, bool]:
        """After a SELECT's pattern: its GROUP BY keys, whether it has GROUP BY, and whether an
        aggregate stands in its HAVING or ORDER BY; read up to the end or the brace of a subquery."""
        words = self.words
        keys: set[str] = set()
        grouped = aggregate = in_group = False
        while position < len(words) and words[position].text != "}":
            word = words[position]
            upper = word.text.upper() if word.kind == "word" else ""
            if upper == "GROUP" and position + 1 < len(words) and words[position + 1].text.upper() == "BY":
                grouped = in_group = True
                position += 2
                continue
            if upper in _AFTER_GROUP:
                in_group = False
                if upper == "VALUES":
                    break
            if upper == "SELECT":  # not a query's own modifiers: a text no engine reads as a query
                break
            if word.text in ("(", "{"):
                end = self.closes(position)
                if in_group and end - position > 2 and words[end - 2].text.upper() == "AS" and words[end - 1].kind == "var":
                    keys.add(words[end - 1].text[1:])
                aggregate = aggregate or (not in_group and self.has_aggregate(position, end))
                position = end + 1
                continue
            if in_group and word.kind == "var":
                keys.add(word.text[1:])
            elif upper in _AGGREGATES and not in_group:
                aggregate = True
            position += 1
        return keys, grouped, aggregate

    def _outside_aggregates(self, start: int, end: int) -> list:
        """The variables (tokens) of words[start:end] that no aggregate takes in."""
        words, found, position = self.words, [], start
        while position < end:
            word = words[position]
            if word.kind == "word" and word.text.upper() in _AGGREGATES and position + 1 < end \
                    and words[position + 1].text == "(":
                position = self.closes(position + 1) + 1
                continue
            if word.kind == "var":
                found.append(word)
            position += 1
        return found


_CLOSES = {")": "(", "}": "{", "]": "["}


# --- SELECT * --------------------------------------------------------------------

def _star(words: list) -> int | None:
    """The index of the * of the query's own SELECT *, if it has one (not a subquery's)."""
    for index, word in enumerate(words):
        if word.kind == "word" and word.text.upper() in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            following = index + 1
            if following < len(words) and words[following].text.upper() in ("DISTINCT", "REDUCED"):
                following += 1
            if word.text.upper() == "SELECT" and following < len(words) and words[following].text == "*":
                return following
            return None
    return None


def _first_named(words: list) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.text[1:] for w in words if w.kind == "var"))


# --- terms of our vocabularies ----------------------------------------------------

def _unknown_terms(words: list, known: dict[str, str]) -> list[str]:
    said, found = set(), []
    for index, word in enumerate(words):
        if word.kind == "pname" and not _declares(words, index):
            prefix, _, local = word.text.partition(":")
            iri = known[prefix] + re.sub(r"\\(.)", r"\1", local)  # PN_LOCAL_ESC stands for the character
        elif word.kind == "iri" and not (index and (_declares(words, index - 1) or words[index - 1].text.upper() == "BASE")):
            iri = word.text[1:-1]
        else:
            continue
        for namespace, vocabulary in CLOSED_NAMESPACES.items():
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and local not in _terms(vocabulary) and iri not in vocabulary \
                    and word.text not in said:
                said.add(word.text)
                found.append(_not_a_term(word.text, local, namespace, vocabulary))
    return found


def _not_a_term(written: str, local: str, namespace: str, vocabulary) -> str:
    # lazy: needed only to suggest a name in a warning
    import difflib

    message = f"{_shown(written)} is not a term of {_NAMES.get(vocabulary, namespace)}"
    close = difflib.get_close_matches(local, sorted(_terms(vocabulary)), n=1, cutoff=0.6)
    if close:
        near = f"{written.partition(':')[0]}:{close[0]}" if not written.startswith("<") else f"<{namespace}{close[0]}>"
        message += f"; did you mean {near}?"
    return message


@functools.cache
def _terms(vocabulary) -> frozenset[str]:
    """The terms a closed namespace (an rdflib DefinedNamespace) lists, read once: asking the
    namespace itself reads its class's annotations at every term."""
    names = set()
    for cls in vocabulary.mro():
        if cls.__module__ != "builtins" and hasattr(cls, "_extras"):
            names.update(get_annotations(cls), cls._extras)
    return frozenset(name for name in names if not name.startswith("_"))


def _shown(text: str, limit: int = 80) -> str:
    """A term as the query writes it, cut to `limit`, its control and bidi characters shown as escapes."""
    return visible(text if len(text) <= limit else text[:limit - 1] + "…")
