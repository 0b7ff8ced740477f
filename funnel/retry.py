"""Which failures are worth a retry: only what can pass by itself (a busy file), never bad data,
a failed test, a full disk or too little memory."""

from __future__ import annotations

import errno

import duckdb

_TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.EINTR}
_TRANSIENT_WORDS = ("could not set lock", "resource temporarily unavailable", "conflicting lock")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        return False
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno in _TRANSIENT_ERRNOS
    if isinstance(exc, duckdb.IOException):
        return any(word in str(exc).lower() for word in _TRANSIENT_WORDS)
    return False


def transient_failure(task, task_run, state) -> bool:
    """Prefect's `retry_condition_fn`: retry a task only when it failed for a transient reason."""
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - classify whatever the task raised
        return is_transient(exc)
    return False
