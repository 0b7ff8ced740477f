"""The shops: door counts, receipts and returns streamed day by day, and the loyalty programme's members."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from funnel.generate.people import EMAIL_STYLES, PHONE_STYLES, People, write_email, write_phone
from funnel.generate.sampling import Choice, binomial, poisson
from funnel.generate.values import boolean, money, ts
from funnel.generate.world import Store, World, at
from funnel.generate.writers import BatchWriter, Outbox

# Calibration: scale 1 is about a million receipt lines a year.
LINES_PER_DAY_AT_SCALE_1 = 2740

HOUR_WEIGHT = {
    9: 0.5, 10: 0.7, 11: 0.85, 12: 1.0, 13: 1.0, 14: 0.9, 15: 0.95, 16: 1.1, 17: 1.3, 18: 1.25, 19: 0.9,
    20: 0.6,
}  # fmt: skip
WEEKDAY_FACTOR = (0.85, 0.9, 0.95, 1.0, 1.15, 1.35, 0.75)
MONTH_FACTOR = (0.8, 0.8, 0.9, 0.95, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.25, 1.5)

LINES_PER_RECEIPT = Choice([(1, 40), (2, 25), (3, 15), (4, 10), (5, 6), (6, 4)])
MEAN_LINES = 2.29
ANONYMOUS_SHARE = 0.4
RETURN_SHARE = 0.031
PAYMENTS = Choice([("card", 64), ("cash", 29), ("voucher", 7)])
# Repeat purchases follow the BG/NBD's story (Fader, Hardie and Lee 2005; docs/clv.md), so that the CLV
# models find what they assume: while alive, each member buys again as a Poisson process with their own
# rate lambda ~ Gamma(r, alpha) per day, and after each repeat purchase drops out for good with their own
# probability p ~ Beta(a, b). Customers differ in both, as real ones do; with one shared dropout the
# BG/NBD fit is degenerate (a and b run off to infinity).
REPEAT_RATE_SHAPE = 0.6  # r
REPEAT_RATE_SCALE_DAYS = 40.0  # alpha, in days: the mean rate is r / alpha = one purchase per 67 days
DROPOUT_A = 1.2  # a
DROPOUT_B = 3.0  # b: the mean dropout after a repeat purchase is a / (a + b) = 29%
# Members who joined before the first day: this many days of them are seeded.
SEED_HISTORY_DAYS = 270
# E[X(SEED_HISTORY_DAYS)] under the parameters above (FHL 2005 eq. 7): the repeat purchases a new member
# makes in that time. tests/test_generate.py recomputes it with funnel.clv.
EXPECTED_REPEATS_IN_SEED_HISTORY = 1.957


class Loyalty:
    """Loyalty members: who joins, when a consent changes, and when each member comes back."""

    def __init__(self, rng: random.Random, world: World, outbox: Outbox, people: People):
        self.rng, self.world, self.outbox, self.people = rng, world, outbox, people
        self.stores = world.stores
        self.repeats: dict[date, list[tuple[str, int]]] = defaultdict(list)  # day -> (customer id, store index)
        self.n_customer = 0

    def seed_customers(self, batch: BatchWriter) -> None:
        """Loyalty members who joined before the first day; written straight into the first batch."""
        rng, world = self.rng, self.world
        new_per_day = LINES_PER_DAY_AT_SCALE_1 * world.scale / MEAN_LINES * (1 - ANONYMOUS_SHARE)
        # In the steady state every new member brings their repeat purchases along, within the same sales.
        new_per_day /= 1 + EXPECTED_REPEATS_IN_SEED_HISTORY
        history = SEED_HISTORY_DAYS
        opened = [i for i, s in enumerate(self.stores) if s.opened < world.start]
        first_batch_end = batch.batch.last
        for _ in range(round(new_per_day * history)):
            store = rng.choice(opened)
            signed = at(world.start - timedelta(days=rng.randint(1, history)), rng.randint(10 * 3600, 19 * 3600))
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
            email = write_email(person.email, EMAIL_STYLES.pick(rng)) if rng.random() < 0.7 else ""
            phone = write_phone(person.phone, PHONE_STYLES.pick(rng)) if rng.random() < 0.65 else ""
        if consent is None:
            consent = rng.random() < 0.55
        stamp = ts(signed)
        row = (
            customer_id,
            body + str(check),
            email,
            phone or "",
            self.stores[store].store_id,
            stamp,
            boolean(consent),
            stamp,
        )
        if rng.random() < 0.05:
            changed = at(signed.date() + timedelta(days=rng.randint(5, 120)), rng.randint(8 * 3600, 20 * 3600))
            new_row = (*row[:6], boolean(not consent), ts(changed))
            if first_batch_end is not None and changed.date() <= first_batch_end:
                row = new_row  # the first extract already holds the changed version
            else:
                self.outbox.put("pos/customers", changed, new_row)
        self._schedule_repeats(customer_id, store, signed.date())
        return row

    def _schedule_repeats(self, customer_id: str, home: int, first: date) -> None:
        """Repeat visits as the BG/NBD has them: the member's own Poisson rate and own dropout after each."""
        rng, world = self.rng, self.world
        rate = rng.gammavariate(REPEAT_RATE_SHAPE, 1 / REPEAT_RATE_SCALE_DAYS)
        dropout = rng.betavariate(DROPOUT_A, DROPOUT_B)
        horizon = (world.end - first).days
        tau = 0.0
        while rate > 0:
            tau += rng.expovariate(rate)
            if tau > horizon:
                return
            d = first + timedelta(days=max(1, int(tau)))  # whole days; a repeat is never on the first day
            if d >= world.start:
                store = home if rng.random() < 0.85 else rng.randrange(len(self.stores))
                self.repeats[d].append((customer_id, store))
            if rng.random() < dropout:
                return

    def join(self, store: int, signed: datetime, email: str | None, phone: str | None, consent: bool | None) -> str:
        """A new member signs up at a till during the run (with a CRM lead's contacts, if given); returns its id."""
        row = self._new_customer(store, signed, email=email, phone=phone, consent=consent)
        self.outbox.put("pos/customers", signed, row)
        return row[0]


