"""Prefect flows of the sales-funnel pipeline (one flow per module)."""

import os


def use_prefect_defaults() -> None:
    """Prefect settings this project needs, unless the environment sets them; before Prefect reads them."""
    # The ephemeral Prefect API's telemetry write races the first flow run on SQLite (prefect #18934).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Its default 20 s start-up budget fails a third of the runs on a busy machine; 120 s failed none (STACK.md).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


use_prefect_defaults()  # every importer of a flow, `funnel run` and the tests alike
