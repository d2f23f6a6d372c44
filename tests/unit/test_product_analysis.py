"""The Pareto (ABC) classes, shares and margins of the products report."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.product_analysis import (ProductLine, abc_classes, analyse, by_category, margin_of, share,
                                            tax_in)

amounts = st.dictionaries(st.text("ABCDEFGH123", min_size=1, max_size=4),
                          st.decimals(min_value=-50, max_value=10_000, places=2), max_size=30)


def ranked(found: dict[str, D]) -> list[str]:
    return [k for k, _v in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


@given(amounts)
def test_classes_partition_the_products_and_follow_the_ranking(found):
    classes = abc_classes(found.items())
    assert set(classes) == set(found) and set(classes.values()) <= {"A", "B", "C"}
    order = [classes[k] for k in ranked(found)]
    assert order == sorted(order)  # A's, then B's, then C's, down the ranking
    assert all(classes[k] == "C" for k, v in found.items() if v <= 0)


@given(amounts)
def test_a_is_the_shortest_run_from_the_top_reaching_80_percent_and_a_b_95(found):
    classes = abc_classes(found.items())
    total = sum((v for v in found.values() if v > 0), D(0))
    if total <= 0:
        assert set(classes.values()) <= {"C"}
        return
    a = [found[k] for k in ranked(found) if classes[k] == "A"]
    ab = [found[k] for k in ranked(found) if classes[k] in "AB"]
    assert sum(a) >= D("0.8") * total and sum(a[:-1]) < D("0.8") * total
    assert sum(ab) >= D("0.95") * total and sum(ab[:-1]) < D("0.95") * total


def test_the_boundary_product_that_crosses_80_percent_is_an_a():
    classes = abc_classes([("p1", D(50)), ("p2", D(30)), ("p3", D(15)), ("p4", D(5))])
    assert classes == {"p1": "A", "p2": "A", "p3": "B", "p4": "C"}  # 80% exactly: p2 is the last A
    assert abc_classes([("x", D(79)), ("y", D(21))]) == {"x": "A", "y": "A"}
    assert abc_classes([("x", D(100)), ("y", D(0))]) == {"x": "A", "y": "C"}


def test_margin_tax_and_share():
    assert tax_in(D("10.90"), D(9), places=2) == D("0.90")
    assert margin_of(D("10.00"), D(2), D("3.50"), places=2) == D("3.00")
    assert margin_of(D("10.00"), D(2), None, places=2) is None
    assert share(D(1), D(4)) == D("0.25") and share(D(1), D(0)) == 0


def line(sku, category, net, margin):
    return ProductLine(product_id=0, sku=sku, name=sku, category=category, units=D(1), net=D(net),
                       net_ex_tax=D(net), cost=None, margin=None if margin is None else D(margin))


def test_categories_roll_up_to_the_top_level_and_shares_add_up():
    lines = analyse([line("a", "乳制品/牛奶", "60", "10"), line("b", "乳制品/酸奶", "20", None),
                     line("c", "零食", "20", "5")])
    assert [(p.sku, p.share, p.abc) for p in lines] == [("a", D("0.6"), "A"), ("b", D("0.2"), "A"),
                                                        ("c", D("0.2"), "B")]
    top = by_category(lines, top=True)
    assert [(c.path, c.net, c.margin, c.share, c.costless) for c in top] == [
        ("乳制品", D(80), D(10), D("0.8"), 1), ("零食", D(20), D(5), D("0.2"), 0)]
    assert len(by_category(lines)) == 3
