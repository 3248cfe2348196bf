"""Named errors of takedown-kg and the exit code each one maps to."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes of the command line, documented in the README."""

    OK = 0
    #: The data does not conform (validation), or an ASK query answered false.
    INVALID = 1
    #: The command cannot run: bad usage, unreadable or unparsable input.
    ERROR = 2
    #: A SPARQL query is malformed, or names a query that does not exist.
    QUERY_ERROR = 3
    #: A SPARQL query was refused: it would write, or reach the network or disk.
    REFUSED = 4
    #: A SPARQL query (with the loading of its data) ran past its time or memory limit.
    TIMEOUT = 5


class TakedownError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = ExitCode.ERROR

    def __init__(self, message: str, *, lines: list[str] | None = None):
        super().__init__(message)
        #: One line per problem, for errors that report several at once.
        self.lines = lines or [message]


class InputError(TakedownError):
    """A file is missing, unreadable or not valid RDF."""


class UsageError(TakedownError):
    """An option or argument is wrong: unknown format, unknown name."""


class QueryError(TakedownError):
    """A query cannot be parsed, or names a query that does not exist."""

    exit_code = ExitCode.QUERY_ERROR


class QueryRefused(TakedownError):
    """A query would write data or reach the network or the disk."""

    exit_code = ExitCode.REFUSED


class QueryTimeout(TakedownError):
    """A query ran past its time limit."""

    exit_code = ExitCode.TIMEOUT


class QueryLimit(TakedownError):
    """A query (or the loading of its data) ran past its memory limit."""

    exit_code = ExitCode.TIMEOUT


class NotAcceptable(UsageError):
    """No format the client accepts can hold this kind of answer (HTTP 406 from serve)."""


class PushFailed(TakedownError):
    """A store could not be reached, or refused a graph (push)."""


class ValidationFailed(TakedownError):
    """The graph breaks a rule of the shapes, the checks or the vocabulary."""

    exit_code = ExitCode.INVALID
