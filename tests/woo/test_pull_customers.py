"""The shop's customers become members: one customer base. Matched on the linked shop id, else email,
else mobile number; new ones get a card number from their shop id; pulling again changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from posapp.config import SyncConfig
from posapp.sync.pull import pull_customers
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import WooClient

NOW = datetime(2024, 1, 2)


@pytest.fixture
def source(woo):
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


def members(uow) -> dict[str, tuple]:
    return {m.code: (m.name, m.phone, m.email, m.external_id) for m in uow.members.all()}


def test_customers_are_matched_on_email_then_phone_and_new_ones_join(woo, source, uow, station):
    uow.members.add(code="M0000001", name="王芳", phone="13800138000", email="Fang.Wang@Example.com")
    uow.members.add(code="M0000002", name="李雷", phone="13900139000")
    uow.members.add(code="M0000003", name="Linked", phone="13700137000", external_id="999")
    s = woo.store
    fang = s.add_customer("fang.wang@example.COM", first_name="Fang", last_name="Wang", phone="13811112222")
    lei = s.add_customer("lilei@example.com", first_name="Lei", last_name="Li", phone="+86 139-0013-9000")
    new = s.add_customer("new@example.com", first_name="New", phone="186 0000 1111")
    clash = s.add_customer("clash@example.com", first_name="Clash", phone="13700137000")
    foreign = s.add_customer("foreign@example.com", first_name="Jo", phone="+44 20 7946 0000")

    report = pull_customers(uow, source, station=station, now=NOW)
    assert (report.pages, report.created, report.updated, report.rejected) == (1, 2, 2, None)
    assert report.warnings == [f"customer {clash} skipped: phone 137****7000 is member M0000003's, linked to "
                               "customer 999"]
    assert members(uow) == {
        # Email matched (any case): linked, the shop's name and phone; the local name gives way to the shop's.
        "M0000001": ("Fang Wang", "13811112222", "fang.wang@example.com", str(fang)),
        # Phone matched (+86, spaces and dashes tidied away).
        "M0000002": ("Lei Li", "13900139000", "lilei@example.com", str(lei)),
        "M0000003": ("Linked", "13700137000", "", "999"),
        f"W{new:07d}": ("New", "18600001111", "new@example.com", str(new)),
        # A number that is not a mainland mobile is not kept (nor matched on).
        f"W{foreign:07d}": ("Jo", "", "foreign@example.com", str(foreign)),
    }

    again = pull_customers(uow, source, station=station, now=NOW)
    assert (again.created, again.updated) == (0, 0)
    assert len(uow.members.all()) == 5


def test_a_changed_customer_updates_the_linked_member_and_never_takes_another_ones_phone(woo, source, uow, station):
    uow.members.add(code="M0000009", name="Other", phone="13500135000")
    cid = woo.store.add_customer("a@example.com", first_name="Ann", phone="13600136000")
    pull_customers(uow, source, station=station, now=NOW)
    woo.store.update_customer(cid, {"email": "ann@example.com", "billing": {"phone": "13500135000"}})
    report = pull_customers(uow, source, station=station, now=NOW)
    member = uow.members.by_external_id(str(cid))
    assert (member.code, member.email, member.phone) == (f"W{cid:07d}", "ann@example.com", "13600136000")
    assert report.updated == 1
    assert report.warnings == [f"customer {cid}: phone 135****5000 is member M0000009's; member W{cid:07d} keeps "
                               "136****6000"]


def test_many_customers_over_several_pages(woo, source, uow, station):
    for n in range(230):
        woo.store.add_customer(f"c{n}@example.com", first_name=f"C{n}", phone=f"1580000{n:04d}")
    report = pull_customers(uow, source, station=station, now=NOW)
    assert (report.pages, report.created) == (3, 230)
    assert len({m.phone for m in uow.members.all()}) == 230
