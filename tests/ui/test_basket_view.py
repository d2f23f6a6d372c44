"""The basket table tells the view what changed: a scan inserts one row, a repeat scan changes one."""

from __future__ import annotations

from decimal import Decimal

from posapp.domain.basket import Basket
from posapp.domain.catalog import Product
from posapp.ui.basket_view import BasketModel


def _product(pid: int, price: str) -> Product:
    return Product(id=pid, sku=f"SKU{pid}", name=f"商品{pid}", price=Decimal(price), tax_class="standard",
                   tax_rate=Decimal(13), unit="pcs", weighed=False, active=True, category="")


def _texts(model: BasketModel) -> list[list[str]]:
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_scans_insert_and_change_rows_without_a_reset(qtbot):
    basket, model = Basket(), BasketModel("CNY")
    resets, inserted, changed = [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.dataChanged.connect(lambda a, b, _roles: changed.append((a.row(), b.row())))
    a, b = _product(1, "3.50"), _product(2, "10.00")
    basket.add(a)
    model.set_lines(basket.lines)
    basket.add(b)
    model.set_lines(basket.lines)
    assert inserted == [(0, 0), (1, 1)] and not resets and not changed
    basket.add(a)  # the same product again: line 1 now has 2
    model.set_lines(basket.lines)
    assert changed == [(0, 0)] and inserted == [(0, 0), (1, 1)]
    rows = _texts(model)
    assert rows[0][2] == "2" and rows[0][5].endswith("7.00") and rows[1][1] == "商品2"


def test_a_voided_line_leaves_the_table(qtbot):
    basket, model = Basket(), BasketModel("CNY")
    for pid in (1, 2, 3):
        basket.add(_product(pid, "1.00"))
    model.set_lines(basket.lines)
    basket.void_line(2)
    model.set_lines(basket.lines)
    assert [row[0] for row in _texts(model)] == ["1", "3"]
    basket.clear()
    model.set_lines(basket.lines)
    assert model.rowCount() == 0
