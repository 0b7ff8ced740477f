"""Where leads come from: outbound list imports, trade shows and inbound requests, day by day.

Each new lead is handed at once to the sales journey, which simulates everything that happens to it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime

from funnel.generate.crm import CrmRecords, Lead
from funnel.generate.people import EMAIL_STYLES, PHONE_STYLES, People, write_email, write_phone
from funnel.generate.sales import SalesJourney
from funnel.generate.sampling import Choice, poisson
from funnel.generate.touches import CampaignTouches
from funnel.generate.values import ts
from funnel.generate.world import CHANNELS, Campaign, Store, World, at, workday
from funnel.generate.writers import Outbox

# Lead volumes at scale 1; the sales team grows more slowly than the shops (World.crm_factor).
OUTBOUND_LEADS_PER_WORKDAY_AT_SCALE_1 = 500
INBOUND_LEADS_PER_DAY_AT_SCALE_1 = 15.5

CITIES = (
    ("Budapest", 40), ("Debrecen", 6), ("Szeged", 5), ("Miskolc", 5), ("Pécs", 5), ("Győr", 5),
    ("Nyíregyháza", 4), ("Kecskemét", 4), ("Székesfehérvár", 4), ("Szombathely", 3), ("Szolnok", 3),
    ("Érd", 3), ("Tatabánya", 2), ("Kaposvár", 2), ("Veszprém", 2), ("Eger", 2), ("Sopron", 2),
    ("Zalaegerszeg", 2),
)  # fmt: skip
COMPANY_KINDS = (
    "Gasztro", "Bistro", "Hotel", "Étterem", "Kávézó", "Pékség", "Iroda", "Konyha", "Vendéglő",
    "Cukrászda", "Panzió", "Catering",
)  # fmt: skip
COMPANY_WORDS = (
    "Aranyhíd", "Napfény", "Duna", "Tisza", "Balaton", "Mátra", "Kossuth", "Platán", "Rózsa", "Hársfa",
    "Korona", "Alföld",
)  # fmt: skip
COMPANY_FORMS = ("Kft.", "Kft.", "Bt.", "Zrt.")
# Daily outbound list work (trade-show leads come in bursts on show days on top of this).
OUTBOUND_MIX = (("purchased_list", 37), ("cold_call", 27), ("telemarketing", 27), ("linkedin", 9))
INBOUND_MIX = (
    ("web_form", 22), ("inbound_call", 15), ("walk_in", 15), ("google_ads", 20), ("facebook_ads", 12),
    ("referral", 8), ("newsletter", 7.5), ("tiktok", 0.5),
)  # fmt: skip
UNKNOWN_SOURCE_SHARE = 0.03
EMPTY_INITIATIVE_SHARE = 0.04

# Per-channel lead profile: (team working it, share of companies, has e-mail, has phone, warm share)
LEAD_PROFILE = {
    "purchased_list": ("callcenter_partner", 0.55, 0.45, 0.98, 0.05),
    "telemarketing": ("callcenter_partner", 0.4, 0.35, 0.99, 0.05),
    "cold_call": ("inside_sales", 0.6, 0.45, 0.98, 0.05),
    "linkedin": ("inside_sales", 0.9, 0.7, 0.45, 0.4),
    "trade_show": ("field_sales", 0.7, 0.9, 0.8, 1.0),
    "web_form": ("inside_sales", 0.2, 0.98, 0.7, 1.0),
    "inbound_call": ("inside_sales", 0.25, 0.4, 1.0, 1.0),
    "walk_in": ("inside_sales", 0.05, 0.6, 0.85, 1.0),
    "google_ads": ("inside_sales", 0.15, 0.97, 0.65, 1.0),
    "facebook_ads": ("inside_sales", 0.1, 0.97, 0.6, 1.0),
    "referral": ("field_sales", 0.4, 0.8, 0.9, 1.0),
    "newsletter": ("inside_sales", 0.15, 1.0, 0.5, 1.0),
    "tiktok": ("inside_sales", 0.05, 0.95, 0.5, 1.0),
}


class LeadIntake:
    """Creates leads day by day; the CRM's random stream drives the intake and every journey."""

    def __init__(
        self,
        seed: int,
        world: World,
        outbox: Outbox,
        people: People,
        pos_signups,
        spend_events,
        touches: CampaignTouches,
    ):
        self.rng = rng = random.Random(f"{seed}:crm")
        self.touches = touches
        self.world, self.people = world, people
        self.records = CrmRecords(rng, world, outbox)
        self.journey = SalesJourney(rng, world, self.records, pos_signups)
        self.spend_events: dict[date, dict[tuple[str, str], int]] = spend_events
        cf = world.crm_factor
        self.outbound_per_day = OUTBOUND_LEADS_PER_WORKDAY_AT_SCALE_1 * cf
        self.inbound_per_day = INBOUND_LEADS_PER_DAY_AT_SCALE_1 * cf
        self._outbound_mix = Choice(OUTBOUND_MIX)
        self._inbound_mix = Choice(INBOUND_MIX)
        self._cities = Choice(CITIES)
        self._spellings = {key: Choice(spellings) for key, (spellings, _) in CHANNELS.items()}
        self._web_hours = Choice([(h, 1 + (h >= 18) * 1.5 + (9 <= h <= 12)) for h in range(6, 24)])

    def day(self, d: date) -> None:
        """The leads created on `d`: list imports on working days, trade-show contacts, inbound requests."""
        rng = self.rng
        if workday(d):
            self._outbound_lists(d)
        for camp in self.world.campaigns_by_channel["trade_show"]:
            if camp.started <= d <= camp.ended and d.weekday() < 5:
                for _ in range(poisson(rng, self.outbound_per_day * 1.2)):
                    self._lead(at(d, rng.randint(10 * 3600, 18 * 3600)), "trade_show", campaign=camp)
        weekday_factor = 0.75 if d.weekday() >= 5 else 1.08
        for _ in range(poisson(rng, self.inbound_per_day * weekday_factor)):
            self._inbound_lead(d)

    def _outbound_lists(self, d: date) -> None:
        """Lists are imported in bulk in the morning (purchased lists weekly, on Mondays)."""
        rng = self.rng
        counts: dict[str, int] = defaultdict(int)
        for _ in range(poisson(rng, self.outbound_per_day)):
            counts[self._outbound_mix.pick(rng)] += 1
        if d.weekday() == 0:
            counts["purchased_list"] *= 5
        else:
            counts.pop("purchased_list", None)
        for key in ("purchased_list", "telemarketing", "cold_call", "linkedin"):
            n = counts.get(key, 0)
            if not n:
                continue
            imported = at(d, rng.randint(7 * 3600, 8 * 3600))
            campaign = self._campaign(key, d)
            for _ in range(n):
                created = imported if key != "linkedin" else at(d, rng.randint(9 * 3600, 16 * 3600))
                self._lead(created, key, campaign=campaign)
            if key == "purchased_list" and campaign is not None:
                events = self.spend_events.setdefault(d, {})
                spend_key = (campaign.channel, campaign.campaign_id)
                events[spend_key] = events.get(spend_key, 0) + n * rng.randint(110, 160) * 100

    def _inbound_lead(self, d: date) -> None:
        rng = self.rng
        key = str(self._inbound_mix.pick(rng))
        store = None
        if key == "walk_in":
            open_stores = [s for s in self.world.stores if s.hours(d)]
            if not open_stores:
                return
            store = rng.choice(open_stores)
            hours = store.hours(d)
            created = at(d, rng.randint(hours.start * 3600, hours.stop * 3600 - 60))
        elif key in ("inbound_call", "referral"):
            if not workday(d):
                return
            created = at(d, rng.randint(8 * 3600, 18 * 3600))
        else:
            created = at(d, self._web_hours.pick(rng) * 3600 + rng.randint(0, 3599))
        self._lead(created, key, store=store)

    def _campaign(self, key: str, d: date) -> Campaign | None:
        active = [c for c in self.world.campaigns_by_channel.get(key, ()) if c.active(d)]
        return self.rng.choice(active) if active else None

    def _lead(
        self, created: datetime, key: str, *, campaign: Campaign | None = None, store: Store | None = None
    ) -> None:
        rng = self.rng
        team, company_share, email_share, phone_share, warm_share = LEAD_PROFILE[key]
        inbound = CHANNELS[key][1] == "inbound"
        if campaign is None and key not in ("web_form", "inbound_call", "walk_in", "tiktok"):
            campaign = self._campaign(key, created.date())
        warm = inbound or rng.random() < warm_share
        company = ""
        if rng.random() < company_share:
            company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_FORMS)}"
            if rng.random() < 0.08:
                company = company.replace(" ", ", ", 1)  # commas exercise CSV quoting
        person = self.people.make(rng, company)
        email = write_email(person.email, EMAIL_STYLES.pick(rng)) if rng.random() < email_share else ""
        phone = write_phone(person.phone, PHONE_STYLES.pick(rng)) if rng.random() < phone_share else ""
        if not email and not phone:
            phone = write_phone(person.phone, PHONE_STYLES.pick(rng))
        channel = str(self._spellings[key].pick(rng))
        initiative = "" if rng.random() < EMPTY_INITIATIVE_SHARE else CHANNELS[key][1]
        campaign_id = campaign.campaign_id if campaign else ""
        if rng.random() < UNKNOWN_SOURCE_SHARE:  # the source was never recorded
            channel = campaign_id = ""
            initiative = CHANNELS[key][1] if rng.random() < 0.5 else ""
        roll = rng.random()
        if inbound:
            awareness = "aware" if roll < 0.8 else ("" if roll < 0.95 else "unaware")
        else:
            awareness = "" if roll < 0.03 else ("aware" if warm else "unaware")
        owner = self.records.assign(
            team if team != "callcenter_partner" or rng.random() < 0.8 else "inside_sales", created
        )
        lead_id = self.records.new_lead_id()
        city = store.city if store else self._cities.pick(rng)
        fields = [
            lead_id, ts(created), "", channel, campaign_id, initiative, awareness, owner.user_id, company,
            person.name, email, phone, city, "new", "",
        ]  # fmt: skip
        lead = Lead(lead_id, created, key, inbound, warm, owner, fields, person, store)
        self.journey.run(lead)
        self.touches.lead(lead, campaign)
