"""The simulated world: its calendar and the master data every simulator shares (staff, campaigns, stores,
products), made up front from its own random stream."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from funnel.generate.people import CYRILLIC_NAMES, HU_FAMILY, HU_GIVEN
from funnel.generate.sampling import Choice
from funnel.generate.values import boolean, money, ts

if TYPE_CHECKING:
    from funnel.generate.writers import Outbox


# Shops and offices are closed on the fixed-date Hungarian public holidays.
HOLIDAYS = {(1, 1), (3, 15), (5, 1), (8, 20), (10, 23), (11, 1), (12, 25), (12, 26)}

# (name, city, format); more stores than listed get numbered names.
STORE_SITES = (
    ("Budapest Andrássy út", "Budapest", "flagship"), ("Budapest Westend", "Budapest", "mall"),
    ("Debrecen Fórum", "Debrecen", "mall"), ("Győr Árkád", "Győr", "mall"),
    ("Szeged Kárász utca", "Szeged", "high_street"), ("Budaörs Outlet", "Budaörs", "outlet"),
    ("Pécs Árkád", "Pécs", "mall"), ("Miskolc Plaza", "Miskolc", "mall"),
    ("Budapest Allee", "Budapest", "mall"), ("Kecskemét Malom", "Kecskemét", "mall"),
    ("Székesfehérvár Alba Pláza", "Székesfehérvár", "mall"), ("Nyíregyháza Plaza", "Nyíregyháza", "mall"),
    ("Budapest Váci utca", "Budapest", "high_street"), ("Szombathely Savaria", "Szombathely", "mall"),
    ("Polgár Outlet", "Polgár", "outlet"), ("Budapest Aréna", "Budapest", "mall"),
    ("Sopron Várkerület", "Sopron", "high_street"), ("Eger Széchenyi utca", "Eger", "high_street"),
    ("Budapest Campona", "Budapest", "mall"), ("Veszprém Balaton Pláza", "Veszprém", "mall"),
    ("Debrecen Piac utca", "Debrecen", "high_street"), ("Győr Baross út", "Győr", "high_street"),
    ("Budapest Mammut", "Budapest", "mall"), ("Szolnok Pláza", "Szolnok", "mall"),
    ("Kaposvár Korzó", "Kaposvár", "high_street"), ("Zalaegerszeg Kvártélyház", "Zalaegerszeg", "mall"),
    ("Tatabánya Vértes Center", "Tatabánya", "mall"), ("Érd Park", "Érd", "mall"),
    ("Szeged Árkád", "Szeged", "mall"), ("Budapest Etele Plaza", "Budapest", "mall"),
)  # fmt: skip
STORE_SIZE = {"flagship": 2.2, "mall": 1.3, "high_street": 0.8, "outlet": 1.0}
STORE_CONVERSION = {"flagship": 0.17, "mall": 0.21, "high_street": 0.25, "outlet": 0.28}
# Opening hours per format as (open, close) on weekdays, Saturdays and Sundays; None = closed.
STORE_HOURS = {
    "flagship": ((9, 20), (9, 20), (10, 18)),
    "mall": ((10, 21), (10, 21), (10, 19)),
    "high_street": ((9, 19), (9, 14), None),
    "outlet": ((10, 20), (10, 20), (10, 20)),
}

# (category, sku code, (min, max) price in HUF, popularity, sold by weight)
CATEGORIES = (
    ("Kávéfőzők", "KV", (39990, 349990), 0.6, False),
    ("Konyhai robotgépek", "RG", (49990, 249990), 0.4, False),
    ("Turmixgépek", "TU", (12990, 59990), 0.8, False),
    ("Légsütők", "LS", (24990, 89990), 0.9, False),
    ("Vízforralók", "VF", (7990, 29990), 1.2, False),
    ("Kenyérpirítók", "KP", (8990, 34990), 0.9, False),
    ("Edények", "ED", (5990, 49990), 1.1, False),
    ("Kések", "KS", (3990, 39990), 0.9, False),
    ("Kiegészítők", "KE", (990, 9990), 2.4, False),
    ("Kávé", "KB", (2990, 8990), 1.6, True),
)
BRANDS = ("Konyhamester", "Cucina", "Bonafide", "Vulkán", "Tisza", "Gourmet+", "Barista Pro")
MODEL_WORDS = {
    "KV": "Kávéfőző", "RG": "Robotgép", "TU": "Turmix", "LS": "Légsütő", "VF": "Vízforraló",
    "KP": "Kenyérpirító", "ED": "Serpenyő", "KS": "Séfkés", "KE": "Kiegészítő", "KB": "Kávébab",
}  # fmt: skip
COLORS = ("BK", "WH", "SS", "RD")

# Channel key -> (spellings as written with weights, initiative). Keys follow the first spelling.
CHANNELS = {
    "cold_call": ((("Cold Call", 70), ("cold call", 30)), "outbound"),
    "telemarketing": ((("Telemarketing", 100),), "outbound"),
    "purchased_list": ((("Purchased List", 100),), "outbound"),
    "linkedin": ((("LinkedIn Outreach", 100),), "outbound"),
    "trade_show": ((("Trade Show", 100),), "outbound"),
    "web_form": ((("Website Form", 70), ("web form", 30)), "inbound"),
    "inbound_call": ((("Inbound Call", 100),), "inbound"),
    "walk_in": ((("Walk-in", 100),), "inbound"),
    "google_ads": ((("Google Ads", 70), ("google / cpc", 30)), "inbound"),
    "facebook_ads": ((("Facebook Ads", 70), ("fb", 30)), "inbound"),
    "referral": ((("Referral", 100),), "inbound"),
    "newsletter": ((("Email Newsletter", 100),), "inbound"),
    "tiktok": ((("TikTok Creator", 100),), "inbound"),  # deliberately missing from channel_mapping
}
TRADE_SHOWS = ("HOREXPO", "Sirha Budapest", "Otthon Expo", "Construma", "Gasztro Expo", "Foodapest")


def workday(d: date) -> bool:
    """Monday to Friday, except public holidays."""
    return d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS


def at(d: date, seconds: int) -> datetime:
    """The local time `seconds` after midnight on `d`."""
    return datetime.combine(d, time()) + timedelta(seconds=seconds)


@dataclass
class User:
    user_id: str
    name: str
    team: str
    hired: datetime
    left: datetime | None = None

    @property
    def outsourced(self) -> bool:
        return self.team == "callcenter_partner"

    def active(self, t: datetime) -> bool:
        return self.hired <= t and (self.left is None or t < self.left)


@dataclass
class Campaign:
    campaign_id: str
    name: str
    channel_key: str
    channel: str
    started: date
    ended: date | None
    created: datetime
    # Evergreen campaigns stopped during the run get a second version on this day.
    stopped: date | None = None

    def active(self, d: date) -> bool:
        end = self.stopped or self.ended
        return self.started <= d and (end is None or d <= end)


@dataclass
class Store:
    store_id: str
    name: str
    city: str
    fmt: str
    opened: date
    created: datetime
    size: float
    conversion: float

    def hours(self, d: date) -> range:
        if d < self.opened or (d.month, d.day) in HOLIDAYS:
            return range(0)
        weekday, saturday, sunday = STORE_HOURS[self.fmt]
        span = (weekday, weekday, weekday, weekday, weekday, saturday, sunday)[d.weekday()]
        if span is None:
            return range(0)
        if (d.month, d.day) == (12, 24):
            span = (span[0], min(span[1], 14))
        return range(span[0], span[1])


@dataclass
class Product:
    product_id: str
    sku: str
    name: str
    category: str
    by_weight: bool
    price: int  # HUF
    popularity: float
    launched: date
    created: datetime
    price_changes: list[tuple[datetime, int]] = field(default_factory=list)


class World:
    """Master data shared by the simulators, made up front from its own random stream."""

    def __init__(self, seed: int, scale: float, start: date, end: date):
        self.rng = rng = random.Random(f"{seed}:master")
        self.start, self.end, self.scale = start, end, scale
        self.crm_factor = scale**0.35
        self.days = (end - start).days + 1
        self.users = self._make_users(rng)
        self.campaigns = self._make_campaigns(rng)
        self.stores = self._make_stores(rng)
        self.products = self._make_products(rng)
        self.by_team: dict[str, list[User]] = defaultdict(list)
        for user in self.users:
            self.by_team[user.team].append(user)
        self.campaigns_by_channel: dict[str, list[Campaign]] = defaultdict(list)
        for camp in self.campaigns:
            self.campaigns_by_channel[camp.channel_key].append(camp)

    def _day_at(self, fraction: float) -> date:
        return self.start + timedelta(days=int(fraction * (self.days - 1)))

    def _make_users(self, rng: random.Random) -> list[User]:
        cf = self.crm_factor
        teams = (
            ["inside_sales"] * max(6, round(6 * cf))
            + ["field_sales"] * max(4, round(4 * cf))
            + ["callcenter_partner"] * max(6, round(16 * cf))
        )
        users = []
        for i, team in enumerate(teams, start=1):
            if team == "callcenter_partner" and rng.random() < 0.3:
                name = CYRILLIC_NAMES[rng.randrange(len(CYRILLIC_NAMES))][0]
            else:
                name = f"{rng.choice(HU_FAMILY)} {rng.choice(HU_GIVEN)}"
            hired = at(self.start - timedelta(days=rng.randint(60, 1800)), 9 * 3600)
            users.append(User(f"U{i:03d}", name, team, hired))
        if self.days >= 28:
            # Staff turnover: a salesperson and two agents leave, two people join.
            leavers = [rng.choice([u for u in users if u.team == "inside_sales"])]
            leavers += rng.sample([u for u in users if u.team == "callcenter_partner"], 2)
            for user in leavers:
                user.left = at(self._day_at(rng.uniform(0.2, 0.8)), 17 * 3600 + 1800)
            for team, when in (("callcenter_partner", 0.3), ("inside_sales", 0.55)):
                name = f"{rng.choice(HU_FAMILY)} {rng.choice(HU_GIVEN)}"
                users.append(User(f"U{len(users) + 1:03d}", name, team, at(self._day_at(when), 8 * 3600)))
        return users

    def _make_campaigns(self, rng: random.Random) -> list[Campaign]:
        start, end = self.start, self.end
        plans: list[tuple[str, str, date, date | None]] = []  # channel key, name, started, ended
        plans.append(("google_ads", "Google Ads – Márka", start - timedelta(days=400), None))
        plans.append(("linkedin", "LinkedIn – Döntéshozók", start - timedelta(days=200), None))
        plans.append(("referral", "Ajánlói program", start - timedelta(days=700), None))
        d = start - timedelta(days=20)
        while d <= end:  # seasonal search and social campaigns
            plans.append(("google_ads", f"Google Ads – Kávéfőzők {d:%Y-%m}", d, d + timedelta(days=44)))
            plans.append(("facebook_ads", f"Facebook – Konyhai újdonságok {d:%Y-%m}", d, d + timedelta(days=29)))
            d += timedelta(days=60)
        month = date(start.year, start.month, 1)
        while month <= end:  # monthly newsletters and list purchases
            last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            plans.append(("newsletter", f"Hírlevél {month:%Y-%m}", month, last))
            plans.append(("purchased_list", f"Céglista – Opten {month:%Y-%m}", month, last))
            month = last + timedelta(days=1)
        quarter = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        while quarter <= end:
            q_end = date(quarter.year + (quarter.month == 10), (quarter.month + 2) % 12 + 1, 1) - timedelta(days=1)
            label = f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"
            plans.append(("telemarketing", f"Telemarketing – {label}", quarter, q_end))
            plans.append(("cold_call", f"Hideghívás – Horeca {label}", quarter, q_end))
            quarter = q_end + timedelta(days=1)
        show_day = start + timedelta(days=rng.randint(10, 40))
        for i in range(100):
            if show_day > end:
                break
            show_day -= timedelta(days=(show_day.weekday() - 2) % 7)  # shows run Wednesday to Friday
            name = f"{TRADE_SHOWS[i % len(TRADE_SHOWS)]} {show_day.year}"
            plans.append(("trade_show", name, show_day, show_day + timedelta(days=2)))
            show_day += timedelta(days=rng.randint(50, 75))
        plans.sort(key=lambda p: (p[2], p[0], p[1]))
        campaigns = []
        for i, (key, name, started, ended) in enumerate(plans, start=1):
            spellings = Choice(CHANNELS[key][0])
            created = at(started - timedelta(days=rng.randint(5, 20)), rng.randint(9 * 3600, 16 * 3600))
            campaigns.append(Campaign(f"CMP-{i:04d}", name, key, str(spellings.pick(rng)), started, ended, created))
        if self.days >= 30:
            linkedin = next(c for c in campaigns if c.channel_key == "linkedin")
            linkedin.stopped = self._day_at(0.7)
        return campaigns

    def _make_stores(self, rng: random.Random) -> list[Store]:
        n = max(3, round(30 * self.scale**0.5))
        stores = []
        for i in range(n):
            name, city, fmt = STORE_SITES[i % len(STORE_SITES)]
            if i >= len(STORE_SITES):
                name = f"{name} {i // len(STORE_SITES) + 1}"
            opened = date(rng.randint(2011, 2023), rng.randint(1, 12), rng.randint(1, 28))
            stores.append(
                Store(
                    f"S{i + 1:03d}",
                    name,
                    city,
                    fmt,
                    opened,
                    at(opened - timedelta(days=30), 10 * 3600),
                    STORE_SIZE[fmt] * rng.uniform(0.8, 1.2),
                    STORE_CONVERSION[fmt] + rng.uniform(-0.02, 0.02),
                )
            )
        if n >= 4 and self.days >= 60:
            # A new store opens during the run; its record arrives a month before the opening.
            newest = stores[-1]
            newest.opened = self._day_at(0.6)
            newest.created = at(newest.opened - timedelta(days=30), 10 * 3600)
        return stores

    def _make_products(self, rng: random.Random) -> list[Product]:
        n = max(30, round(200 * self.scale**0.5))
        cat_choice = Choice([(c, c[3]) for c in CATEGORIES])
        products = []
        for i in range(n):
            category, code, (low, high), popularity, by_weight = cat_choice.pick(rng)
            # Prices end in 990 HUF, the usual retail pattern.
            price = int(math.exp(rng.uniform(math.log(low), math.log(high))) // 1000) * 1000 + 990
            brand = rng.choice(BRANDS)
            model = f"{code}{rng.randint(100, 999)}"
            if by_weight:
                name = f'{brand} Kávébab "{rng.choice(["Espresso", "Crema", "Lungo"])}", 1 kg'
            else:
                name = f"{brand} {MODEL_WORDS[code]} {model}"
            created = at(self.start - timedelta(days=rng.randint(30, 700)), 6 * 3600 + rng.randint(0, 3000))
            products.append(
                Product(
                    f"P{i + 1:05d}",
                    f"{code}-{1000 + i}-{rng.choice(COLORS)}",
                    name,
                    category,
                    by_weight,
                    price,
                    popularity * rng.uniform(0.2, 1.8) / math.sqrt(price / 10000),
                    date.min,
                    created,
                )
            )
        if self.days >= 30:
            launched = rng.sample(products, 3)
            for product in launched:  # new products during the run, announced a few days ahead
                product.launched = self._day_at(rng.uniform(0.2, 0.9))
                product.created = at(product.launched - timedelta(days=3), 6 * 3600)
            regular = [p for p in products if p not in launched]
            for product in rng.sample(regular, max(3, n // 20)):  # price changes
                when = at(self._day_at(rng.uniform(0.1, 0.95)), 5 * 3600 + rng.randint(0, 3000))
                new_price = int(product.price * rng.uniform(0.85, 1.15) // 1000) * 1000 + 990
                if new_price != product.price:
                    product.price_changes.append((when, new_price))
        return products

    def emit(self, outbox: Outbox) -> None:
        """Queue every version of the master records into the batches of their `updated_at`."""
        for u in self.users:
            outbox.put("crm/users", u.hired, (u.user_id, u.name, u.team, boolean(u.outsourced), "true", ts(u.hired)))
            if u.left:
                row = (u.user_id, u.name, u.team, boolean(u.outsourced), "false", ts(u.left))
                outbox.put("crm/users", u.left, row)
        for c in self.campaigns:
            initiative = CHANNELS[c.channel_key][1]
            ended = c.ended.isoformat() if c.ended else ""
            row = (c.campaign_id, c.name, c.channel, initiative, c.started.isoformat(), ended, ts(c.created))
            outbox.put("crm/campaigns", c.created, row)
            if c.stopped:
                when = at(c.stopped, 16 * 3600)
                outbox.put("crm/campaigns", when, (*row[:5], c.stopped.isoformat(), ts(when)))
        for s in self.stores:
            row = (s.store_id, s.name, s.city, s.fmt, s.opened.isoformat(), ts(s.created))
            outbox.put("pos/stores", s.created, row)
        for p in self.products:
            row = (p.product_id, p.sku, p.name, p.category, money(p.price * 100), "HUF", ts(p.created))
            outbox.put("pos/products", p.created, row)
            for when, price in p.price_changes:
                outbox.put("pos/products", when, (*row[:4], money(price * 100), "HUF", ts(when)))
