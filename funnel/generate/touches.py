"""Campaign touches (`crm/campaign_members`): which campaigns reached a lead, how and when.

A lead's touches are drawn when the lead is created, from a random stream of their own, so that every
other CRM file stays exactly as it was. They are spelled as the systems that write them do: Salesforce
CampaignMember statuses (`Sent`, `Responded`, `Attended`), HubSpot e-mail events (`SENT`, `OPEN`,
`CLICK`) and plain words (`clicked`, `visited`); the `value_mapping` seed maps each of them.

- **The source touch**: the campaign that brought the lead in touched it first. The ad or newsletter
  click minutes before an inbound request, the stand visit of a trade-show contact, the list or
  InMail send of an outbound lead (and, for some, a response within days), the referral itself.
- **Newsletters**: some leads with an e-mail address get each monthly newsletter of their first
  three months; some open it, and some of those click.
- **Retargeting**: some leads with an e-mail address see an ad campaign again later and visit.
- **Trade-show invitations**: some companies among the outbound leads are invited to the next show
  within two months, and some of them attend.

Touches after a conversion are written too, as a CRM would keep them; attribution must ignore them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from funnel.generate.crm import L_COMPANY, L_EMAIL, Lead
from funnel.generate.values import ts
from funnel.generate.world import Campaign, World, at
from funnel.generate.writers import Outbox

# Channel key of the lead's own campaign -> (touch type as written, minutes before the lead's creation).
SOURCE_TOUCH = {
    "google_ads": ("clicked", (1, 20)),
    "facebook_ads": ("clicked", (1, 20)),
    "newsletter": ("CLICK", (1, 30)),
    "trade_show": ("Attended", (0, 0)),
    "purchased_list": ("Sent", (0, 0)),
    "telemarketing": ("Sent", (0, 0)),
    "cold_call": ("Sent", (0, 0)),
    "linkedin": ("Sent", (0, 0)),
    "referral": ("Responded", (0, 0)),
}
OUTBOUND_RESPONSE_SHARE = 0.25  # outbound leads whose list campaign records a response, 1-10 days later
NEWSLETTER_SHARE = 0.5  # leads with an e-mail address who get the newsletters
NEWSLETTER_MONTHS_DAYS = 90  # newsletters starting within this many days of the lead's creation
OPEN_SHARE, CLICK_SHARE = 0.35, 0.3  # of those sent, opened; of those opened, clicked
RETARGETED_SHARE = 0.2  # leads with an e-mail address who visit again through an ad, 1-45 days later
INVITED_SHARE, ATTENDED_SHARE = 0.15, 0.3  # outbound companies invited to the next show; of those, attended


class CampaignTouches:
    """Draws each new lead's campaign touches and queues them into the batch of their `updated_at`."""

    def __init__(self, seed: int, world: World, outbox: Outbox):
        self.rng = random.Random(f"{seed}:touches")
        self.world, self.outbox = world, outbox

    def lead(self, lead: Lead, campaign: Campaign | None) -> None:
        """Every touch of a lead created just now; `campaign` is the one it came from, if any."""
        rng, created = self.rng, lead.created
        if campaign is not None and campaign.channel_key in SOURCE_TOUCH:
            kind, (low, high) = SOURCE_TOUCH[campaign.channel_key]
            self._touch(lead, campaign, created - timedelta(minutes=rng.randint(low, high)), kind)
            if kind == "Sent" and rng.random() < OUTBOUND_RESPONSE_SHARE:
                response = created + timedelta(days=rng.randint(1, 10), seconds=rng.randint(0, 8 * 3600))
                self._touch(lead, campaign, response, "Responded")
        has_email = bool(lead.fields[L_EMAIL])
        if has_email and rng.random() < NEWSLETTER_SHARE:
            self._newsletters(lead)
        if has_email and rng.random() < RETARGETED_SHARE:
            when = created + timedelta(days=rng.randint(1, 45), seconds=rng.randint(0, 86_399))
            ads = [c for key in ("google_ads", "facebook_ads") for c in self.world.campaigns_by_channel[key]]
            running = [c for c in ads if c.active(when.date())]
            if running:
                self._touch(lead, rng.choice(running), when, "visited")
        if not lead.inbound and lead.fields[L_COMPANY] and rng.random() < INVITED_SHARE:
            self._invitation(lead)

    def _newsletters(self, lead: Lead) -> None:
        """The monthly newsletters of the lead's first months: sent on a Tuesday morning, some opened and clicked."""
        rng = self.rng
        last = lead.created.date() + timedelta(days=NEWSLETTER_MONTHS_DAYS)
        for campaign in self.world.campaigns_by_channel["newsletter"]:
            tuesday = campaign.started + timedelta(days=(1 - campaign.started.weekday()) % 7)
            sent = at(tuesday, 10 * 3600 + rng.randint(0, 1800))
            if not lead.created < sent <= at(last, 0):
                continue
            self._touch(lead, campaign, sent, "SENT")
            if rng.random() < OPEN_SHARE:
                opened = sent + timedelta(seconds=rng.randint(60, 2 * 86_400))
                self._touch(lead, campaign, opened, "OPEN")
                if rng.random() < CLICK_SHARE:
                    self._touch(lead, campaign, opened + timedelta(seconds=rng.randint(5, 600)), "CLICK")

    def _invitation(self, lead: Lead) -> None:
        """An invitation to the next trade show within two months; some invited companies attend."""
        rng = self.rng
        soon = lead.created.date() + timedelta(days=60)
        shows = [c for c in self.world.campaigns_by_channel["trade_show"] if lead.created.date() < c.started <= soon]
        if not shows:
            return
        show = min(shows, key=lambda c: c.started)
        invited = lead.created + timedelta(days=rng.randint(1, 5), seconds=rng.randint(0, 3600))
        self._touch(lead, show, min(invited, at(show.started, 9 * 3600)), "Sent")
        if rng.random() < ATTENDED_SHARE:
            self._touch(
                lead, show, at(show.started + timedelta(days=rng.randint(0, 2)), rng.randint(10, 17) * 3600), "Attended"
            )

    def _touch(self, lead: Lead, campaign: Campaign, touched: datetime, kind: str) -> None:
        """One touch, written by its system a few seconds to minutes after it happened."""
        written = touched + timedelta(seconds=self.rng.randint(5, 600))
        self.outbox.put(
            "crm/campaign_members", written, (lead.lead_id, campaign.campaign_id, ts(touched), kind, ts(written))
        )
