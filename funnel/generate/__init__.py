"""Deterministic, streaming generator of realistic CRM, point-of-sale and marketing extracts.

The simulated business is a Hungarian seller of home kitchen appliances with stores (B2C) and a sales
team (outbound calling, an outsourced call centre, inbound requests). Every record is written in the
contract's layout: `<out>/<batch>/<system>/<entity>.csv|.parquet` plus a `_manifest.json` per batch.

How it stays small and reproducible:
- one `random.Random` per subsystem (CRM, POS, marketing, master data), seeded from `seed`; dirty rows
  use their own stream, so the clean rows of a dirty run are byte-identical to a clean run;
- days are simulated in order; receipts, lines and door counts are written as they are made;
- a lead's whole life (calls, meetings, opportunity) is simulated when it is created and its record
  versions are queued into the batch of their `updated_at` (only the latest version per key and batch is
  kept, as a changed-records extract would deliver it); versions after `end_date` are never written.

Where each part lives (only the names in this module are the public interface):
- `world`: the calendar and master data (staff, campaigns, stores, products); `people`: persons and
  the many ways their e-mails and phones are written;
- `leads`: where leads come from; `sales`: what the sales team does with each; `crm`: the CRM's
  record versions; `touches`: the campaigns that reached each lead;
- `pos`: door counts, receipts, returns and the loyalty programme; `marketing`: spend and exchange rates;
- `writers`: batches, the changed-records outbox and the CSV / Parquet files; `dirt`: dirty mode;
- `sampling` and `values`: random draws, and values as the contract spells them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from funnel import contract
from funnel.generate.dialects import DIALECTS, DialectOutbox, dialect
from funnel.generate.dirt import DIRTY_KINDS, DirtyRun
from funnel.generate.leads import LeadIntake
from funnel.generate.marketing import Marketing
from funnel.generate.people import People
from funnel.generate.pos import Pos
from funnel.generate.touches import CampaignTouches
from funnel.generate.world import World
from funnel.generate.writers import FORMATS, BatchWriter, Outbox, plan_batches

__all__ = [
    "CRM_SHAPES",
    "DIRTY_KINDS",
    "FORMATS",
    "MAX_DIRTY_RATE",
    "GenerateSummary",
    "OutputNotEmptyError",
    "generate",
]


MAX_DIRTY_RATE = 0.5
# The generic extract contract, or a CRM's own export shape (funnel/generate/dialects.py).
CRM_SHAPES = ("generic", *DIALECTS)


class OutputNotEmptyError(FileExistsError):
    """The output folder already holds files; the caller decides whether to remove them."""


@dataclass
class GenerateSummary:
    """What a run wrote."""

    out: Path
    batches: list[str]  # batch ids written, in order
    rows: dict[str, int]  # "crm/leads" -> data records written in total (incl. malformed)
    dirty: dict[str, int]  # kind -> malformed rows written (all kinds present, 0 when not dirty)


def _check_arguments(days: int, scale: float, dirty_rate: float, batch_days: int, fmt: str, crm: str) -> None:
    """Refuse arguments that cannot make a run, before anything is written."""
    if crm not in CRM_SHAPES:
        raise ValueError(f"crm must be one of {', '.join(CRM_SHAPES)}, got {crm!r}")
    if crm != "generic" and (fmt != "csv" or dirty_rate > 0):
        raise ValueError(f"the {crm} export shape is written as clean CSV only (no --format parquet, no --dirty)")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if not 0 <= dirty_rate <= MAX_DIRTY_RATE:
        raise ValueError(f"dirty_rate must be between 0 and {MAX_DIRTY_RATE}, got {dirty_rate}")
    if batch_days < 1:
        raise ValueError(f"batch_days must be at least 1, got {batch_days}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _check_output(out: Path) -> None:
    """Refuse to write into a folder that already holds something (old extracts would mix in)."""
    if out.exists() and not out.is_dir():
        raise OutputNotEmptyError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise OutputNotEmptyError(
            f"{out} is not empty; generate into a new or empty folder (or remove the old extracts first)"
        )


def generate(
    out: Path,
    *,
    days: int = 120,
    scale: float = 0.02,
    seed: int = 42,
    end_date: date = date(2026, 10, 31),
    dirty_rate: float = 0.0,
    batch_days: int = 7,
    fmt: str = "csv",
    progress: Callable[[str, int, int], None] | None = None,
    daily_tail: int = 0,
    crm: str = "generic",
) -> GenerateSummary:
    """Write `days` days of extracts ending on `end_date` into `out`, one folder per `batch_days`.

    `daily_tail` makes the last days one batch each: loading all but the last gives a warehouse,
    and the last is then the next day's delivery, continuing the same simulated business.
    `crm` writes the CRM part in a CRM's own export shape (`salesforce`, `hubspot`, `bitrix24`)
    instead of the generic contract's `crm/` folder; point of sale and marketing are the same.
    """
    _check_arguments(days, scale, dirty_rate, batch_days, fmt, crm)
    if not 0 <= daily_tail < days:
        raise ValueError(f"daily_tail must be from 0 to days - 1 ({days - 1}), got {daily_tail}")
    out = Path(out)
    _check_output(out)
    out.mkdir(parents=True, exist_ok=True)
    start = end_date - timedelta(days=days - 1)
    batches = plan_batches(start, end_date, batch_days, daily_tail)
    entities = contract.entities()
    dirty = DirtyRun(dirty_rate, seed, fmt) if dirty_rate > 0 else None

    world = World(seed, scale, start, end_date)
    shape = dialect(crm, datetime.combine(start, time(6))) if crm != "generic" else None
    outbox = Outbox(batches, entities) if shape is None else DialectOutbox(batches, entities, shape)
    world.emit(outbox)
    people = People()
    pos_signups: dict[date, list[tuple]] = {}
    spend_events: dict[date, dict[tuple[str, str], int]] = {}
    touches = CampaignTouches(seed, world, outbox)
    leads = LeadIntake(seed, world, outbox, people, pos_signups, spend_events, touches)
    pos = Pos(seed, world, outbox, people, pos_signups)
    marketing = Marketing(seed, world, spend_events)

    systems = ("crm" if shape is None else shape.system, "pos", "marketing")
    totals = dict.fromkeys((key for key, entity in entities.items() if entity.system in systems), 0)
    for index, batch in enumerate(batches):
        if dirty is not None:
            dirty.final = index == len(batches) - 1
        writer = BatchWriter(out, batch, fmt, dirty, shape.headers if shape else None)
        if index == 0:
            pos.loyalty.seed_customers(writer)
        for d in batch.days():
            leads.day(d)
            pos.day(d, writer)
            marketing.day(d, writer)
        for key, rows in outbox.take(index).items():
            for row in rows:
                writer.write(key, row)
        for key, n in writer.close().items():
            totals[key] += n
        if progress is not None:
            progress(batch.batch_id, index + 1, len(batches))

    if dirty is not None:
        (out / "_dirty.json").write_text(json.dumps(dirty.report(), indent=2) + "\n", encoding="utf-8")
    return GenerateSummary(
        out=out,
        batches=[b.batch_id for b in batches],
        rows=totals,
        dirty=dict(dirty.by_kind) if dirty else dict.fromkeys(DIRTY_KINDS, 0),
    )
