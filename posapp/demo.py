"""A demo store: a deterministic Chinese supermarket catalog, staff and store settings.

Products are combinations of brand x product x variant x size, so any count up to a million is
quick; names, prices, VAT rates and GS1 China (690-699) barcodes look like a real shop's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

from posapp.demo_words import DEPARTMENTS, EDITIONS, VARIANTS, WEIGHED
from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, base_code, gtin_check_digit
from posapp.domain.catalog import ProductSpec
from posapp.domain.users import Role

WEIGHED_SHARE = 0.02
SECOND_BARCODE_SHARE = 0.05
WEIGHT_PREFIX = "25"
WEIGHT_RULE = next(r for r in DEFAULT_EMBEDDED_RULES if r.prefix == WEIGHT_PREFIX)
FIRST_SCALE_ITEM = 10001  # scale item codes 10001-99999; lower ones are left for the store's own

# The lowest SKUs: each department in this order ("W" weighed), three times, so ten products vary.
HEAD_ORDER = ("乳制品", "生鲜果蔬W", "饮料", "零食W", "肉禽蛋W", "粮油", "调味品", "日用品", "个人护理", "酒类", "冷冻食品")
HEAD_ROUNDS = 3
# Cents shops end prices with (.90 most, then .50, .00, .80), by the raw cents 0-99; -10 is the
# yuan below's .90 (12.05 -> 11.90). Above 100 yuan: whole yuan ending in 0, 8 or 9 (128.00, 499.00).
_CENTS = tuple(-10 if c < 12 else 0 if c < 30 else 50 if c < 55 else 80 if c < 72 else 90 for c in range(100))
_YUAN = (0, -1, -2, -3, -4, 3, 2, 1, 0, 0)
_TAX = {"9": Decimal("9"), "13": Decimal("13")}


@dataclass(frozen=True)
class _Combo:
    dept: str
    category: str
    name: str
    name_en: str
    unit: str
    tax: Decimal
    price: float  # typical price, before the jitter and the shop's endings
    brand: str  # whose GS1 company prefix the barcode has ("" for weighed goods)


def _pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(p.split(":", 1)) for p in text.split(",")]  # type: ignore[misc]


def _packaged(rng: random.Random) -> list[_Combo]:
    combos = []
    for dept, brand_text, lines in DEPARTMENTS:
        brands = _pairs(brand_text)
        factor = [rng.uniform(0.85, 1.25) for _ in brands]  # some brands are dearer
        for line in lines:
            sub, zh, en, unit, tax, group, sizes, *only = line.split("|")
            for b in [int(i) for i in only[0]] if only else range(len(brands)):
                for v, (vzh, ven) in enumerate(_pairs(VARIANTS[group])):
                    ven += " " if ven else ""
                    for size in sizes.split(";"):
                        label, price = size.rsplit(" ", 1)
                        szh, _, sen = label.partition("/")
                        combos.append(_Combo(
                            dept, f"{dept}/{sub}", f"{brands[b][0]} {vzh}{zh} {szh}",
                            f"{brands[b][1]} {ven}{en} {sen or szh}", unit, _TAX[tax],
                            float(price) * factor[b] * (1.12 if v else 1.0), brands[b][0]))
    return combos


def _weighed() -> list[_Combo]:
    return [
        _Combo(dept + "W", f"{dept}/{sub}", f"{ozh} {zh} 散称", f"{oen} {en} (per kg)", "kg", _TAX[tax], float(price), "")
        for dept, origin_text, lines in WEIGHED
        for ozh, oen in _pairs(origin_text)
        for sub, zh, en, tax, price in (line.split("|") for line in lines)
    ]


class _Pool:
    """Combinations in shuffled order, reshuffled for each new edition once all are used."""

    def __init__(self, combos: list[_Combo], rng: random.Random) -> None:
        self.combos, self.rng, self.pos, self.edition, self.used = combos, rng, 0, 0, set()
        rng.shuffle(self.combos)

    def take_from(self, dept: str) -> tuple[_Combo, int]:
        """The first unused combination of dept; only for the lowest SKUs, in the first round."""
        i = next(i for i, c in enumerate(self.combos) if c.dept == dept and i not in self.used)
        self.used.add(i)
        return self.combos[i], 0

    def take(self) -> tuple[_Combo, int]:
        while True:
            if self.pos == len(self.combos):
                self.pos, self.edition, self.used = 0, self.edition + 1, set()
                self.rng.shuffle(self.combos)
            i, self.pos = self.pos, self.pos + 1
            if i not in self.used:
                return self.combos[i], self.edition


class _Codes:
    """GS1 China EAN-13s (69 + 5-digit company number per brand + 5 item digits) and scale item codes."""

    def __init__(self) -> None:
        self.companies: dict[str, list] = {}  # brand -> [company prefix, its check part, last item]
        self.item_part: dict[int, int] = {}
        self.allocated = 0
        self.scale_item = FIRST_SCALE_ITEM

    def ean(self, brand: str) -> str:
        company = self.companies.get(brand)
        if company is None or company[2] == 99999:
            # An affine map of 0..99999 onto itself: distinct prefixes, scattered over 690-699.
            prefix = f"69{(self.allocated * 7919 + 35711) % 100000:05d}"
            self.allocated += 1
            company = self.companies[brand] = [prefix, int(gtin_check_digit(prefix + "00000")), 0]
        company[2] = item = company[2] + 1
        # The check digit is linear in the digits, so the prefix's and the item's parts add up
        # (mod 10); caching the item parts makes a million codes several seconds quicker.
        part = self.item_part.get(item)
        if part is None:
            part = self.item_part[item] = int(gtin_check_digit(f"0000000{item:05d}"))
        return f"{company[0]}{item:05d}{(company[1] + part) % 10}"

    def scale(self) -> str:
        """A zero-weight code that a scale label for this item scans back to."""
        self.scale_item += 1
        return base_code(prefix=WEIGHT_PREFIX, item=f"{self.scale_item - 1:05d}", rule=WEIGHT_RULE)


_SIZE = re.compile(r"^\d+(\.\d+)?(g|kg|ml|L)(\*\d+)?$")


def _shop_price(raw: float) -> int:
    """Cents for a raw price, ending the way shops price: 3.50, 12.90, 39.80, 128.00, 499.00."""
    if raw >= 100:
        yuan = round(raw)
        return (yuan + _YUAN[yuan % 10]) * 100
    cents = max(round(raw * 100), 50)
    return cents - cents % 100 + _CENTS[cents % 100]


def _product(n: int, combo: _Combo, edition: int, *, rng: random.Random, codes: _Codes, money: dict) -> ProductSpec:
    cents = _shop_price(combo.price * rng.uniform(0.93, 1.07))
    price = money.get(cents) or money.setdefault(cents, Decimal(cents).scaleb(-2))
    name, name_en = combo.name, combo.name_en
    if edition:
        zh, en = EDITIONS[edition - 1] if edition <= len(EDITIONS) else (f"{edition}号款", f"Style {edition}")
        name, name_en = f"{name} {zh}", f"{name_en} {en}"
    if combo.unit == "kg":
        barcodes: tuple[str, ...] = (codes.scale(),)
    elif rng.random() < SECOND_BARCODE_SHARE:  # a multipack's, or the old packaging's
        barcodes = (codes.ean(combo.brand), codes.ean(combo.brand))
    else:
        barcodes = (codes.ean(combo.brand),)
    size = combo.name_en.rsplit(" ", 1)[-1]
    return ProductSpec(
        sku=f"D{n + 1:07d}", name=name, name_en=name_en, price=price, barcodes=barcodes, category=combo.category,
        unit=combo.unit, weighed=combo.unit == "kg", active=True, tax_rate=combo.tax,
        content=size if _SIZE.match(size) else "",
    )


def demo_products(count: int = 3000, *, seed: int = 2026) -> list[ProductSpec]:
    """count demo products, the same for the same seed; a shorter list is a prefix of a longer one."""
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    packaged, weighed = _Pool(_packaged(rng), rng), _Pool(_weighed(), rng)
    codes, money = _Codes(), {}
    head = list(HEAD_ORDER) + [d.rstrip("W") for d in HEAD_ORDER] * (HEAD_ROUNDS - 1)  # weighed once
    products = []
    for n in range(count):
        if n < len(head):
            combo, edition = (weighed if head[n].endswith("W") else packaged).take_from(head[n])
        elif codes.scale_item <= 99999 and rng.random() < WEIGHED_SHARE:
            combo, edition = weighed.take()
        else:
            combo, edition = packaged.take()
        products.append(_product(n, combo, edition, rng=rng, codes=codes, money=money))
    return products


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: Role
    pin: str


# Memorable PINs for trying the demo; the real staff list replaces these.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "管理员", Role.ADMIN, "9999"),
    DemoUser("manager", "店长", Role.MANAGER, "8888"),
    DemoUser("supervisor", "值班主管", Role.SUPERVISOR, "7777"),
    DemoUser("cashier1", "收银员 1号", Role.CASHIER, "1111"),
    DemoUser("cashier2", "收银员 2号", Role.CASHIER, "2222"),
)

# Fictitious: the address is made up and the tax id only has the right form and check character.
DEMO_STORE: dict[str, str] = {
    "code": "S001",
    "name": "示范门店 Demo Store",
    "address": "上海市浦东新区示范路 88 号",
    "tax_id": "91310115MA1K4D0Q7E",
    "currency": "CNY",
    "locale": "zh_CN",
    "timezone": "Asia/Shanghai",
}
