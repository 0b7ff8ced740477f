"""What the sales team does with a lead: calls, e-mails, presentations, an opportunity, a loyalty sign-up.

A lead's whole journey is simulated when the lead is created; each step is a new record version that
waits in the outbox for the batch of its date.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from funnel import project
from funnel.generate.crm import L_CITY, L_COMPANY, L_EMAIL, L_PHONE, CrmRecords, Lead, Opp
from funnel.generate.people import EMAIL_STYLES, PHONE_STYLES, rewrite, write_email, write_phone
from funnel.generate.sampling import Choice
from funnel.generate.world import Store, User, World, at, workday

TEAM_HOURS = {"inside_sales": (8, 17), "field_sales": (8, 18), "callcenter_partner": (8, 20)}

# The call outcomes are the warehouse's (seeds/vocabularies/activity_outcomes.csv), in the seed's order.
CALL_OUTCOMES = project.call_outcomes()
CALL_PROFILE_NAMES = ("cold_inhouse", "cold_outsourced", "warm", "inbound", "followup")
# Per call outcome: its share of dials under each profile (in CALL_PROFILE_NAMES order) and its duration in
# seconds (low, high).
CALL_RATES = {
    "no_answer":      ((37, 40, 32, 30, 27),      (0, 0)),
    "busy":           ((11, 11, 9, 5, 7),         (0, 0)),
    "invalid_number": ((7.5, 8, 4, 2, 0),         (0, 0)),
    "blocked":        ((3.5, 4.5, 1.5, 0, 1),     (0, 0)),
    "voicemail":      ((11, 10, 12, 11, 10),      (15, 45)),
    "rejected":       ((18, 19, 14, 9, 20),       (8, 90)),
    "conversation":   ((7.5, 5, 15, 24, 19),      (120, 900)),
    "callback":       ((3, 1.5, 7, 10, 9),        (30, 180)),
    "agreed":         ((1.5, 1.0, 5.5, 9, 7),     (240, 1200)),
}  # fmt: skip
if set(CALL_RATES) != set(CALL_OUTCOMES):
    raise ImportError(
        f"the generator's call rates name {sorted(CALL_RATES)}, the activity_outcomes seed's calls are "
        f"{sorted(CALL_OUTCOMES)}: give every call outcome of the seed its rates here"
    )
# Share of dials per outcome, in CALL_OUTCOMES order.
CALL_PROFILES = {
    name: tuple(CALL_RATES[outcome][0][i] for outcome in CALL_OUTCOMES) for i, name in enumerate(CALL_PROFILE_NAMES)
}
CALL_SECONDS = {outcome: CALL_RATES[outcome][1] for outcome in CALL_OUTCOMES}
UNREACHED = {"no_answer", "busy", "voicemail"}
CALL_ENDS_LEAD = {"invalid_number": "invalid_contact", "blocked": "do_not_call", "rejected": "not_interested"}
# Opportunity stages before closing: (stage, days spent in it, chance it is lost from there)
STAGE_FLOW = (("qualification", (1, 6), 0.10), ("presentation", (2, 8), 0.15),
              ("proposal", (3, 12), 0.22), ("negotiation", (3, 18), 0.25))  # fmt: skip
# Speed to lead: a log-normal delay (median in minutes, sigma), capped at two days; some requests are never answered.
FIRST_RESPONSE_MEDIAN_MINUTES = 35
FIRST_RESPONSE_SIGMA = 1.3
UNANSWERED_SHARE = 0.06
# Presentations held, by whether the lead is inbound, and no-shows; the rest are cancelled.
ATTENDED_SHARE = {True: 0.64, False: 0.58}
NO_SHOW_SHARE = 0.27
OPP_LOST_REASONS = (("price", 35), ("competitor", 25), ("no_budget", 20), ("timing", 12), ("no_decision", 8))


def _awake(t: datetime, rng: random.Random) -> datetime:
    """`t`, or the same morning if it falls in the night (people do not act at 0-6 h, nor in DST gaps)."""
    if t.hour >= 6:
        return t
    return at(t.date(), rng.randint(6 * 3600, 8 * 3600))


def _round_amount(cents: float, currency: str) -> int:
    """Deal amounts are round numbers: whole thousands of forints, whole tens of euros."""
    step = 100_000 if currency == "HUF" else 1_000
    return max(step, round(cents / step) * step)


class WorkingHours:
    """When a team can act: its office hours on working days."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def within(self, t: datetime, team: str) -> datetime:
        """`t`, or the start of the team's next working period (plus a little) if it is outside it."""
        open_h, close_h = TEAM_HOURS[team]
        for _ in range(30):
            d = t.date()
            if workday(d):
                if t.hour < open_h:
                    return at(d, open_h * 3600 + self.rng.randint(0, 5400))
                if t.hour < close_h:
                    return t
            t = datetime.combine(d + timedelta(days=1), time())
        return t

    def later(self, t: datetime, team: str, min_days: int, max_days: int) -> datetime:
        """A random working time `min_days`..`max_days` days after `t`, never before it."""
        day = t.date() + timedelta(days=self.rng.randint(min_days, max_days))
        return self.within(max(t + timedelta(minutes=5), self._time_on(day, team)), team)

    def _time_on(self, d: date, team: str) -> datetime:
        """A random time in the team's hours on `d`, or on the next working day."""
        open_h, close_h = TEAM_HOURS[team]
        while not workday(d):
            d += timedelta(days=1)
        return at(d, self.rng.randint(open_h * 3600, close_h * 3600 - 900))


