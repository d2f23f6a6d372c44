"""Paper and files for stock work: a count's sheet (to count on paper), its variance report (PDF) and
variances (CSV), and shelf labels chosen by category, SKU or recent price change.

Who may do what: a count sheet needs stock_count, and shows expected quantities only when the count
is not blind and the person may approve counts; the variance report and CSV need approve_stock_count;
labels need receive_stock. A file is written to a temporary name beside it and renamed, so a reader
never meets half a file and a failed write leaves nothing behind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from posapp.domain.catalog import in_categories
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, PosError, ValidationError
from posapp.domain.labels import LabelItem
from posapp.domain.users import Permission, User
from posapp.i18n import _, current_locale
from posapp.services.auth import current, require
from posapp.services.station import Station
from posapp.services.stock_counts import review_count

MAX_LABELS = 50_000  # more in one file is a mistake in the choice, not a print run
MAX_SKUS = 50_000


@dataclass(frozen=True)
class LabelRun:
    pages: int
    labels: int
    path: Path
    layout: str


def count_sheet(uow, station: Station, *, actor: User, number: str, path, locale: str | None = None) -> Path:
    """The count's lines by category then SKU with a box to write each count in; returns the file."""
    from posapp.reports.stock_pdf import count_sheet_pdf

    require(uow, actor, Permission.STOCK_COUNT)
    target = _target(path)
    user = current(uow, actor)
    count = uow.counts.get_count(str(number or "").strip().upper())
    if count is None:
        raise NotFound(_("No stock count {number}").format(number=number))
    show_expected = not count.blind and user.can(Permission.APPROVE_STOCK_COUNT)
    now = utcnow()
    lines = uow.counts.review(count, until=count.approved_at or now)
    _write(target, lambda part: count_sheet_pdf(
        count, lines, path=part, show_expected=show_expected, store=station.store_code, timezone=station.timezone,
        locale=locale or current_locale(), printed_at=now))
    return target


def variance_report(uow, station: Station, *, actor: User, number: str, path, locale: str | None = None) -> Path:
    """Totals, the biggest losses and gains, every line with its variance in units and value, the lines
    not counted and the problem entries, as a PDF; returns the file."""
    from posapp.reports.stock_pdf import variance_pdf

    require(uow, actor, Permission.APPROVE_STOCK_COUNT)
    target = _target(path)
    now = utcnow()
    review = review_count(uow, actor=actor, number=number, now=now)
    _write(target, lambda part: variance_pdf(
        review, path=part, store=station.store_code, timezone=station.timezone, currency=station.currency,
        locale=locale or current_locale(), printed_at=now, places=station.places))
    return target


def export_variances_csv(uow, *, actor: User, number: str, path, only_variances: bool = False) -> int:
    """One row per line of the count (only_variances: lines counted with a variance); returns the rows."""
    from posapp.reports.stock_csv import write_variances_csv

    require(uow, actor, Permission.APPROVE_STOCK_COUNT)
    target = _target(path)
    review = review_count(uow, actor=actor, number=number)
    return _write(target, lambda part: write_variances_csv(review.lines, part, only_variances=only_variances))


def label_items(uow, station: Station, *, actor: User, categories: Iterable[str] = (), skus: Iterable[str] = (),
                price_changed_since: datetime | None = None) -> list[LabelItem]:
    """The products to label: in these categories (with their subcategories), with these SKUs, whose price
    changed (or that were added) since a moment; every filter given narrows the choice."""
    require(uow, actor, Permission.RECEIVE_STOCK)
    categories = [categories] if isinstance(categories, str) else categories
    skus = [skus] if isinstance(skus, str) else skus
    paths = list(dict.fromkeys("/".join(x.strip() for x in str(c).split("/") if x.strip()) for c in categories))
    paths = [c for c in paths if c]
    codes = list(dict.fromkeys(str(s).strip() for s in skus if str(s).strip()))
    if not (paths or codes or price_changed_since):
        raise ValidationError(_("Choose the products to label: by category, by SKU or by price change"))
    if len(codes) > MAX_SKUS:
        raise ValidationError(_("{n} SKUs is more than one label run takes ({max})").format(
            n=f"{len(codes):,}", max=f"{MAX_SKUS:,}"))
    category_ids = None
    if paths:
        known = uow.catalog.category_ids()
        unknown = [c for c in paths if c not in known]
        if unknown:
            raise NotFound(_("No category {path}").format(path=", ".join(unknown)))
        category_ids = sorted(cid for path, cid in known.items() if in_categories(path, paths))
    if codes:
        found = uow.catalog.ids_of_skus(codes)
        missing = [s for s in codes if s not in found]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise NotFound(_("No product has SKU {sku}").format(sku=shown))
    if price_changed_since is not None and price_changed_since.tzinfo is not None:  # stored times are naive UTC
        price_changed_since = price_changed_since.astimezone(timezone.utc).replace(tzinfo=None)
    return uow.labels.items(category_ids=category_ids, skus=codes or None, since=price_changed_since)


def print_labels(uow, station: Station, *, actor: User, items: Iterable[LabelItem], layout: str, path,
                 locale: str | None = None) -> LabelRun:
    """The labels as an A4 PDF in one of the sheet layouts (posapp.reports.labels_pdf.LAYOUTS)."""
    from posapp.reports.labels_pdf import LAYOUTS, labels_pdf

    require(uow, actor, Permission.RECEIVE_STOCK)
    if layout not in LAYOUTS:
        raise ValidationError(_("Unknown label layout {layout!r} (one of: {known})").format(
            layout=layout, known=", ".join(LAYOUTS)))
    items = list(items)
    if not items:
        raise ValidationError(_("No products were chosen: there is nothing to print"))
    if len(items) > MAX_LABELS:
        raise ValidationError(_("{n} labels is more than one file takes ({max})").format(
            n=f"{len(items):,}", max=f"{MAX_LABELS:,}"))
    target = _target(path)
    pages = _write(target, lambda part: labels_pdf(items, layout=layout, currency=station.currency, path=part,
                                                   locale=locale or current_locale()))
    return LabelRun(pages=pages, labels=len(items), path=target, layout=layout)


def _target(path) -> Path:
    """The file asked for, checked before anything is read or written."""
    if path is None or not str(path).strip():
        raise ValidationError(_("Give a file name to write to"))
    target = Path(path).expanduser()
    try:
        folder, taken = target.parent.is_dir(), target.is_dir()
    except OSError as exc:  # a name the system refuses (too long, say)
        raise PosError(_("Cannot write {path}: {reason}").format(path=target, reason=exc.strerror or exc)) from None
    if taken:
        raise ValidationError(_("{path} is a folder; give a file name").format(path=target))
    if not folder:
        raise ValidationError(_("Cannot write {path}: there is no folder {folder}").format(
            path=target, folder=target.parent))
    return target


def _write(target: Path, write: Callable[[Path], object]):
    """Write to a temporary file beside target, then put it in target's place; returns what write returned."""
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        result = write(part)
        os.replace(part, target)
        return result
    except OSError as exc:
        raise PosError(_("Cannot write {path}: {reason}").format(path=target, reason=exc.strerror or exc)) from None
    finally:
        part.unlink(missing_ok=True)
