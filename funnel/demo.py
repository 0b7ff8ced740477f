"""Where the demo extracts live and how they are made when a run is given none."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from funnel import generate

DEFAULT_DEMO_DIR = Path("extracts/demo")
# Small enough for CI, large enough for cohorts: about four months of a small business.
DEMO_ARGS = {"days": 120, "scale": 0.02, "seed": 42, "end_date": date(2026, 10, 31)}
DONE_MARKER = "_generated.json"


def ensure_demo_extracts(target: Path, echo: Callable[[str], None] = print) -> Path:
    """Generate demo extracts into `target` unless a finished generation is already there."""
    if (target / DONE_MARKER).exists():
        echo(f"reusing demo extracts in {target}")
        return target
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} holds files but no finished demo generation; remove it or pass --extracts")
    echo(f"generating demo extracts in {target} ({DEMO_ARGS['days']} days, scale {DEMO_ARGS['scale']})")
    # Generate beside the target and rename at the end, so an interrupted run leaves no half folder.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    summary = generate.generate(partial, **DEMO_ARGS)
    marker = {
        "batches": len(summary.batches),
        "rows": summary.rows,
        "args": {k: str(v) for k, v in DEMO_ARGS.items()},
    }
    (partial / DONE_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    if target.exists():
        target.rmdir()
    partial.rename(target)
    return target
