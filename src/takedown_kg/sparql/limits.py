"""The time and memory limits of a query, as a user gives them (--timeout, --memory)."""

from __future__ import annotations

from ..errors import UsageError
from .isolation import MAX_SECONDS

DEFAULT_TIMEOUT = 30.0


#: Megabytes of memory a query (with the loading of its data) may use.
DEFAULT_MEMORY_MB = 4096


def time_limit(value: float) -> float:
    if not 0 < value <= MAX_SECONDS:  # also refuses nan
        raise UsageError(f"--timeout {value!r}: give a number of seconds above 0 and at most {MAX_SECONDS:g}")
    return float(value)


def memory_limit(value: int) -> int:
    if not isinstance(value, int) or not 64 <= value <= 1 << 20:
        raise UsageError(f"--memory {value!r}: give a whole number of megabytes from 64 to {1 << 20}")
    return value << 20
