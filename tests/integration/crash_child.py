"""The victim of tests/integration/test_crash.py: completes sales in a tight loop until it is killed.

    python crash_child.py DB_URL [SEED] [MAX_SECONDS]

The database must already hold the demo catalog (demo_products(30)), the cashier CASHIER and an
open shift on S001/T01. For each sale it writes one line to stdout with a single write(2):

    +                 a sale is about to be completed (the transaction may be open when killed)
    S001-T01-000042   that sale was committed (complete_sale returned)

so the parent knows which sales were acknowledged, and whether the kill landed inside a sale.
It reads nothing; it stops by itself (exit 0) when its parent is gone (re-parented, or the stdout
pipe is closed) or after MAX_SECONDS, so it can never be left behind selling forever.
"""

from __future__ import annotations

import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from posapp.demo import demo_products  # noqa: E402
from posapp.domain.basket import Basket  # noqa: E402
from posapp.domain.tender import Tendering, quick_cash_amounts  # noqa: E402
from posapp.services import checkout  # noqa: E402
from posapp.services.station import Station  # noqa: E402
from posapp.storage import db as dbmod  # noqa: E402
from posapp.storage.uow import UnitOfWork  # noqa: E402

CASHIER = "crash"
CATALOG_SIZE = 30
STATION = Station(store_code="S001", terminal_code="T01", currency="CNY")
CASH_INCREMENT = Decimal("0.10")
CENT = Decimal("0.01")


def random_basket(rng: random.Random, products) -> Basket:
    """1-6 distinct products, pieces 1-5 or 0.050-3.000 kg, sometimes a basket discount."""
    basket = Basket(currency_places=STATION.places)
    for product in rng.sample(products, rng.randint(1, 6)):
        qty = Decimal(rng.randint(50, 3000)) / 1000 if product.weighed else Decimal(rng.randint(1, 5))
        basket.add(product, qty=qty, barcode=product.barcodes[0] if product.barcodes else "")
    if rng.random() < 0.2:
        basket.set_basket_discount(percent=Decimal(rng.choice([5, 10, 15])))
    return basket


def random_tendering(rng: random.Random, basket: Basket) -> Tendering:
    """All cash, or part card and the rest cash; the cash is exact or a rounder note."""
    tendering = Tendering(total=basket.totals().total, cash_increment=CASH_INCREMENT, places=STATION.places)
    owed = tendering.remaining
    if rng.random() < 0.5 and owed > CENT:
        card = min(max((owed * Decimal(rng.randint(10, 99)) / 100).quantize(CENT), CENT), owed - CENT)
        tendering.add("card", card, reference=f"AUTH{rng.randint(0, 999999):06d}")
    tendering.add("cash", rng.choice(quick_cash_amounts(tendering.cash_due)))
    assert tendering.is_paid, tendering.remaining
    return tendering


def _say(text: str) -> None:
    os.write(1, (text + "\n").encode())  # one write(2): a line is seen whole or not at all


def main(argv: list[str]) -> int:
    url = argv[1]
    rng = random.Random(int(argv[2]) if len(argv) > 2 else None)
    deadline = time.monotonic() + (float(argv[3]) if len(argv) > 3 else 120.0)
    parent = os.getppid()
    database = dbmod.bind(url)
    try:
        uow = UnitOfWork(dbmod.database)
        cashier = uow.users.by_username(CASHIER)
        if cashier is None:
            raise SystemExit(f"crash_child: no user {CASHIER!r} in {url}")
        products = [uow.catalog.by_sku(spec.sku) for spec in demo_products(CATALOG_SIZE)]
        while os.getppid() == parent and time.monotonic() < deadline:
            basket = random_basket(rng, products)
            tendering = random_tendering(rng, basket)
            _say("+")
            done = checkout.complete_sale(uow, STATION, actor=cashier, basket=basket, tendering=tendering,
                                          print_receipt=True)
            _say(done.sale.number)
    except BrokenPipeError:
        pass  # the parent is gone
    finally:
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
