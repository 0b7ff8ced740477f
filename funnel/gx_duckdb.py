"""Make Great Expectations' SQL path work on DuckDB (through duckdb-engine).

Why: GX resolves metric bundles by fetching rows after the SQLAlchemy connection that produced
them has been closed. duckdb-engine's cursor cannot deliver rows then, so every expectation fails
with an error instead of a result (GX #10738, #11579). This module gives the duckdb-engine dialect
an execution context that buffers each result fully in `post_exec`, while the connection is still
open: the same `FullyBufferedCursorFetchStrategy` SQLAlchemy uses for results that outlive their
conversation.

When it can go: once GX ships a native DuckDB execution engine (GX PR #12084) or fixes the fetch
order. `tests/test_gx_duckdb.py` shows the failure without the fix, so an upgrade that makes it
unnecessary is noticed.
"""

from __future__ import annotations

import duckdb_engine
from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy

_ORIGINAL_CONTEXT = duckdb_engine.Dialect.execution_ctx_cls


class BufferedDuckDBExecutionContext(_ORIGINAL_CONTEXT):  # type: ignore[misc, valid-type]
    """Fetch every row of a result before the statement's connection can be released."""

    def post_exec(self) -> None:
        super().post_exec()
        if self.cursor is not None and self.cursor.description is not None:
            self.cursor_fetch_strategy = FullyBufferedCursorFetchStrategy(self.cursor, self.cursor.description)


def install() -> None:
    """Use the buffering context for every duckdb-engine connection made from now on (idempotent)."""
    duckdb_engine.Dialect.execution_ctx_cls = BufferedDuckDBExecutionContext


def uninstall() -> None:
    duckdb_engine.Dialect.execution_ctx_cls = _ORIGINAL_CONTEXT
