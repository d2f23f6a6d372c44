"""A small demo store on a real SQLite file for driving the screens."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def demo_store(tmp_path, request):
    """The demo store without its promotions (list prices), or with them when a test is marked
    @pytest.mark.promotions."""
    from posapp import i18n
    from posapp.bootstrap import create_demo_store, open_store

    with_promotions = request.node.get_closest_marker("promotions") is not None
    config = create_demo_store(tmp_path / "demo", products=60, promotions=with_promotions)
    store, _ = open_store(config)
    i18n.set_locale("en")
    yield store
    i18n.set_locale("en")
    store.close()


@pytest.fixture
def open_shift(demo_store):
    from decimal import Decimal

    from posapp.services import shifts

    cashier = demo_store.uow().users.by_username("cashier1")
    return shifts.open_shift(demo_store.uow(), demo_store.station, actor=cashier, opening_float=Decimal("200"))