class SalesJourney:
    """Follows one lead through calls, presentations and an opportunity, to won, lost or given up."""

    def __init__(self, rng: random.Random, world: World, records: CrmRecords, pos_signups):
        self.rng, self.world, self.records = rng, world, records
        self.hours = WorkingHours(rng)
        self.pos_signups: dict[date, list[tuple]] = pos_signups
        self._outcomes = {name: Choice(list(zip(CALL_OUTCOMES, w, strict=True))) for name, w in CALL_PROFILES.items()}
        self._opp_reasons = Choice(OPP_LOST_REASONS)

    def run(self, lead: Lead) -> None:
        """Everything that happens to a new lead: from its first version to won, lost or never answered."""
        rng = self.rng
        self.records.lead_version(lead, lead.created)
        if lead.channel_key == "inbound_call":
            seconds = rng.randint(120, 600)
            self.records.activity(lead, lead.owner, lead.created, "call", "inbound", "conversation", seconds)
        if lead.channel_key == "walk_in" and rng.random() < 0.5:
            self._signup(lead, lead.created + timedelta(minutes=rng.randint(5, 40)), lead.store)
        if lead.inbound:
            t = self._first_response(lead)
            if t is None:
                return
            profile = "inbound"
        else:
            queue_days = (
                rng.randint(0, 8) if lead.channel_key in ("purchased_list", "telemarketing") else rng.randint(0, 3)
            )
            t = self.hours.later(lead.created, lead.owner.team, queue_days, queue_days)
            profile = "warm" if lead.warm else "cold"
        agreed = self._dial(lead, t, profile)
        if agreed is not None:
            self._present(lead, agreed)

    def _first_response(self, lead: Lead) -> datetime | None:
        """Speed to lead: minutes to a day or two; a few requests are never answered."""
        rng = self.rng
        if rng.random() < UNANSWERED_SHARE:
            return None
        delay = min(2880.0, rng.lognormvariate(math.log(FIRST_RESPONSE_MEDIAN_MINUTES), FIRST_RESPONSE_SIGMA))
        t = self.hours.within(lead.created + timedelta(seconds=int(delay * 60) + 30), lead.owner.team)
        if rng.random() < 0.3:
            owner = self.records.owner_at(lead, t)
            self._message(lead, owner, t)
            self._touch(lead, t)
            t = self.hours.within(t + timedelta(minutes=rng.randint(120, 1800)), owner.team)
        return t

    def _touch(self, lead: Lead, t: datetime) -> None:
        """The first contact moves a new lead to working."""
        if lead.status == "new":
            self.records.lead_version(lead, t, "working")

    def _message(self, lead: Lead, owner: User, t: datetime) -> None:
        """An outbound e-mail (or text message without an e-mail), sometimes bounced or replied to."""
        rng = self.rng
        if lead.fields[L_EMAIL]:
            bounced = rng.random() < 0.07
            self.records.activity(lead, owner, t, "email", "outbound", "bounced" if bounced else "sent", None)
            if not bounced and rng.random() < 0.25:
                reply = _awake(t + timedelta(minutes=rng.randint(20, 2880)), rng)
                self.records.activity(lead, owner, reply, "email", "inbound", "replied", None)
        else:
            self.records.activity(lead, owner, t, "message", "outbound", "sent", None)

    def _lose(self, lead: Lead, t: datetime, reason: str) -> None:
        """The lead is lost for `reason`; a few still join the loyalty programme later."""
        self.records.lead_version(lead, t, "lost", reason)
        if self.rng.random() < 0.02:  # some lost leads still turn up in a store later
            self._signup(lead, t + timedelta(days=self.rng.randint(3, 60)), None)

    def _dial(self, lead: Lead, t: datetime, profile: str) -> datetime | None:
        """Call until the lead agrees to a presentation (returns when) or is lost or given up (None)."""
        rng = self.rng
        unreached = talks = 0
        give_up = 4 if profile == "cold" else 6
        for _ in range(12):
            owner = self.records.owner_at(lead, t)
            name = profile
            if profile == "cold":
                name = "cold_outsourced" if owner.outsourced else "cold_inhouse"
            outcome = self._outcomes[name].pick(rng)
            low, high = CALL_SECONDS[outcome]
            seconds = rng.randint(low, high)
            self.records.activity(lead, owner, t, "call", "outbound", outcome, seconds)
            self._touch(lead, t)
            end = t + timedelta(seconds=seconds + 30)
            if outcome in UNREACHED:
                unreached += 1
                if unreached >= give_up:
                    self._lose(lead, end, "unreachable")
                    return None
                if rng.random() < 0.35:
                    t = self.hours.within(end + timedelta(minutes=rng.randint(90, 300)), owner.team)
                else:
                    t = self.hours.later(end, owner.team, 1, 4)
                continue
            if outcome in CALL_ENDS_LEAD:
                self._lose(lead, end, CALL_ENDS_LEAD[outcome])
                return None
            if outcome == "agreed":
                return end
            unreached = 0
            profile = "followup"
            if outcome == "conversation":
                talks += 1
                if rng.random() < 0.5:
                    self._message(lead, owner, end + timedelta(minutes=rng.randint(2, 90)))
                if talks >= 3 or rng.random() < 0.3:
                    self._lose(lead, self.hours.later(end, owner.team, 5, 20), "no_decision")
                    return None
                t = self.hours.later(end, owner.team, 2, 7)
            else:
                t = self.hours.within(end + timedelta(minutes=rng.randint(60, 4320)), owner.team)
        self._lose(lead, t, "unreachable")
        return None

    def _present(self, lead: Lead, agreed: datetime, attempt: int = 0) -> None:
        """A presentation (inside sales, online) or meeting (field sales), scheduled then held or not."""
        rng = self.rng
        team = "field_sales" if lead.fields[L_COMPANY] and rng.random() < 0.7 else "inside_sales"
        if lead.owner.team != team or not lead.owner.active(agreed):
            lead.owner = self.records.assign(team, agreed)
        presenter = lead.owner
        self.records.lead_version(lead, agreed, "qualified")
        kind = "meeting" if team == "field_sales" else "presentation"
        when = self.hours.later(agreed, team, 1, 10)
        activity_id = self.records.activity(lead, presenter, when, kind, "outbound", "scheduled", None, updated=agreed)
        roll = rng.random()
        attend = ATTENDED_SHARE[lead.inbound]
        if roll < attend:
            seconds = rng.randint(1800, 5400)
            done = when + timedelta(seconds=seconds)
            self.records.activity(
                lead,
                presenter,
                when,
                kind,
                "outbound",
                "attended",
                seconds,
                activity_id,
                done + timedelta(minutes=rng.randint(1, 90)),
            )
            if rng.random() < (0.78 if lead.inbound else 0.72):
                self._opportunity(lead, presenter, done)
            else:
                self._lose(lead, self.hours.later(done, team, 3, 14), "no_need")
            return
        if roll < attend + NO_SHOW_SHARE:
            outcome, seconds = "no_show", 0
            updated = when + timedelta(minutes=rng.randint(20, 60))
        else:
            outcome, seconds = "cancelled", None
            updated = agreed + timedelta(seconds=int((when - agreed).total_seconds() * rng.uniform(0.2, 0.95)))
            updated = min(self.hours.within(updated, team), when - timedelta(minutes=30))
        self.records.activity(lead, presenter, when, kind, "outbound", outcome, seconds, activity_id, updated)
        if attempt == 0 and rng.random() < 0.35:
            self._present(lead, self.hours.within(updated + timedelta(minutes=rng.randint(30, 2880)), team), 1)
        else:
            self._lose(lead, self.hours.later(updated, team, 1, 5), outcome)

    def _opportunity(self, lead: Lead, owner: User, after: datetime) -> None:
        """An opportunity through the stages, each with a chance of being lost, to closed won or lost."""
        rng = self.rng
        created = self.hours.within(after + timedelta(minutes=rng.randint(30, 4320)), owner.team)
        opp = Opp(self.records.new_opp_id(), lead, owner, created)
        # Amounts in cents: HUF deals rounded to 1,000 HUF, EUR deals to 10 EUR.
        if rng.random() < 0.08:
            opp.currency = "EUR"
            base = _round_amount(rng.lognormvariate(math.log(2200), 0.7) * 100, "EUR")
        else:
            base = _round_amount(rng.lognormvariate(math.log(850_000), 0.8) * 100, "HUF")
        if rng.random() < 0.5:
            opp.amount = _round_amount(base * rng.uniform(0.8, 1.3), opp.currency)  # a first estimate
        t = created
        for stage, (low, high), p_lost in STAGE_FLOW:
            if not opp.owner.active(t):
                opp.owner = self.records.assign(opp.owner.team, t)
            if stage == "proposal":
                opp.amount = int(base)
                self.records.activity(lead, opp.owner, t, "email", "outbound", "sent", None)
            elif stage == "negotiation":
                opp.amount = _round_amount(base * rng.uniform(0.88, 1.0), opp.currency)
            self.records.move(opp, t, stage)
            nxt = self.hours.later(t, opp.owner.team, low, high)
            if rng.random() < p_lost:
                reason = str(self._opp_reasons.pick(rng))
                self.records.move(opp, nxt, "closed_lost", reason)
                self.records.lead_version(lead, nxt, "lost", reason)
                return
            t = nxt
        self.records.move(opp, t, "closed_won")
        self.records.lead_version(lead, t, "converted")
        if rng.random() < 0.45:
            self._signup(lead, t + timedelta(days=rng.randint(1, 21)), None)

    def _signup(self, lead: Lead, t: datetime, store: Store | None) -> None:
        """The lead joins the loyalty programme: same e-mail and phone, written differently."""
        rng = self.rng
        if store is None:
            opened = [s for s in self.world.stores if s.opened <= t.date()]
            local = [s for s in opened if s.city == lead.fields[L_CITY]]
            store = rng.choice(local or opened)
        person = lead.person
        email = phone = ""
        if lead.fields[L_EMAIL] or rng.random() < 0.5:
            email = rewrite(rng, lead.fields[L_EMAIL], EMAIL_STYLES, write_email, person.email)
        if lead.fields[L_PHONE] or rng.random() < 0.5:
            phone = rewrite(rng, lead.fields[L_PHONE], PHONE_STYLES, write_phone, person.phone)
        consent = rng.random() < 0.7
        self.pos_signups.setdefault(t.date(), []).append((store, email, phone, consent, t))
