"""The pull: the online shop is the master of the catalog, prices and coupons, and shares its customers.

Each page the shop sends is written in one transaction together with the cursor that says how far the
pull got, so an interrupted pull resumes where it stopped (re-reading the overlap window, never
skipping). A page that cannot be read or stored (a missing field, a wrong type, a negative price, a bad
barcode, a tax class the till lacks) is refused whole: nothing of it is written, the cursor stays, the
problem is logged with the page, the record and the field, and the pull of that kind stops there.
Transport failures (posapp.sync.woocommerce.SyncError) go to the caller; pages already written stay.

How often each runs (customers and the audit less often) is the sync engine's concern."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from posapp.domain.money import qty_to_milli
from posapp.domain.sync_records import (
    PageRejected,
    ProductPage,
    RecordPage,
    RemoteProduct,
    ShopCategory,
)
from posapp.sync.pull_coupons import retire_coupons, write_coupon
from posapp.sync.pull_customers import write_customers
from posapp.sync.pull_products import CatalogRun, Written, later

log = logging.getLogger(__name__)

CURSOR_PRODUCTS = "sync.cursor.products"
CURSOR_COUPONS = "sync.cursor.coupons"


@dataclass
class PullReport:
    """What one kind of pull did; `rejected` is the message of the page that stopped it."""

    what: str  # categories, products, coupons, customers, audit
    pages: int = 0  # pages written, each in its own transaction (the audit: pages of ids read)
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    rejected: str | None = None
    cursor: str | None = None  # how far the delta pull got (the shop's GMT time); None for full pulls
    warnings: list[str] = field(default_factory=list)  # records left out or changed, each with its reason

    def add(self, done: Written) -> None:
        self.created += done.created
        self.updated += done.updated
        self.deactivated += done.deactivated
        for warning in done.warnings:
            log.warning("sync pull: %s: %s", self.what, warning)
            self.warnings.append(warning)

    def reject(self, problem: PageRejected) -> None:
        log.error("sync pull: %s; nothing of that page was written (the %s cursor stays at %s)",
                  problem, self.what, self.cursor or "none")
        self.rejected = str(problem)


class CatalogSource(Protocol):
    """What the pull reads from a shop (posapp.sync.woo_pull.WooCatalogSource for WooCommerce)."""

    def fetch_categories(self) -> list[ShopCategory]: ...
    def fetch_product_changes(self, cursor: str | None) -> Iterator[ProductPage]: ...
    def fetch_products(self, ids: Iterable[str]) -> Iterator[ProductPage]: ...
    def fetch_product_statuses(self) -> Iterator[RecordPage]: ...
    def fetch_coupon_changes(self, cursor: str | None) -> Iterator[RecordPage]: ...
    def fetch_coupon_ids(self) -> set[int]: ...
    def fetch_customers(self) -> Iterator[RecordPage]: ...


class Station(Protocol):
    """Where the pull runs (posapp.services.station.Station): its currency's minor-unit digits."""

    @property
    def places(self) -> int: ...


def _checked(pages: Iterator, report: PullReport) -> Iterator:
    """The pages, until one the source refuses to read (then recorded in the report)."""
    try:
        yield from pages
    except PageRejected as problem:
        report.reject(problem)


class _ShiftWatch:
    """Paging by offset through a list ordered by modification time skips a product when the list shifts
    under it: a product already read is changed again (it moves to the end) or one is deleted (the total
    drops). Either is seen here, and the cursor is then taken back to where the skip could have begun, so
    the next pull reads that stretch again (products that did not change are not written again)."""

    def __init__(self) -> None:
        self.read_at: dict[str, str] = {}  # shop id -> the cursor after the page it was first read on
        self.listed: int | None = None
        self.back_to: str | None = None

    def saw(self, page: ProductPage, *, before: str | None, after: str | None) -> None:
        if self.listed is not None and page.listed < self.listed:
            self._back(before)
        self.listed = page.listed
        for ext in [p.external_id for p in page.products if p.external_parent is None] + list(page.not_sellable):
            if ext in self.read_at:
                self._back(self.read_at[ext])
            elif after:
                self.read_at[ext] = after

    def _back(self, cursor: str | None) -> None:
        if cursor and (self.back_to is None or cursor < self.back_to):
            self.back_to = cursor


def _write_pages(run: CatalogRun, pages: Iterator[ProductPage], report: PullReport, *,
                 cursor_key: str | None, watch: _ShiftWatch | None = None) -> bool:
    """Product pages one transaction each, until one is refused (False)."""
    for page in _checked(pages, report):
        try:
            done = run.write_page(page, cursor_key=cursor_key, cursor=report.cursor)
        except PageRejected as problem:
            report.reject(problem)
            return False
        if watch is not None:
            watch.saw(page, before=report.cursor, after=done.cursor)
        report.pages += 1
        report.cursor = done.cursor
        report.add(done)
    return report.rejected is None


# --- the catalog -------------------------------------------------------------------------------------

