"""Marketing: daily spend per channel and campaign (in forints or euros) and exchange rates."""

from __future__ import annotations

import random
from datetime import date

from funnel.generate.values import money
from funnel.generate.world import Campaign, World, at, workday
from funnel.generate.writers import BatchWriter


class Marketing:
    """Spend per channel and campaign, and daily exchange rates, in the marketing system's random stream."""

    def __init__(self, seed: int, world: World, spend_events):
        self.rng = random.Random(f"{seed}:marketing")
        self.world = world
        self.spend_events: dict[date, dict[tuple[str, str], int]] = spend_events
        self.eur = 398.0
        self.eurusd = 1.09
        self.budget = world.crm_factor  # spend follows the sales team's lead volume

    def day(self, d: date, batch: BatchWriter) -> None:
        """The day's exchange rates and spend rows (CRM list purchases, running campaigns, seat licences)."""
        self._fx(d, batch)
        rows: dict[tuple[str, str], tuple[int, str]] = {}
        for (channel, campaign_id), cents in self.spend_events.pop(d, {}).items():
            rows[(channel, campaign_id)] = (cents, "HUF")
        for camp in self.world.campaigns:
            if camp.active(d):
                spent = self._campaign_spend(camp, d)
                if spent:
                    rows[(camp.channel, camp.campaign_id)] = spent
        if d.day == 1:  # sales navigator seats, billed monthly and tied to no campaign
            rows[("LinkedIn Outreach", "")] = (round(4 * 99.99 * 100 * max(1.0, self.budget * 5)), "EUR")
        for (channel, campaign_id), (cents, currency) in sorted(rows.items()):
            batch.write("marketing/spend", (d.isoformat(), channel, campaign_id, money(cents), currency))

    def _campaign_spend(self, camp: Campaign, d: date) -> tuple[int, str] | None:
        rng, budget = self.rng, self.budget
        key = camp.channel_key
        if key == "google_ads":
            return round(rng.uniform(20_000, 40_000) * budget * 100), "HUF"
        if key == "facebook_ads":
            return round(rng.uniform(30, 60) * budget * 100), "EUR"
        if key == "newsletter" and d.weekday() == 1:
            return round(rng.uniform(60_000, 120_000) * budget * 100), "HUF"
        if key == "trade_show" and d == camp.started:
            return round(rng.uniform(2_000_000, 4_500_000) * max(budget, 0.3) * 100), "HUF"
        if key == "telemarketing" and workday(d):
            agents = len([u for u in self.world.by_team["callcenter_partner"] if u.active(at(d, 12 * 3600))])
            return round(agents * 8 * rng.uniform(4200, 4800) * 100), "HUF"
        return None

    def _fx(self, d: date, batch: BatchWriter) -> None:
        rng = self.rng
        self.eur += 0.15 * (398.0 - self.eur) + rng.gauss(0, 1.2)
        self.eur = min(410.0, max(390.0, self.eur))
        self.eurusd += 0.1 * (1.09 - self.eurusd) + rng.gauss(0, 0.004)
        self.eurusd = min(1.13, max(1.05, self.eurusd))
        # the central bank's rates: forints for one euro and for one dollar
        batch.write("marketing/fx_rates", (d.isoformat(), "EUR", f"{self.eur:.4f}", "HUF"))
        batch.write("marketing/fx_rates", (d.isoformat(), "USD", f"{self.eur / self.eurusd:.4f}", "HUF"))
