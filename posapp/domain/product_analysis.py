"""Products and categories over a period: net sales, margin, share and ABC (Pareto) class.

Pure arithmetic on sums the database already made. The ABC rule: products sorted by net sales,
highest first (ties by SKU); a product is A while the share of the products before it is below 80%,
so A is the shortest run from the top whose share reaches 80%; then B while the share before it is
below 95%; the rest are C. A product with no positive net sales is always C.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from posapp.domain.money import round_money

ZERO = Decimal(0)
A_SHARE, B_SHARE = Decimal("0.80"), Decimal("0.95")


def abc_classes(amounts: Iterable[tuple[str, Decimal]]) -> dict[str, str]:
    """Key -> "A", "B" or "C", from (key, net sales) pairs; keys unique."""
    items = sorted(amounts, key=lambda kv: (-kv[1], kv[0]))
    total = sum((v for _k, v in items if v > 0), ZERO)
    found, before = {}, ZERO
    for key, value in items:
        if value <= 0 or total <= 0:
            found[key] = "C"
            continue
        found[key] = "A" if before < A_SHARE * total else "B" if before < B_SHARE * total else "C"
        before += value
    return found


def share(part: Decimal, total: Decimal) -> Decimal:
    """part / total as a fraction (0 when the total is not positive)."""
    return part / total if total > 0 else ZERO


def tax_in(gross: Decimal, rate: Decimal, *, places: int) -> Decimal:
    """The tax inside a tax-inclusive amount at rate percent, rounded half up as the till does."""
    return round_money(gross * rate / (100 + rate), places)


def margin_of(net_ex_tax: Decimal, units: Decimal, cost: Decimal | None, *, places: int) -> Decimal | None:
    """Net sales without tax less the units at the product's unit cost; None when the cost is unknown."""
    return None if cost is None else round_money(net_ex_tax - units * cost, places)


@dataclass(frozen=True)
class ProductLine:
    product_id: int
    sku: str
    name: str
    category: str  # the product's category path now; "" for none
    units: Decimal  # sold less returned
    net: Decimal  # what customers paid after every discount, less refunds, as the till shows it
    net_ex_tax: Decimal  # net without the tax in it
    cost: Decimal | None  # the product's unit cost now
    margin: Decimal | None  # None: cost unknown
    share: Decimal = ZERO  # of the period's net sales, a fraction
    abc: str = "C"


@dataclass(frozen=True)
class CategoryLine:
    path: str  # "" for products without a category
    units: Decimal
    net: Decimal
    margin: Decimal  # of the products with a known cost
    share: Decimal
    products: int
    costless: int  # products whose margin is unknown (left out of margin)


@dataclass(frozen=True)
class SlowMover:
    product_id: int
    sku: str
    name: str
    category: str
    on_hand: Decimal  # sellable stock
    value: Decimal  # on hand at cost, or at price when the cost is unknown
    at_cost: bool
    last_sold: datetime | None  # naive UTC; None: never sold in this store


@dataclass(frozen=True)
class ProductReport:
    store: str
    start: date  # store-local days, inclusive
    end: date
    currency: str
    places: int
    slow_days: int
    total: Decimal
    products: tuple[ProductLine, ...]
    categories: tuple[CategoryLine, ...]
    top_categories: tuple[CategoryLine, ...]
    slow_movers: tuple[SlowMover, ...]

    def to_json(self) -> dict:
        """Money as strings with the currency's decimals; shares as percent with one decimal; last_sold
        as naive UTC (ISO), as stored."""
        m = lambda v: None if v is None else f"{v:.{self.places}f}"  # noqa: E731
        pct = lambda v: f"{v * 100:.1f}"  # noqa: E731

        def cat(c: CategoryLine) -> dict:
            return {"path": c.path, "units": _qty(c.units), "net_sales": m(c.net), "margin": m(c.margin),
                    "share_pct": pct(c.share), "products": c.products, "without_cost": c.costless}

        return {
            "store": self.store, "from": self.start.isoformat(), "to": self.end.isoformat(),
            "currency": self.currency, "net_sales": m(self.total), "slow_days": self.slow_days,
            "products": [{"sku": p.sku, "name": p.name, "category": p.category, "units": _qty(p.units),
                          "net_sales": m(p.net), "net_ex_tax": m(p.net_ex_tax), "cost": m(p.cost),
                          "margin": m(p.margin), "share_pct": pct(p.share), "abc": p.abc}
                         for p in self.products],
            "categories": [cat(c) for c in self.categories],
            "top_categories": [cat(c) for c in self.top_categories],
            "slow_movers": [{"sku": s.sku, "name": s.name, "category": s.category, "on_hand": _qty(s.on_hand),
                             "value": m(s.value), "valued_at": "cost" if s.at_cost else "price",
                             "last_sold": s.last_sold.isoformat() if s.last_sold else None}
                            for s in self.slow_movers]}


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def analyse(lines: Iterable[ProductLine]) -> tuple[ProductLine, ...]:
    """The lines with their share and ABC class, highest net sales first."""
    lines = list(lines)
    total = sum((p.net for p in lines), ZERO)
    classes = abc_classes((p.sku, p.net) for p in lines)
    done = [ProductLine(**{**p.__dict__, "share": share(p.net, total), "abc": classes[p.sku]}) for p in lines]
    return tuple(sorted(done, key=lambda p: (-p.net, p.sku)))


def by_category(lines: Iterable[ProductLine], *, top: bool = False) -> tuple[CategoryLine, ...]:
    """Sums by category path, or (top) by its first level; sorted by path."""
    groups: dict[str, list[ProductLine]] = {}
    for p in lines:
        key = p.category.split("/", 1)[0] if top else p.category
        groups.setdefault(key, []).append(p)
    total = sum((p.net for ps in groups.values() for p in ps), ZERO)
    found = []
    for path, ps in sorted(groups.items()):
        net = sum((p.net for p in ps), ZERO)
        found.append(CategoryLine(path=path, units=sum((p.units for p in ps), ZERO), net=net,
                                  margin=sum((p.margin for p in ps if p.margin is not None), ZERO),
                                  share=share(net, total), products=len(ps),
                                  costless=sum(1 for p in ps if p.margin is None)))
    return tuple(found)