def pull_catalog(uow, source: CatalogSource, *, station: Station, now: datetime) -> list[PullReport]:
    """Categories, then products changed since the last pull, then coupons changed since the last pull.
    A refused category list stops the rest (products are filed under categories)."""
    run = CatalogRun(uow, source, places=station.places, now=now)
    categories = PullReport("categories")
    try:
        categories.add(run.write_categories())
        categories.pages = 1
    except PageRejected as problem:
        categories.reject(problem)
    if categories.rejected:
        return [categories]
    products = PullReport("products", cursor=uow.settings.get(CURSOR_PRODUCTS))
    watch = _ShiftWatch()
    try:
        _write_pages(run, source.fetch_product_changes(products.cursor), products, cursor_key=CURSOR_PRODUCTS,
                     watch=watch)
    finally:  # also when the network fails half way: what was read may already have shifted
        if watch.back_to and products.cursor and watch.back_to < products.cursor:
            log.info("sync pull: the shop's product list changed while it was read; the next pull reads "
                     "again from %s", watch.back_to)
            with uow:
                uow.settings.put(CURSOR_PRODUCTS, watch.back_to)
                uow.commit()
            products.cursor = watch.back_to
    return [categories, products, _pull_coupons(run)]


def _pull_coupons(run: CatalogRun) -> PullReport:
    uow = run.uow
    report = PullReport("coupons", cursor=uow.settings.get(CURSOR_COUPONS))
    for page in _checked(run.source.fetch_coupon_changes(report.cursor), report):
        done = Written()
        with uow:
            for coupon in page.items:
                kind = write_coupon(run, coupon, done.warnings)
                if kind:
                    setattr(done, kind, getattr(done, kind) + 1)
            done.cursor = later(report.cursor, page.max_modified)
            if done.cursor != report.cursor:
                uow.settings.put(CURSOR_COUPONS, done.cursor)
            uow.commit()
        report.pages += 1
        report.cursor = done.cursor
        report.add(done)
    return report


# --- customers ---------------------------------------------------------------------------------------

def pull_customers(uow, source: CatalogSource, *, station: Station, now: datetime) -> PullReport:
    """Every shop customer as a member, a page per transaction (see posapp.sync.pull_customers).
    Members are never deleted; conflicts are warnings."""
    report = PullReport("customers")
    for page in _checked(source.fetch_customers(), report):
        with uow:
            done = write_customers(uow, page.items)
            uow.commit()
        report.pages += 1
        report.add(done)
    return report


# --- the audit ---------------------------------------------------------------------------------------

def audit_catalog(uow, source: CatalogSource, *, station: Station, now: datetime) -> PullReport:
    """Check every product id the shop has against the till's: products deleted or unpublished there go
    off sale here (rows and history stay); ones whose state here may be wrong, or that the delta pull
    never read, are read again in full; the stock the shop counts for simple products is refreshed (a sale
    in the shop does not always mark a product modified); coupons the shop deleted go off the till."""
    report = PullReport("audit")
    remote: dict[str, RemoteProduct] = {}
    for page in _checked(source.fetch_product_statuses(), report):
        remote.update((r.id, r) for r in page.items)
        report.pages += 1
    if report.rejected:
        return report
    run = CatalogRun(uow, source, places=station.places, now=now)
    recheck, parents = _audit_candidates(uow, remote)
    seen: set[str] = set()

    def read(pages: Iterator[ProductPage]) -> Iterator[ProductPage]:
        for page in pages:
            seen.update(p.external_id for p in page.products)
            seen.update(page.not_sellable)
            yield page

    if not _write_pages(run, read(source.fetch_products(recheck | parents)), report, cursor_key=None):
        return report
    coupons = source.fetch_coupon_ids()
    with uow:
        gone = [pid for pid, ext, parent, active in uow.sync_pull.shop_products() if active and (
            (parent is None and ext in recheck and ext not in seen) or (parent in parents and ext not in seen))]
        report.deactivated += uow.sync_pull.deactivate(gone, now=now)
        report.updated += _refresh_stock(uow, remote, now=now)
        report.deactivated += retire_coupons(uow, coupons)
        uow.commit()
    return report


def _audit_candidates(uow, remote: dict[str, RemoteProduct]) -> tuple[set[str], set[str]]:
    """Shop ids to read again in full: products whose state here may be wrong (on sale here but gone or
    unpublished there, off sale here but published there, published there and never pulled), and the
    variable products of such variations."""
    recheck, parents, local = set(), set(), set()
    for _pid, ext, parent, active in uow.sync_pull.shop_products():
        local.add(ext)
        if parent is None:
            there = remote.get(ext)
            if active != (there is not None and there.sellable):
                recheck.add(ext)
        else:
            there = remote.get(parent)
            if active != (there is not None and ext in there.variations):
                parents.add(parent)
    for r in remote.values():
        if r.sellable and r.id not in local:
            recheck.add(r.id)
        elif any(v not in local for v in r.variations):
            parents.add(r.id)
    return recheck, parents


def _refresh_stock(uow, remote: dict[str, RemoteProduct], *, now: datetime) -> int:
    """The shop's count for its simple products, as of now; returns how many changed."""
    rows = uow.sync_pull.by_external_ids([r.id for r in remote.values() if r.stock is not None])
    stock = [(row, qty_to_milli(remote[ext].stock)) for ext, row in rows.items() if row.external_parent is None]
    uow.sync_pull.set_stock([(row.id, milli) for row, milli in stock], now=now)
    return sum(1 for row, milli in stock if row.remote_stock_milli != milli)