class Pos:
    """Store traffic, sales and returns streamed day by day, in the POS's own random stream."""

    def __init__(self, seed: int, world: World, outbox: Outbox, people: People, pos_signups):
        self.rng = random.Random(f"{seed}:pos")
        self.loyalty = Loyalty(self.rng, world, outbox, people)
        self.pos_signups: dict[date, list[tuple]] = pos_signups
        self.stores = world.stores
        self.products = world.products
        self.prices = [p.price * 100 for p in self.products]  # current price in cents, changes over time
        self.price_changes: dict[date, list[tuple[int, int]]] = defaultdict(list)
        for i, p in enumerate(self.products):
            for when, price in p.price_changes:
                self.price_changes[when.date()].append((i, price * 100))
        self.product_choice = Choice([(i, p.popularity) for i, p in enumerate(self.products)])
        # Visitors per store and day so that sales make about LINES_PER_DAY_AT_SCALE_1 lines a day.
        sales_per_day = LINES_PER_DAY_AT_SCALE_1 * world.scale / MEAN_LINES
        capacity = sum(s.size * s.conversion for s in self.stores)
        self.visitor_base = 1.08 * sales_per_day / capacity
        self.recent: list[list[tuple]] = [[] for _ in self.stores]  # returnable sales per store
        self.carry: list[tuple] = []  # CRM sign-ups whose store had no sale that day
        # Repeat visits their store could not serve (closed, or every identified sale taken): they come
        # back the next day rather than vanish, since a lost purchase with the dropout after it still
        # applied would break the BG/NBD story the members follow.
        self.late: list[tuple[str, int]] = []
        self.n_receipt = 0

    def day(self, d: date, batch: BatchWriter) -> None:
        """One day of every open store: door counts, sales, returns; CRM sign-ups join at the till."""
        for index, cents in self.price_changes.pop(d, ()):
            self.prices[index] = cents
        due: list[list[str]] = [[] for _ in self.stores]
        for customer_id, store in self.loyalty.repeats.pop(d, ()):
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
                self.late.extend((customer_id, index) for customer_id in due[index])
        self.loyalty.repeats[d + timedelta(days=1)].extend(self.late)
        self.late = []

    def _store_day(
        self,
        d: date,
        day_str: str,
        index: int,
        store: Store,
        hours: range,
        season: float,
        due: list[str],
        signups: list[tuple],
        batch: BatchWriter,
    ) -> None:
        """One open store's day: visitors per hour, then its sales and returns in time order."""
        rng = self.rng
        weights = [HOUR_WEIGHT.get(h, 0.5) for h in hours]
        scale = self.visitor_base * store.size * season / sum(weights)
        events: list[tuple[int, int, object]] = []  # (second of day, kind 0 sale / 1 return, payload)
        sales = 0
        for h, w in zip(hours, weights, strict=True):
            visitors = poisson(rng, scale * w)
            batch.write("pos/store_traffic", (store.store_id, day_str, str(h), str(visitors)))
            bought = binomial(rng, visitors, store.conversion)
            sales += bought
            for _ in range(bought):
                events.append((h * 3600 + rng.randrange(3600), 0, None))
        if not sales:
            self.carry.extend(signups)
            self.late.extend((customer_id, index) for customer_id in due)
            return
        for _ in range(binomial(rng, sales, RETURN_SHARE)):
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
        self.late.extend((customer_id, index) for customer_id in who[len(slots) :])  # only repeats are left over
        who = who[: len(slots)] + ["new"] * max(0, len(slots) - len(who))
        rng.shuffle(who)
        result: list[object] = [None] * sales
        for i, identity in zip(slots, who, strict=True):
            result[i] = identity
        return result

    def _sale(self, batch: BatchWriter, d: date, store: Store, index: int, occurred: str, identity: object) -> tuple:
        rng = self.rng
        customer_id = ""
        if identity == "new" or isinstance(identity, tuple):  # a new member, or a CRM lead joining
            signed = datetime.fromisoformat(occurred) - timedelta(seconds=rng.randint(60, 480))
            _, email, phone, consent, _ = identity if isinstance(identity, tuple) else (None,) * 5
            customer_id = self.loyalty.join(index, signed, email, phone, consent)
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
            (receipt_id, store.store_id, customer_id, occurred, money(total), "HUF", payment, "false", ""),
        )
        self._write_lines(batch, receipt_id, lines, 1)
        return (receipt_id, customer_id, payment, tuple(lines))

    def _return(self, batch: BatchWriter, store: Store, occurred: str, sale: tuple) -> None:
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
                money(total),
                "HUF",
                payment,
                "true",
                original_id,
            ),
        )
        self._write_lines(batch, receipt_id, negative, 1)

    @staticmethod
    def _write_lines(batch: BatchWriter, receipt_id: str, lines: list[tuple], first: int) -> None:
        for number, (product_id, quarters, price, discount) in enumerate(lines, start=first):
            amount = quarters * price // 4 - discount
            quantity = f"{quarters / 4:.3f}"
            row = (
                receipt_id,
                str(number),
                product_id,
                quantity,
                money(price),
                money(discount),
                money(amount),
            )
            batch.write("pos/receipt_lines", row)
