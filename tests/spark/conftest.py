"""Spark tests start real JVMs (a standalone cluster, a driver): they are marked `spark` and take minutes."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: starts a local Spark cluster or session (slow; make test-spark)")
