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
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import math
import random
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from funnel import contract

FORMATS = ("csv", "parquet")
DIRTY_KINDS = ("column_count", "bad_encoding", "bad_date", "bad_number", "missing_required", "duplicate_key")
PARQUET_DIRTY_KINDS = ("missing_required", "duplicate_key")
MAX_DIRTY_RATE = 0.5

# Calibration: scale 1 is about a million receipt lines a year.
LINES_PER_DAY_AT_SCALE_1 = 2740
OUTBOUND_LEADS_PER_WORKDAY_AT_SCALE_1 = 500
INBOUND_LEADS_PER_DAY_AT_SCALE_1 = 15.5

# Shops and offices are closed on the fixed-date Hungarian public holidays.
HOLIDAYS = {(1, 1), (3, 15), (5, 1), (8, 20), (10, 23), (11, 1), (12, 25), (12, 26)}

# ---------------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------------

HU_FAMILY = (
    "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas", "Balogh",
    "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Simon", "Rácz", "Fekete", "Szűcs",
    "Fehér", "Török", "Gál", "Pintér", "Szilágyi", "Bíró", "Vörös", "Sipos", "Lukács", "Kocsis", "Fülöp",
    "Halász", "Soós", "Orosz", "Kelemen", "Katona", "Jakab", "Antal", "Bodnár",
)  # fmt: skip
HU_GIVEN = (
    "Anna", "Ödön", "Zsófia", "Gábor", "László", "István", "Katalin", "Éva", "Erzsébet", "Péter",
    "Zoltán", "Ágnes", "Júlia", "Dávid", "Bence", "Levente", "Réka", "Tünde", "Ildikó", "Győző", "Örs",
    "Eszter", "Judit", "Tamás", "Attila", "Krisztina", "Noémi", "Ferenc", "Márta", "Áron", "Csaba",
    "Dóra", "Emese", "Zsolt", "Szilvia", "Balázs", "Gyöngyi", "Orsolya", "Ákos", "Hajnalka",
)  # fmt: skip
# (name as written, family name in Latin letters, given name in Latin letters)
CYRILLIC_NAMES = (
    ("Иванов Сергей", "ivanov", "sergey"),
    ("Петрова Ольга", "petrova", "olga"),
    ("Смирнов Алексей", "smirnov", "aleksey"),
    ("Коваленко Андрій", "kovalenko", "andriy"),
    ("Шевченко Олена", "shevchenko", "olena"),
    ("Попов Дмитрий", "popov", "dmitriy"),
    ("Кузнецова Наталья", "kuznetsova", "natalya"),
    ("Бондаренко Ірина", "bondarenko", "iryna"),
    ("Мельник Тарас", "melnyk", "taras"),
    ("Волкова Анна", "volkova", "anna"),
)
CITIES = (
    ("Budapest", 40), ("Debrecen", 6), ("Szeged", 5), ("Miskolc", 5), ("Pécs", 5), ("Győr", 5),
    ("Nyíregyháza", 4), ("Kecskemét", 4), ("Székesfehérvár", 4), ("Szombathely", 3), ("Szolnok", 3),
    ("Érd", 3), ("Tatabánya", 2), ("Kaposvár", 2), ("Veszprém", 2), ("Eger", 2), ("Sopron", 2),
    ("Zalaegerszeg", 2),
)  # fmt: skip
PRIVATE_DOMAINS = (
    ("gmail.com", 40), ("freemail.hu", 20), ("citromail.hu", 8), ("yahoo.com", 8), ("t-online.hu", 6),
    ("outlook.com", 10), ("hotmail.com", 8),
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
MOBILE_PREFIXES = (("20", 35), ("30", 35), ("70", 22), ("31", 4), ("50", 4))

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
# Opening hours per format: (weekday open, weekday close, saturday, sunday); None = closed.
STORE_HOURS = {
    "flagship": ((9, 20), (9, 20), (10, 18)),
    "mall": ((10, 21), (10, 21), (10, 19)),
    "high_street": ((9, 19), (9, 14), None),
    "outlet": ((10, 20), (10, 20), (10, 20)),
}
HOUR_WEIGHT = {
    9: 0.5, 10: 0.7, 11: 0.85, 12: 1.0, 13: 1.0, 14: 0.9, 15: 0.95, 16: 1.1, 17: 1.3, 18: 1.25, 19: 0.9,
    20: 0.6,
}  # fmt: skip
WEEKDAY_FACTOR = (0.85, 0.9, 0.95, 1.0, 1.15, 1.35, 0.75)
MONTH_FACTOR = (0.8, 0.8, 0.9, 0.95, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.25, 1.5)

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
TEAM_HOURS = {"inside_sales": (8, 17), "field_sales": (8, 18), "callcenter_partner": (8, 20)}

CALL_OUTCOMES = (
    "no_answer", "busy", "invalid_number", "blocked", "voicemail", "rejected", "conversation", "callback",
    "agreed",
)  # fmt: skip
# Share of dials per outcome, in CALL_OUTCOMES order.
CALL_PROFILES = {
    "cold_inhouse": (37, 11, 7.5, 3.5, 11, 18, 7.5, 3, 1.5),
    "cold_outsourced": (40, 11, 8, 4.5, 10, 19, 5, 1.5, 1.0),
    "warm": (32, 9, 4, 1.5, 12, 14, 15, 7, 5.5),
    "inbound": (30, 5, 2, 0, 11, 9, 24, 10, 9),
    "followup": (27, 7, 0, 1, 10, 20, 19, 9, 7),
}
UNREACHED = {"no_answer", "busy", "voicemail"}
CALL_ENDS_LEAD = {"invalid_number": "invalid_contact", "blocked": "do_not_call", "rejected": "not_interested"}
CALL_SECONDS = {
    "no_answer": (0, 0), "busy": (0, 0), "invalid_number": (0, 0), "blocked": (0, 0), "voicemail": (15, 45),
    "rejected": (8, 90), "conversation": (120, 900), "callback": (30, 180), "agreed": (240, 1200),
}  # fmt: skip
# Opportunity stages before closing: (stage, days spent in it, chance it is lost from there)
STAGE_FLOW = (("qualification", (1, 6), 0.10), ("presentation", (2, 8), 0.15),
              ("proposal", (3, 12), 0.22), ("negotiation", (3, 18), 0.25))  # fmt: skip
OPP_LOST_REASONS = (("price", 35), ("competitor", 25), ("no_budget", 20), ("timing", 12), ("no_decision", 8))
TRADE_SHOWS = ("HOREXPO", "Sirha Budapest", "Otthon Expo", "Construma", "Gasztro Expo", "Foodapest")

# Dirty values that no reasonable date, timestamp or number parser accepts.
BAD_DATES = ("2026-13-45", "2026-02-30", "2026-10-3X", "{d}/{m}/{y}")
BAD_TIMESTAMPS = ("2026-13-45 10:00:00", "2026-02-30 09:15:00", "{d}/{m}/{y} 10:00", "2026-10-31 25:61:00")
BAD_NUMBERS = ("12,50", "abc", "1.2.3", "12 500", "N/A")
FRESH_CURRENCIES = (
    "GBP", "CHF", "PLN", "CZK", "RON", "SEK", "NOK", "DKK", "JPY", "CNY", "CAD", "AUD", "TRY", "RSD",
    "BGN", "UAH", "ISK", "NZD", "SGD", "HKD",
)  # fmt: skip
# A private-use character stands for the invalid bytes until the row is encoded.
BAD_BYTES_MARK = "\ue000"
BAD_BYTES = b"\xff\xfe"


class OutputNotEmptyError(FileExistsError):
    """The output folder already holds files; the caller decides whether to remove them."""


@dataclass
class GenerateSummary:
    out: Path
    batches: list[str]  # batch ids written, in order
    rows: dict[str, int]  # "crm/leads" -> data records written in total (incl. malformed)
    dirty: dict[str, int]  # kind -> malformed rows written (all kinds present, 0 when not dirty)


# ---------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------


def _cum(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class _Choice:
    """Weighted choice by bisection over cumulative weights (much faster than random.choices)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        self.cum = _cum([w for _, w in pairs])
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n > 200:
        mean = n * p
        return min(n, max(0, round(rng.gauss(mean, math.sqrt(mean * (1 - p))))))
    rand = rng.random
    return sum(1 for _ in range(n) if rand() < p)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _ts(t: datetime) -> str:
    return t.isoformat(sep=" ")


def _workday(d: date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS


def _awake(t: datetime, rng: random.Random) -> datetime:
    """`t`, or the same morning if it falls in the night (people do not act at 0-6 h, nor in DST gaps)."""
    if t.hour >= 6:
        return t
    return _at(t.date(), rng.randint(6 * 3600, 8 * 3600))


def _round_amount(cents: float, currency: str) -> int:
    """Deal amounts are round numbers: whole thousands of forints, whole tens of euros."""
    step = 100_000 if currency == "HUF" else 1_000
    return max(step, round(cents / step) * step)


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _slug(text: str) -> str:
    return "".join(c for c in _ascii(text) if c.isalnum())


def _at(d: date, seconds: int) -> datetime:
    return datetime.combine(d, time()) + timedelta(seconds=seconds)


# ---------------------------------------------------------------------------------------------------
# People: names, unique e-mails and phones, written in the many ways people write them
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    email: str  # canonical, lower case
    phone: str  # national number without prefix, e.g. "301234567" or "12345678"


class _People:
    """Makes persons with e-mails and phone numbers that are unique across the whole run."""

    def __init__(self) -> None:
        self.count = 0
        self._domains = _Choice(PRIVATE_DOMAINS)
        self._mobile = _Choice(MOBILE_PREFIXES)

    def make(self, rng: random.Random, company: str = "") -> _Person:
        self.count += 1
        n = self.count
        if rng.random() < 0.06:
            name, family, given = CYRILLIC_NAMES[rng.randrange(len(CYRILLIC_NAMES))]
        else:
            family_hu, given_hu = rng.choice(HU_FAMILY), rng.choice(HU_GIVEN)
            name, family, given = f"{family_hu} {given_hu}", _ascii(family_hu), _ascii(given_hu)
        # The run-wide number n makes every e-mail and phone unique: names carry no digits.
        style = rng.randrange(4)
        local = (
            f"{given}.{family}{n}",
            f"{family}.{given}{n}",
            f"{given[0]}{family}{n}",
            f"{given}{family}{n}",
        )[style]
        # Company mail domains drop the legal form: "Duna Catering Kft." -> dunacatering.hu
        domain = f"{_slug(company.rsplit(' ', 1)[0])[:20]}.hu" if company else self._domains.pick(rng)
        digits = f"{(n * 7919 + 1234567) % 10_000_000:07d}"
        prefix = "1" if company and rng.random() < 0.3 else self._mobile.pick(rng)
        return _Person(name, f"{local}@{domain}", prefix + digits)


def _write_email(email: str, style: int) -> str:
    local, domain = email.split("@")
    return (
        email,
        email.upper(),
        ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize(),
        f" {email} ",
        f"{local}@{domain.upper()}",
        f"{email} ",
    )[style]


EMAIL_STYLES = _Choice([(0, 50), (1, 6), (2, 20), (3, 8), (4, 8), (5, 8)])


def _write_phone(national: str, style: int) -> str:
    area, rest = (national[:1], national[1:]) if national.startswith("1") else (national[:2], national[2:])
    head, tail = rest[:3], rest[3:]
    return (
        f"+36 {area} {head} {tail}",
        f"06{area}{rest}",
        f"06-{area}-{head}-{tail}",
        f"0036 {area} {rest}",
        f"+36{area}{rest}",
        f"06 {area} {head} {tail}",
        f"+36-{area}-{rest}",
    )[style]


PHONE_STYLES = _Choice([(0, 30), (1, 25), (2, 12), (3, 8), (4, 12), (5, 8), (6, 5)])


def _rewrite(rng: random.Random, value: str, styles: _Choice, writer: Callable[[str, int], str], canon: str) -> str:
    """The same contact written in another style than `value` (so only normalisation matches them)."""
    for _ in range(20):
        other = writer(canon, styles.pick(rng))
        if other != value:
            return other
    return writer(canon, 1 if writer(canon, 0) == value else 0)


# ---------------------------------------------------------------------------------------------------
# Master data: users, campaigns, stores, products
# ---------------------------------------------------------------------------------------------------


@dataclass
class _User:
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
class _Campaign:
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
class _Store:
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
class _Product:
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


class _World:
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
        self.by_team: dict[str, list[_User]] = defaultdict(list)
        for user in self.users:
            self.by_team[user.team].append(user)
        self.campaigns_by_channel: dict[str, list[_Campaign]] = defaultdict(list)
        for camp in self.campaigns:
            self.campaigns_by_channel[camp.channel_key].append(camp)

    def _day_at(self, fraction: float) -> date:
        return self.start + timedelta(days=int(fraction * (self.days - 1)))

    def _make_users(self, rng: random.Random) -> list[_User]:
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
            hired = _at(self.start - timedelta(days=rng.randint(60, 1800)), 9 * 3600)
            users.append(_User(f"U{i:03d}", name, team, hired))
        if self.days >= 28:
            # Staff turnover: a salesperson and two agents leave, two people join.
            leavers = [rng.choice([u for u in users if u.team == "inside_sales"])]
            leavers += rng.sample([u for u in users if u.team == "callcenter_partner"], 2)
            for user in leavers:
                user.left = _at(self._day_at(rng.uniform(0.2, 0.8)), 17 * 3600 + 1800)
            for team, when in (("callcenter_partner", 0.3), ("inside_sales", 0.55)):
                name = f"{rng.choice(HU_FAMILY)} {rng.choice(HU_GIVEN)}"
                users.append(_User(f"U{len(users) + 1:03d}", name, team, _at(self._day_at(when), 8 * 3600)))
        return users

    def _make_campaigns(self, rng: random.Random) -> list[_Campaign]:
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
            spellings = _Choice(CHANNELS[key][0])
            created = _at(started - timedelta(days=rng.randint(5, 20)), rng.randint(9 * 3600, 16 * 3600))
            campaigns.append(_Campaign(f"CMP-{i:04d}", name, key, str(spellings.pick(rng)), started, ended, created))
        if self.days >= 30:
            linkedin = next(c for c in campaigns if c.channel_key == "linkedin")
            linkedin.stopped = self._day_at(0.7)
        return campaigns

    def _make_stores(self, rng: random.Random) -> list[_Store]:
        n = max(3, round(30 * self.scale**0.5))
        stores = []
        for i in range(n):
            name, city, fmt = STORE_SITES[i % len(STORE_SITES)]
            if i >= len(STORE_SITES):
                name = f"{name} {i // len(STORE_SITES) + 1}"
            opened = date(rng.randint(2011, 2023), rng.randint(1, 12), rng.randint(1, 28))
            stores.append(
                _Store(
                    f"S{i + 1:03d}",
                    name,
                    city,
                    fmt,
                    opened,
                    _at(opened - timedelta(days=30), 10 * 3600),
                    STORE_SIZE[fmt] * rng.uniform(0.8, 1.2),
                    STORE_CONVERSION[fmt] + rng.uniform(-0.02, 0.02),
                )
            )
        if n >= 4 and self.days >= 60:
            # A new store opens during the run; its record arrives a month before the opening.
            newest = stores[-1]
            newest.opened = self._day_at(0.6)
            newest.created = _at(newest.opened - timedelta(days=30), 10 * 3600)
        return stores

    def _make_products(self, rng: random.Random) -> list[_Product]:
        n = max(30, round(200 * self.scale**0.5))
        cat_choice = _Choice([(c, c[3]) for c in CATEGORIES])
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
            created = _at(self.start - timedelta(days=rng.randint(30, 700)), 6 * 3600 + rng.randint(0, 3000))
            products.append(
                _Product(
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
                product.created = _at(product.launched - timedelta(days=3), 6 * 3600)
            regular = [p for p in products if p not in launched]
            for product in rng.sample(regular, max(3, n // 20)):  # price changes
                when = _at(self._day_at(rng.uniform(0.1, 0.95)), 5 * 3600 + rng.randint(0, 3000))
                new_price = int(product.price * rng.uniform(0.85, 1.15) // 1000) * 1000 + 990
                if new_price != product.price:
                    product.price_changes.append((when, new_price))
        return products

    def emit(self, outbox: _Outbox) -> None:
        """Queue every version of the master records into the batches of their `updated_at`."""
        for u in self.users:
            outbox.put("crm/users", u.hired, (u.user_id, u.name, u.team, _bool(u.outsourced), "true", _ts(u.hired)))
            if u.left:
                row = (u.user_id, u.name, u.team, _bool(u.outsourced), "false", _ts(u.left))
                outbox.put("crm/users", u.left, row)
        for c in self.campaigns:
            initiative = CHANNELS[c.channel_key][1]
            ended = c.ended.isoformat() if c.ended else ""
            row = (c.campaign_id, c.name, c.channel, initiative, c.started.isoformat(), ended, _ts(c.created))
            outbox.put("crm/campaigns", c.created, row)
            if c.stopped:
                when = _at(c.stopped, 16 * 3600)
                outbox.put("crm/campaigns", when, (*row[:5], c.stopped.isoformat(), _ts(when)))
        for s in self.stores:
            row = (s.store_id, s.name, s.city, s.fmt, s.opened.isoformat(), _ts(s.created))
            outbox.put("pos/stores", s.created, row)
        for p in self.products:
            row = (p.product_id, p.sku, p.name, p.category, _money(p.price * 100), "HUF", _ts(p.created))
            outbox.put("pos/products", p.created, row)
            for when, price in p.price_changes:
                outbox.put("pos/products", when, (*row[:4], _money(price * 100), "HUF", _ts(when)))


def _bool(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------------------------------------------
# Output: batches, the changed-records outbox, file sinks, malformed rows
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    batch_id: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        d = self.first
        while d <= self.last:
            yield d
            d += timedelta(days=1)


def _plan_batches(start: date, end: date, batch_days: int) -> list[_Batch]:
    """Periods cut every `batch_days` days back from `end`, oldest first.

    The days before the first full period go into the first batch (the initial extract), so that no
    batch covers fewer than `batch_days` days and no batch looks like a sudden drop in volume.
    """
    lasts, last = [], end
    while last - timedelta(days=batch_days - 1) >= start:
        lasts.append(last)
        last -= timedelta(days=batch_days)
    lasts = lasts[::-1] or [end]
    firsts = [start] + [d + timedelta(days=1) for d in lasts[:-1]]
    return [_Batch(b.isoformat(), a, b) for a, b in zip(firsts, lasts, strict=True)]


class _Outbox:
    """Record versions of changed-records entities waiting for the batch of their `updated_at`.

    Only the latest version of a key is kept per batch, as an extract of changes would deliver it.
    Versions dated before the first day go into the first batch (its initial full extract); versions
    after the last day are dropped: they have not happened yet when the last extract is taken.
    """

    def __init__(self, batches: list[_Batch], entities: dict[str, contract.Entity]):
        self.start, self.end = batches[0].first, batches[-1].last
        self._batch_of: list[int] = []
        for i, b in enumerate(batches):
            self._batch_of.extend([i] * ((b.last - b.first).days + 1))
        self._pk = {
            key: [e.column_names.index(c) for c in e.primary_key]
            for key, e in entities.items()
            if e.delivery == "changed_records"
        }
        self._buckets: dict[int, dict[str, dict[tuple, tuple[datetime, tuple[str, ...]]]]] = {}

    def batch_index(self, d: date) -> int | None:
        if d > self.end:
            return None
        return 0 if d < self.start else self._batch_of[(d - self.start).days]

    def put(self, key: str, when: datetime, row: tuple[str, ...]) -> None:
        index = self.batch_index(when.date())
        if index is None:
            return
        bucket = self._buckets.setdefault(index, {}).setdefault(key, {})
        pk = tuple(row[i] for i in self._pk[key])
        previous = bucket.get(pk)
        if previous is None or when >= previous[0]:
            bucket[pk] = (when, row)

    def take(self, index: int) -> dict[str, list[tuple[str, ...]]]:
        bucket = self._buckets.pop(index, {})
        return {key: [row for _, row in sorted(versions.values())] for key, versions in bucket.items()}


@dataclass(frozen=True)
class _Spec:
    """What the dirt injector needs to know about an entity's columns."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    pk: tuple[int, ...]
    required: tuple[int, ...]
    fresh: int  # the key column that gets a fresh value in malformed rows

    @classmethod
    def of(cls, entity: contract.Entity) -> _Spec:
        names = tuple(entity.column_names)
        types = tuple(c.data_type for c in entity.columns)
        pk = tuple(names.index(c) for c in entity.primary_key)
        required = tuple(i for i, c in enumerate(entity.columns) if c.required)
        ids = [i for i in pk if names[i].endswith("_id")]
        texts = [i for i in pk if types[i] == "varchar"]
        return cls(names, types, pk, required, (ids or texts or list(pk))[0])

    def cols(self, test: Callable[[str], bool], key_ok: bool = True) -> list[int]:
        """Columns whose type passes `test`, non-key ones first choice, key ones only as a fallback."""
        plain = [i for i, t in enumerate(self.types) if test(t) and i not in self.pk]
        if plain or not key_ok:
            return plain
        return [i for i, t in enumerate(self.types) if test(t) and i in self.pk and i != self.fresh]


def _is_date(t: str) -> bool:
    return t in ("date", "timestamp")


def _is_number(t: str) -> bool:
    return t == "integer" or t.startswith("decimal")


class _DirtyRun:
    """Run-wide state of malformed-row injection: its own random stream, fresh keys, counts."""

    def __init__(self, rate: float, seed: int, fmt: str):
        self.rate, self.fmt = rate, fmt
        self.rng = random.Random(f"{seed}:dirty")
        self.kinds = DIRTY_KINDS if fmt == "csv" else PARQUET_DIRTY_KINDS
        self.by_kind = dict.fromkeys(DIRTY_KINDS, 0)
        self.by_file: dict[str, dict[str, int]] = {}
        self.fresh_numbers: dict[str, int] = defaultdict(int)
        self.final = False  # set for the last batch, where kinds not yet seen are forced in

    def for_file(self, file_key: str, entity: contract.Entity) -> _Dirt:
        return _Dirt(self, file_key, _Spec.of(entity))

    def report(self) -> dict:
        return {"total": sum(self.by_kind.values()), "by_kind": self.by_kind, "by_file": self.by_file}


class _Dirt:
    """Adds round(rate × rows) malformed rows to one file, each with exactly one defect."""

    def __init__(self, run: _DirtyRun, file_key: str, spec: _Spec):
        self.run, self.file_key, self.spec = run, file_key, spec
        self.acc = 0.5  # so that the count is round(rate × rows)
        self.last: tuple[str, ...] | None = None
        self.fresh_currencies = 0
        self.kinds = [k for k in run.kinds if self._applies(k)]

    def _applies(self, kind: str) -> bool:
        spec = self.spec
        return {
            "column_count": True,
            "bad_encoding": bool(spec.cols(lambda t: t == "varchar")) or spec.types[spec.fresh] == "varchar",
            "bad_date": bool(spec.cols(_is_date)),
            "bad_number": bool(spec.cols(_is_number)),
            "missing_required": bool([i for i in spec.required if i != spec.fresh]),
            "duplicate_key": len(spec.pk) < len(spec.columns),
        }[kind]

    def after(self, row: tuple[str, ...]) -> list[list[str | None]]:
        """Malformed rows to write after this clean row (usually none)."""
        self.last = row
        self.acc += self.run.rate
        bad = []
        while self.acc >= 1 and self.kinds:
            self.acc -= 1
            least = min(self.run.by_kind[k] for k in self.kinds)
            kind = self.run.rng.choice([k for k in self.kinds if self.run.by_kind[k] == least])
            bad.append(self._make(kind))
        return bad

    def finish(self) -> list[list[str | None]]:
        """In the last batch: one row of every applicable kind that the whole run has not seen yet."""
        if not self.run.final or self.last is None:
            return []
        return [self._make(k) for k in self.kinds if self.run.by_kind[k] == 0]

    def _make(self, kind: str) -> list[str | None]:
        run, spec, rng = self.run, self.spec, self.run.rng
        run.by_kind[kind] += 1
        per_file = run.by_file.setdefault(self.file_key, {})
        per_file[kind] = per_file.get(kind, 0) + 1
        row: list[str | None] = list(self.last or ())
        if kind == "duplicate_key":
            column = self._duplicate_column()
            row[column] = _other_value(row[column] or "", spec.types[column])
            return row
        self._freshen(row)
        if kind == "column_count":
            return row + ["n/a"] if rng.random() < 0.5 else row[:-1]
        if kind == "bad_encoding":
            column = rng.choice(spec.cols(lambda t: t == "varchar") or [spec.fresh])
            value = row[column] or "n"
            cut = rng.randint(1, len(value))
            row[column] = value[:cut] + BAD_BYTES_MARK + value[cut:]
        elif kind == "bad_date":
            column = rng.choice(spec.cols(_is_date))
            template = rng.choice(BAD_TIMESTAMPS if spec.types[column] == "timestamp" else BAD_DATES)
            y, m, d = (row[column] or "2026-10-31")[:10].split("-")
            row[column] = template.format(y=y, m=m, d=d)
        elif kind == "bad_number":
            row[rng.choice(spec.cols(_is_number))] = rng.choice(BAD_NUMBERS)
        elif kind == "missing_required":
            plain = [i for i in spec.required if i not in spec.pk]
            row[rng.choice(plain or [i for i in spec.required if i != spec.fresh])] = "" if run.fmt == "csv" else None
        return row

    def _freshen(self, row: list[str | None]) -> None:
        """Give the row a key that no real row has, so only its defect gets it quarantined."""
        spec, run = self.spec, self.run
        name = spec.columns[spec.fresh]
        if name == "currency":  # (rate_date, currency): a currency the file does not have on that day
            self.fresh_currencies += 1
            row[spec.fresh] = FRESH_CURRENCIES[(self.fresh_currencies - 1) % len(FRESH_CURRENCIES)]
        else:  # ids: the real prefix, then an X no real id has
            prefix = "".join(c for c in (row[spec.fresh] or "") if c.isalpha())[:3] or name[:3].upper()
            run.fresh_numbers[name] += 1
            row[spec.fresh] = f"{prefix}X{run.fresh_numbers[name]:06d}"

    def _duplicate_column(self) -> int:
        spec = self.spec
        rest = [i for i in range(len(spec.columns)) if i not in spec.pk]
        for test in (lambda i: spec.columns[i] == "updated_at", lambda i: _is_number(spec.types[i])):
            found = [i for i in rest if test(i)]
            if found:
                return found[0]
        return rest[-1]


def _other_value(value: str, data_type: str) -> str:
    """A different but valid value of the same type (for a duplicate key whose other values differ)."""
    if data_type == "timestamp":
        base = datetime.fromisoformat(value) if value else datetime(2026, 1, 1, 12)
        return _ts(base + timedelta(minutes=1))
    if data_type == "date":
        return ((date.fromisoformat(value) if value else date(2026, 1, 1)) + timedelta(days=1)).isoformat()
    if data_type == "integer":
        return str(int(value or 0) + 1)
    if data_type.startswith("decimal"):
        return str(Decimal(value or "0") + 1)
    if data_type == "boolean":
        return "false" if value == "true" else "true"
    return value + " (2)" if value else "n/a"


class _CsvSink:
    """One CSV file: header, clean rows, and malformed rows after them when dirty."""

    def __init__(self, path: Path, entity: contract.Entity, dirt: _Dirt | None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\n")
        self._writer.writerow(entity.column_names)
        self._dirt = dirt
        self._marked = False
        self._pending = 0
        self.rows = 0

    def write(self, row: tuple[str, ...]) -> None:
        self._writer.writerow(row)
        self.rows += 1
        if self._dirt is not None:
            self._write_bad(self._dirt.after(row))
        self._pending += 1
        if self._pending >= 4096:
            self._flush()

    def _write_bad(self, rows: list[list[str | None]]) -> None:
        for bad in rows:
            self._writer.writerow(bad)
            self.rows += 1
            self._marked = self._marked or any(v and BAD_BYTES_MARK in v for v in bad)

    def _flush(self) -> None:
        data = self._buf.getvalue().encode("utf-8")
        if self._marked:
            data = data.replace(BAD_BYTES_MARK.encode("utf-8"), BAD_BYTES)
            self._marked = False
        self._file.write(data)
        self._buf.seek(0)
        self._buf.truncate()
        self._pending = 0

    def close(self) -> int:
        if self._dirt is not None:
            self._write_bad(self._dirt.finish())
        self._flush()
        self._file.close()
        return self.rows


class _ParquetSink:
    """One Parquet file with the contract's types, written in row groups."""

    GROUP_ROWS = 200_000

    def __init__(self, path: Path, entity: contract.Entity, dirt: _Dirt | None):
        import pyarrow as pa

        path.parent.mkdir(parents=True, exist_ok=True)
        self._pa = pa
        self._path = path
        self._types = [_arrow_type(pa, c.data_type) for c in entity.columns]
        self._schema = pa.schema([(c.name, t) for c, t in zip(entity.columns, self._types, strict=True)])
        self._dirt = dirt
        self._rows: list[Sequence[str | None]] = []
        self._writer = None
        self.rows = 0

    def write(self, row: tuple[str, ...]) -> None:
        self._rows.append(row)
        if self._dirt is not None:
            self._rows.extend(self._dirt.after(row))
        if len(self._rows) >= self.GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        pa = self._pa
        columns = list(zip(*self._rows, strict=True)) if self._rows else [[] for _ in self._types]
        arrays = [
            pa.array([v if v != "" else None for v in values], pa.string()).cast(t)
            for values, t in zip(columns, self._types, strict=True)
        ]
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, self._schema)
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows += len(self._rows)
        self._rows = []

    def close(self) -> int:
        if self._dirt is not None:
            self._rows.extend(self._dirt.finish())
        if self._rows or self._writer is None:
            self._flush()
        self._writer.close()
        return self.rows


def _arrow_type(pa, data_type: str):
    if data_type.startswith("decimal"):
        precision, scale = (int(x) for x in data_type[8:-1].split(","))
        return pa.decimal128(precision, scale)
    return {
        "varchar": pa.string(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }[data_type]


class _BatchWriter:
    """Writes one batch into a hidden folder and renames it into place when complete."""

    def __init__(self, out: Path, batch: _Batch, fmt: str, dirty: _DirtyRun | None):
        self.batch, self.fmt, self.dirty = batch, fmt, dirty
        self.final_dir = out / batch.batch_id
        self.dir = out / f".{batch.batch_id}.partial"
        self.dir.mkdir(parents=True)
        self.entities = contract.entities()
        self._sinks: dict[str, _CsvSink | _ParquetSink] = {}

    def write(self, key: str, row: tuple[str, ...]) -> None:
        sink = self._sinks.get(key)
        if sink is None:
            sink = self._sinks[key] = self._open(key)
        sink.write(row)

    def _open(self, key: str) -> _CsvSink | _ParquetSink:
        entity = self.entities[key]
        relative = f"{key}.{self.fmt}"
        dirt = self.dirty.for_file(f"{self.batch.batch_id}/{relative}", entity) if self.dirty else None
        sink_class = _CsvSink if self.fmt == "csv" else _ParquetSink
        return sink_class(self.dir / relative, entity, dirt)

    def close(self) -> dict[str, int]:
        counts = {key: self._sinks[key].close() for key in self.entities if key in self._sinks}
        manifest = {
            "batch_id": self.batch.batch_id,
            "files": [{"path": f"{key}.{self.fmt}", "rows": n} for key, n in counts.items()],
        }
        (self.dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.dir.rename(self.final_dir)
        return counts


# ---------------------------------------------------------------------------------------------------
# CRM: leads and everything the sales team does with them
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Lead:
    lead_id: str
    created: datetime
    channel_key: str
    inbound: bool
    warm: bool
    owner: _User
    fields: list[str]  # the lead row; status, owner and lost_reason change over time
    person: _Person
    store: _Store | None = None
    status: str = "new"


# Positions in the lead row.
L_UPDATED, L_OWNER, L_EMAIL, L_PHONE, L_CITY, L_STATUS, L_LOST = 2, 7, 10, 11, 12, 13, 14


@dataclass
class _Opp:
    opp_id: str
    lead: _Lead
    owner: _User
    created: datetime
    amount: int | None = None  # in cents of `currency`
    currency: str = "HUF"
    stage: str = "qualification"


class _Crm:
    """Creates leads day by day and simulates each lead's whole journey when it is created."""

    def __init__(self, seed: int, world: _World, outbox: _Outbox, people: _People, pos_signups, spend_events):
        self.rng = random.Random(f"{seed}:crm")
        self.world, self.outbox, self.people = world, outbox, people
        self.pos_signups: dict[date, list[tuple]] = pos_signups
        self.spend_events: dict[date, dict[tuple[str, str], int]] = spend_events
        cf = world.crm_factor
        self.outbound_per_day = OUTBOUND_LEADS_PER_WORKDAY_AT_SCALE_1 * cf
        self.inbound_per_day = INBOUND_LEADS_PER_DAY_AT_SCALE_1 * cf
        self.n_lead = self.n_activity = self.n_opp = 0
        self._outbound_mix = _Choice(OUTBOUND_MIX)
        self._inbound_mix = _Choice(INBOUND_MIX)
        self._cities = _Choice(CITIES)
        self._spellings = {key: _Choice(spellings) for key, (spellings, _) in CHANNELS.items()}
        self._outcomes = {name: _Choice(list(zip(CALL_OUTCOMES, w, strict=True))) for name, w in CALL_PROFILES.items()}
        self._opp_reasons = _Choice(OPP_LOST_REASONS)
        self._web_hours = _Choice([(h, 1 + (h >= 18) * 1.5 + (9 <= h <= 12)) for h in range(6, 24)])

    # -- lead creation ------------------------------------------------------------------------------

    def day(self, d: date) -> None:
        rng = self.rng
        if _workday(d):
            self._outbound_lists(d)
        for camp in self.world.campaigns_by_channel["trade_show"]:
            if camp.started <= d <= camp.ended and d.weekday() < 5:
                for _ in range(_poisson(rng, self.outbound_per_day * 1.2)):
                    self._lead(_at(d, rng.randint(10 * 3600, 18 * 3600)), "trade_show", campaign=camp)
        weekday_factor = 0.75 if d.weekday() >= 5 else 1.08
        for _ in range(_poisson(rng, self.inbound_per_day * weekday_factor)):
            self._inbound_lead(d)

    def _outbound_lists(self, d: date) -> None:
        """Lists are imported in bulk in the morning (purchased lists weekly, on Mondays)."""
        rng = self.rng
        counts: dict[str, int] = defaultdict(int)
        for _ in range(_poisson(rng, self.outbound_per_day)):
            counts[self._outbound_mix.pick(rng)] += 1
        if d.weekday() == 0:
            counts["purchased_list"] *= 5
        else:
            counts.pop("purchased_list", None)
        for key in ("purchased_list", "telemarketing", "cold_call", "linkedin"):
            n = counts.get(key, 0)
            if not n:
                continue
            imported = _at(d, rng.randint(7 * 3600, 8 * 3600))
            campaign = self._campaign(key, d)
            for _ in range(n):
                created = imported if key != "linkedin" else _at(d, rng.randint(9 * 3600, 16 * 3600))
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
            created = _at(d, rng.randint(hours.start * 3600, hours.stop * 3600 - 60))
        elif key in ("inbound_call", "referral"):
            if not _workday(d):
                return
            created = _at(d, rng.randint(8 * 3600, 18 * 3600))
        else:
            created = _at(d, self._web_hours.pick(rng) * 3600 + rng.randint(0, 3599))
        self._lead(created, key, store=store)

    def _campaign(self, key: str, d: date) -> _Campaign | None:
        active = [c for c in self.world.campaigns_by_channel.get(key, ()) if c.active(d)]
        return self.rng.choice(active) if active else None

    def _lead(
        self, created: datetime, key: str, *, campaign: _Campaign | None = None, store: _Store | None = None
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
        email = _write_email(person.email, EMAIL_STYLES.pick(rng)) if rng.random() < email_share else ""
        phone = _write_phone(person.phone, PHONE_STYLES.pick(rng)) if rng.random() < phone_share else ""
        if not email and not phone:
            phone = _write_phone(person.phone, PHONE_STYLES.pick(rng))
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
        owner = self._pick_user(team if team != "callcenter_partner" or rng.random() < 0.8 else "inside_sales", created)
        self.n_lead += 1
        lead_id = f"L{self.n_lead:07d}"
        city = store.city if store else self._cities.pick(rng)
        fields = [
            lead_id, _ts(created), "", channel, campaign_id, initiative, awareness, owner.user_id, company,
            person.name, email, phone, city, "new", "",
        ]  # fmt: skip
        lead = _Lead(lead_id, created, key, inbound, warm, owner, fields, person, store)
        self._journey(lead)

    def _pick_user(self, team: str, t: datetime) -> _User:
        users = self.world.by_team[team]
        active = [u for u in users if u.active(t) and (u.left is None or u.left > t + timedelta(days=3))]
        return self.rng.choice(active or users)

    # -- record versions ----------------------------------------------------------------------------

    def _version(self, lead: _Lead, t: datetime, status: str | None = None, lost: str = "") -> None:
        if status is not None:
            lead.status = status
        lead.fields[L_STATUS] = lead.status
        lead.fields[L_LOST] = lost if lead.status == "lost" else ""
        lead.fields[L_OWNER] = lead.owner.user_id
        lead.fields[L_UPDATED] = _ts(t)
        self.outbox.put("crm/leads", t, tuple(lead.fields))

    def _owner_at(self, lead: _Lead, t: datetime) -> _User:
        """The lead's owner at `t`; a lead whose owner has left moves to a teammate (a new version)."""
        if not lead.owner.active(t):
            lead.owner = self._pick_user(lead.owner.team, t)
            self._version(lead, t)
        return lead.owner

    def _activity(
        self,
        lead: _Lead,
        owner: _User,
        t: datetime,
        kind: str,
        direction: str,
        outcome: str,
        seconds: int | None,
        activity_id: str | None = None,
        updated: datetime | None = None,
    ) -> str:
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
            _ts(t),
            kind,
            direction,
            outcome,
            duration,
            _ts(updated),
        )
        self.outbox.put("crm/activities", updated, row)
        return activity_id

    # -- time ---------------------------------------------------------------------------------------

    def _in_hours(self, t: datetime, team: str) -> datetime:
        """`t`, or the start of the team's next working period (plus a little) if it is outside it."""
        open_h, close_h = TEAM_HOURS[team]
        for _ in range(30):
            d = t.date()
            if _workday(d):
                if t.hour < open_h:
                    return _at(d, open_h * 3600 + self.rng.randint(0, 5400))
                if t.hour < close_h:
                    return t
            t = datetime.combine(d + timedelta(days=1), time())
        return t

    def _workday_time(self, d: date, team: str) -> datetime:
        open_h, close_h = TEAM_HOURS[team]
        while not _workday(d):
            d += timedelta(days=1)
        return _at(d, self.rng.randint(open_h * 3600, close_h * 3600 - 900))

    def _later(self, t: datetime, team: str, min_days: int, max_days: int) -> datetime:
        """A random working time `min_days`..`max_days` days after `t`, never before it."""
        day = t.date() + timedelta(days=self.rng.randint(min_days, max_days))
        return self._in_hours(max(t + timedelta(minutes=5), self._workday_time(day, team)), team)

    # -- the journey --------------------------------------------------------------------------------

    def _journey(self, lead: _Lead) -> None:
        rng = self.rng
        self._version(lead, lead.created)
        if lead.channel_key == "inbound_call":
            seconds = rng.randint(120, 600)
            self._activity(lead, lead.owner, lead.created, "call", "inbound", "conversation", seconds)
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
            t = self._later(lead.created, lead.owner.team, queue_days, queue_days)
            profile = "warm" if lead.warm else "cold"
        agreed = self._dial(lead, t, profile)
        if agreed is not None:
            self._present(lead, agreed)

    def _first_response(self, lead: _Lead) -> datetime | None:
        """Speed to lead: minutes to a day or two; a few requests are never answered."""
        rng = self.rng
        if rng.random() < 0.06:
            return None
        delay = min(2880.0, rng.lognormvariate(math.log(35), 1.3))
        t = self._in_hours(lead.created + timedelta(seconds=int(delay * 60) + 30), lead.owner.team)
        if rng.random() < 0.3:
            owner = self._owner_at(lead, t)
            self._message(lead, owner, t)
            self._touch(lead, t)
            t = self._in_hours(t + timedelta(minutes=rng.randint(120, 1800)), owner.team)
        return t

    def _touch(self, lead: _Lead, t: datetime) -> None:
        if lead.status == "new":
            self._version(lead, t, "working")

    def _message(self, lead: _Lead, owner: _User, t: datetime) -> None:
        """An outbound e-mail (or text message without an e-mail), sometimes bounced or replied to."""
        rng = self.rng
        if lead.fields[L_EMAIL]:
            bounced = rng.random() < 0.07
            self._activity(lead, owner, t, "email", "outbound", "bounced" if bounced else "sent", None)
            if not bounced and rng.random() < 0.25:
                reply = _awake(t + timedelta(minutes=rng.randint(20, 2880)), rng)
                self._activity(lead, owner, reply, "email", "inbound", "replied", None)
        else:
            self._activity(lead, owner, t, "message", "outbound", "sent", None)

    def _lose(self, lead: _Lead, t: datetime, reason: str) -> None:
        self._version(lead, t, "lost", reason)
        if self.rng.random() < 0.02:  # some lost leads still turn up in a store later
            self._signup(lead, t + timedelta(days=self.rng.randint(3, 60)), None)

    def _dial(self, lead: _Lead, t: datetime, profile: str) -> datetime | None:
        """Call until the lead agrees to a presentation (returns when) or is lost or given up (None)."""
        rng = self.rng
        unreached = talks = 0
        give_up = 4 if profile == "cold" else 6
        for _ in range(12):
            owner = self._owner_at(lead, t)
            name = profile
            if profile == "cold":
                name = "cold_outsourced" if owner.outsourced else "cold_inhouse"
            outcome = self._outcomes[name].pick(rng)
            low, high = CALL_SECONDS[outcome]
            seconds = rng.randint(low, high)
            self._activity(lead, owner, t, "call", "outbound", outcome, seconds)
            self._touch(lead, t)
            end = t + timedelta(seconds=seconds + 30)
            if outcome in UNREACHED:
                unreached += 1
                if unreached >= give_up:
                    self._lose(lead, end, "unreachable")
                    return None
                if rng.random() < 0.35:
                    t = self._in_hours(end + timedelta(minutes=rng.randint(90, 300)), owner.team)
                else:
                    t = self._later(end, owner.team, 1, 4)
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
                    self._lose(lead, self._later(end, owner.team, 5, 20), "no_decision")
                    return None
                t = self._later(end, owner.team, 2, 7)
            else:
                t = self._in_hours(end + timedelta(minutes=rng.randint(60, 4320)), owner.team)
        self._lose(lead, t, "unreachable")
        return None

    def _present(self, lead: _Lead, agreed: datetime, attempt: int = 0) -> None:
        """A presentation (inside sales, online) or meeting (field sales), scheduled then held or not."""
        rng = self.rng
        team = "field_sales" if lead.fields[8] and rng.random() < 0.7 else "inside_sales"
        if lead.owner.team != team or not lead.owner.active(agreed):
            lead.owner = self._pick_user(team, agreed)
        presenter = lead.owner
        self._version(lead, agreed, "qualified")
        kind = "meeting" if team == "field_sales" else "presentation"
        when = self._later(agreed, team, 1, 10)
        activity_id = self._activity(lead, presenter, when, kind, "outbound", "scheduled", None, updated=agreed)
        roll = rng.random()
        attend = 0.64 if lead.inbound else 0.58
        if roll < attend:
            seconds = rng.randint(1800, 5400)
            done = when + timedelta(seconds=seconds)
            self._activity(
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
                self._lose(lead, self._later(done, team, 3, 14), "no_need")
            return
        if roll < attend + 0.27:
            outcome, seconds = "no_show", 0
            updated = when + timedelta(minutes=rng.randint(20, 60))
        else:
            outcome, seconds = "cancelled", None
            updated = agreed + timedelta(seconds=int((when - agreed).total_seconds() * rng.uniform(0.2, 0.95)))
            updated = min(self._in_hours(updated, team), when - timedelta(minutes=30))
        self._activity(lead, presenter, when, kind, "outbound", outcome, seconds, activity_id, updated)
        if attempt == 0 and rng.random() < 0.35:
            self._present(lead, self._in_hours(updated + timedelta(minutes=rng.randint(30, 2880)), team), 1)
        else:
            self._lose(lead, self._later(updated, team, 1, 5), outcome)

    def _opportunity(self, lead: _Lead, owner: _User, after: datetime) -> None:
        rng = self.rng
        created = self._in_hours(after + timedelta(minutes=rng.randint(30, 4320)), owner.team)
        self.n_opp += 1
        opp = _Opp(f"OPP-{self.n_opp:06d}", lead, owner, created)
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
                opp.owner = self._pick_user(opp.owner.team, t)
            if stage == "proposal":
                opp.amount = int(base)
                self._activity(lead, opp.owner, t, "email", "outbound", "sent", None)
            elif stage == "negotiation":
                opp.amount = _round_amount(base * rng.uniform(0.88, 1.0), opp.currency)
            opp.stage = stage
            self._opp_version(opp, t)
            self.outbox.put("crm/opportunity_stage_history", t, (opp.opp_id, stage, _ts(t)))
            nxt = self._later(t, opp.owner.team, low, high)
            if rng.random() < p_lost:
                reason = str(self._opp_reasons.pick(rng))
                self._close(opp, nxt, "closed_lost", reason)
                self._version(lead, nxt, "lost", reason)
                return
            t = nxt
        self._close(opp, t, "closed_won", "")
        self._version(lead, t, "converted")
        if rng.random() < 0.45:
            self._signup(lead, t + timedelta(days=rng.randint(1, 21)), None)

    def _close(self, opp: _Opp, t: datetime, stage: str, reason: str) -> None:
        opp.stage = stage
        self._opp_version(opp, t, closed=t, reason=reason)
        self.outbox.put("crm/opportunity_stage_history", t, (opp.opp_id, stage, _ts(t)))

    def _opp_version(self, opp: _Opp, t: datetime, closed: datetime | None = None, reason: str = "") -> None:
        amount = _money(opp.amount) if opp.amount is not None else ""
        row = (
            opp.opp_id, opp.lead.lead_id, opp.owner.user_id, _ts(opp.created), _ts(t), opp.stage, amount,
            opp.currency, _ts(closed) if closed else "", reason,
        )  # fmt: skip
        self.outbox.put("crm/opportunities", t, row)

    def _signup(self, lead: _Lead, t: datetime, store: _Store | None) -> None:
        """The lead joins the loyalty programme: same e-mail and phone, written differently."""
        rng = self.rng
        if store is None:
            opened = [s for s in self.world.stores if s.opened <= t.date()]
            local = [s for s in opened if s.city == lead.fields[L_CITY]]
            store = rng.choice(local or opened)
        person = lead.person
        email = phone = ""
        if lead.fields[L_EMAIL] or rng.random() < 0.5:
            email = _rewrite(rng, lead.fields[L_EMAIL], EMAIL_STYLES, _write_email, person.email)
        if lead.fields[L_PHONE] or rng.random() < 0.5:
            phone = _rewrite(rng, lead.fields[L_PHONE], PHONE_STYLES, _write_phone, person.phone)
        consent = rng.random() < 0.7
        self.pos_signups.setdefault(t.date(), []).append((store, email, phone, consent, t))


# ---------------------------------------------------------------------------------------------------
# POS: door counts, receipts, loyalty customers
# ---------------------------------------------------------------------------------------------------

LINES_PER_RECEIPT = _Choice([(1, 40), (2, 25), (3, 15), (4, 10), (5, 6), (6, 4)])
MEAN_LINES = 2.29
ANONYMOUS_SHARE = 0.4
RETURN_SHARE = 0.031
PAYMENTS = _Choice([("card", 64), ("cash", 29), ("voucher", 7)])
# Repeat purchases: rate A per day right after the first purchase, decaying with time constant T days.
REPEAT_RATE = 1 / 120
REPEAT_DECAY_DAYS = 90.0


class _Pos:
    """Store traffic, sales and returns streamed day by day; loyalty customers and their repeat visits."""

    def __init__(self, seed: int, world: _World, outbox: _Outbox, people: _People, pos_signups):
        self.rng = random.Random(f"{seed}:pos")
        self.world, self.outbox, self.people = world, outbox, people
        self.pos_signups: dict[date, list[tuple]] = pos_signups
        self.stores = world.stores
        self.products = world.products
        self.prices = [p.price * 100 for p in self.products]  # current price in cents, changes over time
        self.price_changes: dict[date, list[tuple[int, int]]] = defaultdict(list)
        for i, p in enumerate(self.products):
            for when, price in p.price_changes:
                self.price_changes[when.date()].append((i, price * 100))
        self.product_choice = _Choice([(i, p.popularity) for i, p in enumerate(self.products)])
        # Visitors per store and day so that sales make about LINES_PER_DAY_AT_SCALE_1 lines a day.
        sales_per_day = LINES_PER_DAY_AT_SCALE_1 * world.scale / MEAN_LINES
        capacity = sum(s.size * s.conversion for s in self.stores)
        self.visitor_base = 1.08 * sales_per_day / capacity
        self.repeats: dict[date, list[tuple[str, int]]] = defaultdict(list)
        self.recent: list[list[tuple]] = [[] for _ in self.stores]  # returnable sales per store
        self.carry: list[tuple] = []  # CRM sign-ups whose store had no sale that day
        self.n_customer = self.n_receipt = 0

    # -- customers ----------------------------------------------------------------------------------

    def seed_customers(self, batch: _BatchWriter) -> None:
        """Loyalty members who joined before the first day; written straight into the first batch."""
        rng, world = self.rng, self.world
        new_per_day = LINES_PER_DAY_AT_SCALE_1 * world.scale / MEAN_LINES * (1 - ANONYMOUS_SHARE)
        new_per_day /= 1 + REPEAT_RATE * REPEAT_DECAY_DAYS
        history = int(3 * REPEAT_DECAY_DAYS)
        opened = [i for i, s in enumerate(self.stores) if s.opened < world.start]
        first_batch_end = batch.batch.last
        for _ in range(round(new_per_day * history)):
            store = rng.choice(opened)
            signed = _at(world.start - timedelta(days=rng.randint(1, history)), rng.randint(10 * 3600, 19 * 3600))
            row = self._new_customer(store, signed, first_batch_end)
            batch.write("pos/customers", row)

    def _new_customer(
        self,
        store: int,
        signed: datetime,
        first_batch_end: date | None = None,
        email: str | None = None,
        phone: str | None = None,
        consent: bool | None = None,
    ) -> tuple[str, ...]:
        """Create a customer, queue a later consent change and schedule repeat visits; returns its row."""
        rng = self.rng
        self.n_customer += 1
        n = self.n_customer
        customer_id = f"C{n:08d}"
        body = f"299{n:09d}"
        check = (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
        if email is None:
            person = self.people.make(rng)
            email = _write_email(person.email, EMAIL_STYLES.pick(rng)) if rng.random() < 0.7 else ""
            phone = _write_phone(person.phone, PHONE_STYLES.pick(rng)) if rng.random() < 0.65 else ""
        if consent is None:
            consent = rng.random() < 0.55
        stamp = _ts(signed)
        row = (
            customer_id,
            body + str(check),
            email,
            phone or "",
            self.stores[store].store_id,
            stamp,
            _bool(consent),
            stamp,
        )
        if rng.random() < 0.05:
            changed = _at(signed.date() + timedelta(days=rng.randint(5, 120)), rng.randint(8 * 3600, 20 * 3600))
            new_row = (*row[:6], _bool(not consent), _ts(changed))
            if first_batch_end is not None and changed.date() <= first_batch_end:
                row = new_row  # the first extract already holds the changed version
            else:
                self.outbox.put("pos/customers", changed, new_row)
        self._schedule_repeats(customer_id, store, signed.date())
        return row

    def _schedule_repeats(self, customer_id: str, home: int, first: date) -> None:
        """Repeat visits whose rate decays with the time since the first purchase (thinning)."""
        rng, world = self.rng, self.world
        tau = 0.0
        while True:
            tau += rng.expovariate(REPEAT_RATE)
            if tau > 3 * REPEAT_DECAY_DAYS:
                return
            if rng.random() >= math.exp(-tau / REPEAT_DECAY_DAYS):
                continue
            d = first + timedelta(days=max(1, int(tau)))
            if d > world.end:
                return
            if d >= world.start:
                store = home if rng.random() < 0.85 else rng.randrange(len(self.stores))
                self.repeats[d].append((customer_id, store))

    # -- a day of trading ---------------------------------------------------------------------------

    def day(self, d: date, batch: _BatchWriter) -> None:
        for index, cents in self.price_changes.pop(d, ()):
            self.prices[index] = cents
        due: list[list[str]] = [[] for _ in self.stores]
        for customer_id, store in self.repeats.pop(d, ()):
            due[store].append(customer_id)
        signups: list[list[tuple]] = [[] for _ in self.stores]
        for entry in self.carry + self.pos_signups.pop(d, []):
            signups[self.stores.index(entry[0])].append(entry)
        self.carry = []
        day_str = d.isoformat()
        season = WEEKDAY_FACTOR[d.weekday()] * MONTH_FACTOR[d.month - 1]
        if d.month == 11 and d.weekday() == 4 and d.day >= 22 and d.day + 7 > 30:
            season *= 2.5  # Black Friday
        for index, store in enumerate(self.stores):
            hours = store.hours(d)
            if hours:
                self._store_day(d, day_str, index, store, hours, season, due[index], signups[index], batch)
            else:
                self.carry.extend(signups[index])

    def _store_day(
        self,
        d: date,
        day_str: str,
        index: int,
        store: _Store,
        hours: range,
        season: float,
        due: list[str],
        signups: list[tuple],
        batch: _BatchWriter,
    ) -> None:
        rng = self.rng
        weights = [HOUR_WEIGHT.get(h, 0.5) for h in hours]
        scale = self.visitor_base * store.size * season / sum(weights)
        events: list[tuple[int, int, object]] = []  # (second of day, kind 0 sale / 1 return, payload)
        sales = 0
        for h, w in zip(hours, weights, strict=True):
            visitors = _poisson(rng, scale * w)
            batch.write("pos/store_traffic", (store.store_id, day_str, str(h), str(visitors)))
            bought = _binomial(rng, visitors, store.conversion)
            sales += bought
            for _ in range(bought):
                events.append((h * 3600 + rng.randrange(3600), 0, None))
        if not sales:
            self.carry.extend(signups)
            return
        for _ in range(_binomial(rng, sales, RETURN_SHARE)):
            if self.recent[index]:
                h = rng.choice(hours)
                events.append((h * 3600 + rng.randrange(3600), 1, rng.choice(self.recent[index])))
        events.sort(key=lambda e: (e[0], e[1]))
        identities = self._identities(index, sales, due, signups)
        keep = min(1.0, 25 / sales)
        fresh: list[tuple] = []
        slot = 0
        for second, kind, payload in events:
            occurred = f"{day_str} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            if kind:
                self._return(batch, store, occurred, payload)
                continue
            sale = self._sale(batch, d, store, index, occurred, identities[slot])
            slot += 1
            if rng.random() < keep:
                fresh.append(sale)
        recent = self.recent[index]
        for sale in fresh:
            if len(recent) < 300:
                recent.append(sale)
            else:
                recent[rng.randrange(300)] = sale

    def _identities(self, index: int, sales: int, due: list[str], signups: list[tuple]) -> list[object]:
        """Who buys in each sale slot: None (anonymous), a customer id, a CRM sign-up, or 'new'."""
        rng = self.rng
        identified = [rng.random() >= ANONYMOUS_SHARE for _ in range(sales)]
        needed = min(len(signups), sales) - sum(identified)
        for i in range(sales):
            if needed <= 0:
                break
            if not identified[i]:
                identified[i], needed = True, needed - 1
        slots = [i for i in range(sales) if identified[i]]
        self.carry.extend(signups[sales:])
        rng.shuffle(due)
        who: list[object] = list(signups[:sales]) + due
        who = who[: len(slots)] + ["new"] * max(0, len(slots) - len(who))
        rng.shuffle(who)
        result: list[object] = [None] * sales
        for i, identity in zip(slots, who, strict=True):
            result[i] = identity
        return result

    def _sale(self, batch: _BatchWriter, d: date, store: _Store, index: int, occurred: str, identity: object) -> tuple:
        rng = self.rng
        customer_id = ""
        if identity == "new":
            signed = datetime.fromisoformat(occurred) - timedelta(seconds=rng.randint(60, 480))
            row = self._new_customer(index, signed)
            self.outbox.put("pos/customers", signed, row)
            customer_id = row[0]
        elif isinstance(identity, tuple):  # a CRM lead joining the loyalty programme
            _, email, phone, consent, _ = identity
            signed = datetime.fromisoformat(occurred) - timedelta(seconds=rng.randint(60, 480))
            row = self._new_customer(index, signed, email=email, phone=phone, consent=consent)
            self.outbox.put("pos/customers", signed, row)
            customer_id = row[0]
        elif identity is not None:
            customer_id = str(identity)
        self.n_receipt += 1
        receipt_id = f"R{self.n_receipt:010d}"
        lines = []
        total = 0
        chosen: set[int] = set()
        for _ in range(LINES_PER_RECEIPT.pick(rng)):
            product = self.product_choice.pick(rng)
            for _retry in range(3):
                if product not in chosen and self.products[product].launched <= d:
                    break
                product = self.product_choice.pick(rng)
            else:
                continue
            chosen.add(product)
            price = self.prices[product]
            if self.products[product].by_weight:
                quarters = rng.choice((1, 2, 2, 4, 4, 4, 6, 8))
            else:
                quarters = 4 * (1 if rng.random() < 0.9 else rng.choice((2, 2, 3)))
            gross = quarters * price // 4
            discount = 0
            if rng.random() < 0.15:
                discount = gross * rng.choice((5, 10, 15, 20, 25)) // 10000 * 100
            lines.append((self.products[product].product_id, quarters, price, discount))
            total += gross - discount
        if not lines:  # every pick was a not-yet-launched product: buy the most popular one instead
            product = max(
                range(len(self.products)),
                key=lambda i: (self.products[i].launched <= d, self.products[i].popularity),
            )
            lines.append((self.products[product].product_id, 4, self.prices[product], 0))
            total = self.prices[product]
        payment = str(PAYMENTS.pick(rng))
        batch.write(
            "pos/receipts",
            (receipt_id, store.store_id, customer_id, occurred, _money(total), "HUF", payment, "false", ""),
        )
        self._write_lines(batch, receipt_id, lines, 1)
        return (receipt_id, customer_id, payment, tuple(lines))

    def _return(self, batch: _BatchWriter, store: _Store, occurred: str, sale: tuple) -> None:
        """A return of one line (or the whole receipt) of an earlier sale: negative quantities and amounts."""
        rng = self.rng
        original_id, customer_id, payment, lines = sale
        returned = list(lines) if rng.random() < 0.2 else [rng.choice(lines)]
        negative = [(product, -quarters, price, -discount) for product, quarters, price, discount in returned]
        total = sum(q * p // 4 - disc for _, q, p, disc in negative)
        self.n_receipt += 1
        receipt_id = f"R{self.n_receipt:010d}"
        batch.write(
            "pos/receipts",
            (
                receipt_id,
                store.store_id,
                customer_id,
                occurred,
                _money(total),
                "HUF",
                payment,
                "true",
                original_id,
            ),
        )
        self._write_lines(batch, receipt_id, negative, 1)

    @staticmethod
    def _write_lines(batch: _BatchWriter, receipt_id: str, lines: list[tuple], first: int) -> None:
        for number, (product_id, quarters, price, discount) in enumerate(lines, start=first):
            amount = quarters * price // 4 - discount
            quantity = f"{quarters / 4:.3f}"
            row = (
                receipt_id,
                str(number),
                product_id,
                quantity,
                _money(price),
                _money(discount),
                _money(amount),
            )
            batch.write("pos/receipt_lines", row)


# ---------------------------------------------------------------------------------------------------
# Marketing: spend per channel and campaign, exchange rates
# ---------------------------------------------------------------------------------------------------


class _Marketing:
    def __init__(self, seed: int, world: _World, spend_events):
        self.rng = random.Random(f"{seed}:marketing")
        self.world = world
        self.spend_events: dict[date, dict[tuple[str, str], int]] = spend_events
        self.eur = 398.0
        self.eurusd = 1.09
        self.budget = world.crm_factor  # spend follows the sales team's lead volume

    def day(self, d: date, batch: _BatchWriter) -> None:
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
            batch.write("marketing/spend", (d.isoformat(), channel, campaign_id, _money(cents), currency))

    def _campaign_spend(self, camp: _Campaign, d: date) -> tuple[int, str] | None:
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
        if key == "telemarketing" and _workday(d):
            agents = len([u for u in self.world.by_team["callcenter_partner"] if u.active(_at(d, 12 * 3600))])
            return round(agents * 8 * rng.uniform(4200, 4800) * 100), "HUF"
        return None

    def _fx(self, d: date, batch: _BatchWriter) -> None:
        rng = self.rng
        self.eur += 0.15 * (398.0 - self.eur) + rng.gauss(0, 1.2)
        self.eur = min(410.0, max(390.0, self.eur))
        self.eurusd += 0.1 * (1.09 - self.eurusd) + rng.gauss(0, 0.004)
        self.eurusd = min(1.13, max(1.05, self.eurusd))
        batch.write("marketing/fx_rates", (d.isoformat(), "EUR", f"{self.eur:.4f}"))
        batch.write("marketing/fx_rates", (d.isoformat(), "USD", f"{self.eur / self.eurusd:.4f}"))


# ---------------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------------


def _check_arguments(days: int, scale: float, dirty_rate: float, batch_days: int, fmt: str) -> None:
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
) -> GenerateSummary:
    """Write `days` days of extracts ending on `end_date` into `out`, one folder per `batch_days`."""
    _check_arguments(days, scale, dirty_rate, batch_days, fmt)
    out = Path(out)
    _check_output(out)
    out.mkdir(parents=True, exist_ok=True)
    start = end_date - timedelta(days=days - 1)
    batches = _plan_batches(start, end_date, batch_days)
    entities = contract.entities()
    dirty = _DirtyRun(dirty_rate, seed, fmt) if dirty_rate > 0 else None

    world = _World(seed, scale, start, end_date)
    outbox = _Outbox(batches, entities)
    world.emit(outbox)
    people = _People()
    pos_signups: dict[date, list[tuple]] = {}
    spend_events: dict[date, dict[tuple[str, str], int]] = {}
    crm = _Crm(seed, world, outbox, people, pos_signups, spend_events)
    pos = _Pos(seed, world, outbox, people, pos_signups)
    marketing = _Marketing(seed, world, spend_events)

    totals = dict.fromkeys(entities, 0)
    for index, batch in enumerate(batches):
        if dirty is not None:
            dirty.final = index == len(batches) - 1
        writer = _BatchWriter(out, batch, fmt, dirty)
        if index == 0:
            pos.seed_customers(writer)
        for d in batch.days():
            crm.day(d)
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
