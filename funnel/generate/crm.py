"""The CRM's records: leads, activities and opportunities, each change queued as a new record version."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from funnel.generate.people import Person
from funnel.generate.values import money, ts
from funnel.generate.world import Store, User, World
from funnel.generate.writers import Outbox


@dataclass
class Lead:
    """A lead and its current row, which each new version copies."""

    lead_id: str
    created: datetime
    channel_key: str
    inbound: bool
    warm: bool
    owner: User
    fields: list[str]  # the lead row; status, owner and lost_reason change over time
    person: Person
    store: Store | None = None
    status: str = "new"


# Positions in the lead row.
L_UPDATED, L_OWNER, L_COMPANY, L_EMAIL, L_PHONE, L_CITY, L_STATUS, L_LOST = 2, 7, 8, 10, 11, 12, 13, 14


@dataclass
class Opp:
    """An opportunity opened after an attended presentation."""

    opp_id: str
    lead: Lead
    owner: User
    created: datetime
    amount: int | None = None  # in cents of `currency`
    currency: str = "HUF"
    stage: str = "qualification"


class CrmRecords:
    """Numbers the CRM's records and queues every version of them into the outbox."""

    def __init__(self, rng: random.Random, world: World, outbox: Outbox):
        self.rng, self.world, self.outbox = rng, world, outbox
        self.n_lead = self.n_activity = self.n_opp = 0

    def new_lead_id(self) -> str:
        self.n_lead += 1
        return f"L{self.n_lead:07d}"

    def new_opp_id(self) -> str:
        self.n_opp += 1
        return f"OPP-{self.n_opp:06d}"

    def assign(self, team: str, t: datetime) -> User:
        """Someone from `team` who is at work at `t` and not leaving within three days (anyone if none is)."""
        users = self.world.by_team[team]
        active = [u for u in users if u.active(t) and (u.left is None or u.left > t + timedelta(days=3))]
        return self.rng.choice(active or users)

    def lead_version(self, lead: Lead, t: datetime, status: str | None = None, lost: str = "") -> None:
        """The lead as it stands at `t`, optionally with a new status (and the reason when lost)."""
        if status is not None:
            lead.status = status
        lead.fields[L_STATUS] = lead.status
        lead.fields[L_LOST] = lost if lead.status == "lost" else ""
        lead.fields[L_OWNER] = lead.owner.user_id
        lead.fields[L_UPDATED] = ts(t)
        self.outbox.put("crm/leads", t, tuple(lead.fields))

    def owner_at(self, lead: Lead, t: datetime) -> User:
        """The lead's owner at `t`; a lead whose owner has left moves to a teammate (a new version)."""
        if not lead.owner.active(t):
            lead.owner = self.assign(lead.owner.team, t)
            self.lead_version(lead, t)
        return lead.owner

    def activity(
        self,
        lead: Lead,
        owner: User,
        t: datetime,
        kind: str,
        direction: str,
        outcome: str,
        seconds: int | None,
        activity_id: str | None = None,
        updated: datetime | None = None,
    ) -> str:
        """A call, e-mail, message or meeting (a new one, or a new version of `activity_id`); returns its id."""
        if activity_id is None:
            self.n_activity += 1
            activity_id = f"A{self.n_activity:08d}"
        if updated is None:
            updated = t + timedelta(seconds=(seconds or 0) + self.rng.randint(5, 120))
        duration = "" if seconds is None else str(seconds)
        row = (
            activity_id,
            lead.lead_id,
            owner.user_id,
            ts(t),
            kind,
            direction,
            outcome,
            duration,
            ts(updated),
        )
        self.outbox.put("crm/activities", updated, row)
        return activity_id

    def move(self, opp: Opp, t: datetime, stage: str, lost_reason: str = "") -> None:
        """The opportunity enters `stage` at `t`: a new version, closed if the stage closes it, and a history row."""
        opp.stage = stage
        closed = t if stage.startswith("closed_") else None
        amount = money(opp.amount) if opp.amount is not None else ""
        row = (
            opp.opp_id, opp.lead.lead_id, opp.owner.user_id, ts(opp.created), ts(t), opp.stage, amount,
            opp.currency, ts(closed) if closed else "", lost_reason,
        )  # fmt: skip
        self.outbox.put("crm/opportunities", t, row)
        self.outbox.put("crm/opportunity_stage_history", t, (opp.opp_id, stage, ts(t)))
