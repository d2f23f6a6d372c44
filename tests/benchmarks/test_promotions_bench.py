"""Promotions benchmark from the promotions issue: "Reprice a 100-line basket with 500 active
promotions (the till reprices on every scan): p50/p99, aim p99 under 5 ms."

The till reprices in memory (the promotion set is loaded once, off the UI thread), so this runs on
the domain alone: a Basket with a PromotionSet of 500 promotions of every kind over a 5,000-product
demo catalog. Each timed step is one scan: add a product to a basket of 100-109 lines (the issue's
100-line basket; and, for a harder case, of 100-199 lines), then totals(),
which runs the engine over every line. The engine keeps, in the promotion set, what it worked out for
a line and for a group of lines sharing buy-X-get-Y offers, so a scan works those out again only for
what it changed, as it would at the till (the warm-up run fills them for other baskets). The baseline,
in the same run, is the same scans on the same baskets with no promotions, i.e. what the till cost
before promotions.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from datetime import datetime
from decimal import Decimal

import pytest

from benchlib import aim, emit, load, pct
from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.catalog import Product
from posapp.domain.pricing import PromotionSet
from posapp.domain.promotions import Kind, Promotion, Tier

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(1800)]

CATALOG = 5000
PROMOTIONS = 500
BASKET_LINES = 100
SHORT = 110  # the 100-line basket: each basket takes 10 scans, then a new one
LONG = 200  # a long basket: 100 to 199 lines
SCANS = 2000
AIM_MS = 5
NOW = (datetime(2026, 11, 23, 6, 0), datetime(2026, 11, 23, 14, 0))


def _catalog() -> list[Product]:
    return [Product(id=i, sku=s.sku, name=s.name, price=s.price, tax_class="standard", tax_rate=Decimal(13),
                    unit=s.unit, weighed=s.weighed, active=True, category=s.category)
            for i, s in enumerate(demo_products(CATALOG), start=1)]


def _promotions(products: list[Product], rng: random.Random) -> list[Promotion]:
    """500 promotions in a realistic mix: mostly per-product prices, some category offers,
    a few basket-wide thresholds, coupons and gifts."""
    pieces = [p for p in products if not p.weighed]
    categories = sorted({p.category for p in products})
    found: list[Promotion] = []

    def add(kind, **kw):
        n = len(found) + 1
        found.append(Promotion(id=n, code=f"P{n:04d}", name=f"促销{n}", kind=kind, priority=rng.randint(0, 5), **kw))

    for _ in range(200):
        p = rng.choice(pieces)
        add(Kind.SPECIAL_PRICE, products=frozenset({p.sku}), price=(p.price * Decimal("0.8")).quantize(Decimal("0.01")))
    for _ in range(130):
        add(Kind.PERCENT_OFF, products=frozenset(x.sku for x in rng.sample(pieces, 5)), percent=Decimal(rng.choice([5, 10, 15])))
    for _ in range(20):
        add(Kind.PERCENT_OFF, categories=(rng.choice(categories),), percent=Decimal(8), stackable=rng.random() < 0.3)
    for _ in range(60):
        add(Kind.BUY_X_GET_Y, categories=(rng.choice(categories),), buy=rng.choice([1, 2, 3]), get=1)
    for i in range(40):
        add(Kind.THRESHOLD, group=f"满减{i % 4}", tiers=(Tier(Decimal(200), Decimal(20)), Tier(Decimal(500), Decimal(60))),
            categories=(rng.choice(categories),) if i % 2 else ())
    for i in range(30):
        add(Kind.COUPON, coupon_code=f"C{i:03d}", amount=Decimal(10), threshold=Decimal(100), group="券")
    for i in range(20):
        add(Kind.GIFT, gift_sku=pieces[i].sku, threshold=Decimal(300 + 50 * i), group="赠品")
    assert len(found) == PROMOTIONS
    return found


def _stats(values: list[float]) -> str:
    s = sorted(v * 1e3 for v in values)
    return (f"p50 {pct(s, 50):7.2f}  p90 {pct(s, 90):7.2f}  p99 {pct(s, 99):7.2f}  max {s[-1]:7.2f}  "
            f"mean {statistics.fmean(s):7.2f}  (n={len(s):,})")


def _run(offers, pool, seed: int, upto: int):
    """Time SCANS scans on baskets that start at BASKET_LINES lines; a new basket when one reaches upto."""
    rng = random.Random(seed)
    times, applied = [], []
    basket = None
    for _ in range(SCANS):
        if basket is None or len(basket.lines) >= upto:
            basket = Basket(offers=offers, clock=lambda: NOW)
            basket.add_coupon("C001")
            for p in rng.sample(pool, BASKET_LINES):
                basket.add(p, qty=Decimal(rng.choice([1, 1, 1, 2, 3])))
            basket.totals()
        product = rng.choice(pool)
        t = time.perf_counter()
        basket.add(product, qty=Decimal(rng.choice([1, 1, 2])))
        totals = basket.totals()
        times.append(time.perf_counter() - t)
        applied.append(len(totals.promotions))
        assert totals.total >= 0
    return times, applied


def test_reprice_with_500_promotions():
    products = _catalog()
    rng = random.Random(4)
    offers = PromotionSet(_promotions(products, rng), gift_products={p.sku: p for p in products})
    pool = [p for p in products if not p.weighed]
    load_before = load()
    gc.collect()
    gc.freeze()  # as the till does once it has loaded the promotions (posapp/ui/till_offers.py)
    _run(offers, pool, seed=1, upto=LONG)  # warm
    runs = {}
    for label, upto in (("100", SHORT), ("long", LONG)):
        with_promos, applied = _run(offers, pool, seed=2, upto=upto)
        without, _none = _run(None, pool, seed=2, upto=upto)
        runs[label] = (with_promos, applied, without)
    load_after = load()
    p99 = pct(sorted(runs["100"][0]), 99) * 1000
    lines = [
        f"{CATALOG:,} demo products in memory; promotions: 200 special prices, 130 percent-off on 5 SKUs, 20 "
        "category percent-off (some stackable),",
        "  60 buy-X-get-Y on categories, 40 thresholds in 4 groups, 30 coupons (one entered), 20 gifts",
        "timed: Basket.add of one product + totals() (the engine reprices every line; what it worked out for a",
        "  line or a buy-X-get-Y group that did not change is kept in the promotion set; gc.freeze() as the till)",
    ]
    for label, title in (("100", f"the issue's basket: {BASKET_LINES}-{SHORT - 1} lines before the scan"),
                         ("long", f"long baskets: {BASKET_LINES}-{LONG - 1} lines before the scan")):
        with_promos, applied, without = runs[label]
        lines += [
            f"{title}:",
            f"  with the promotions              {_stats(with_promos)}",
            f"  promotions used per basket       mean {statistics.fmean(applied):.1f}, max {max(applied)}",
            f"  baseline, no promotions          {_stats(without)}",
            f"  ratio at p50: {pct(sorted(with_promos), 50) / pct(sorted(without), 50):.1f}x",
        ]
    lines += [f"aim (the issue's basket): p99 < {AIM_MS} ms ... {aim(p99 < AIM_MS)} (p99 {p99:.2f} ms)",
              f"load average before {load_before}, after {load_after}"]
    emit(f"8. Reprice on every scan: {BASKET_LINES}-line basket, {PROMOTIONS} active promotions (milliseconds)",
         lines)
