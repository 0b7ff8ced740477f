"""Random draws the simulators make many times a day, kept fast and free of numpy."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence


def _cum(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class Choice:
    """Weighted choice by bisection over cumulative weights (much faster than random.choices)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        self.cum = _cum([w for _, w in pairs])
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count; a rounded normal above 40, where the product of uniforms gets slow."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial count; a rounded normal above 200 trials."""
    if n > 200:
        mean = n * p
        return min(n, max(0, round(rng.gauss(mean, math.sqrt(mean * (1 - p))))))
    rand = rng.random
    return sum(1 for _ in range(n) if rand() < p)
