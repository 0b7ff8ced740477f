"""People: names, e-mails and phones unique across a run, written in the many ways people write them."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from funnel.generate.sampling import Choice

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
PRIVATE_DOMAINS = (
    ("gmail.com", 40), ("freemail.hu", 20), ("citromail.hu", 8), ("yahoo.com", 8), ("t-online.hu", 6),
    ("outlook.com", 10), ("hotmail.com", 8),
)  # fmt: skip
MOBILE_PREFIXES = (("20", 35), ("30", 35), ("70", 22), ("31", 4), ("50", 4))


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _slug(text: str) -> str:
    return "".join(c for c in _ascii(text) if c.isalnum())


@dataclass(frozen=True)
class Person:
    name: str
    email: str  # canonical, lower case
    phone: str  # national number without prefix, e.g. "301234567" or "12345678"


class People:
    """Makes persons with e-mails and phone numbers that are unique across the whole run."""

    def __init__(self) -> None:
        self.count = 0
        self._domains = Choice(PRIVATE_DOMAINS)
        self._mobile = Choice(MOBILE_PREFIXES)

    def make(self, rng: random.Random, company: str = "") -> Person:
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
        return Person(name, f"{local}@{domain}", prefix + digits)


def write_email(email: str, style: int) -> str:
    """An e-mail address as someone typed it: upper case, capitalised, with stray spaces."""
    local, domain = email.split("@")
    return (
        email,
        email.upper(),
        ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize(),
        f" {email} ",
        f"{local}@{domain.upper()}",
        f"{email} ",
    )[style]


EMAIL_STYLES = Choice([(0, 50), (1, 6), (2, 20), (3, 8), (4, 8), (5, 8)])


def write_phone(national: str, style: int) -> str:
    """A national number with one of the prefixes and groupings Hungarians write: +36, 06, 0036."""
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


PHONE_STYLES = Choice([(0, 30), (1, 25), (2, 12), (3, 8), (4, 12), (5, 8), (6, 5)])


def rewrite(rng: random.Random, value: str, styles: Choice, writer: Callable[[str, int], str], canon: str) -> str:
    """The same contact written in another style than `value` (so only normalisation matches them)."""
    for _ in range(20):
        other = writer(canon, styles.pick(rng))
        if other != value:
            return other
    return writer(canon, 1 if writer(canon, 0) == value else 0)
