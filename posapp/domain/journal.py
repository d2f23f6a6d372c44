"""The tamper-evident sales journal: each entry hashes its sale's canonical content and the
previous entry, so altering, inserting or deleting any sale breaks the chain from there on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.sale import Sale

GENESIS = "0" * 64


def _n(value: Decimal) -> str:
    """A number's canonical text: 0, 0.00 and 0E-2 are the same amount and hash the same."""
    return f"{value.normalize():f}"


def _line(ln) -> list:
    fields = [ln.line_no, ln.sku, _n(ln.qty), _n(ln.unit_price), _n(ln.discount), _n(ln.total), _n(ln.tax_rate)]
    if ln.promotions:  # sales without promotions hash exactly as they did before promotions existed
        fields.append([[p.code, p.kind, _n(p.amount)] for p in ln.promotions])
    if ln.original_line is not None:  # a return's line: what it returns and why
        fields.append([ln.original_line, ln.reason, ln.damaged])
    return fields


def canonical_content(sale: Sale) -> str:
    """Stable text of what matters in a sale: number, time, lines, promotions, amounts, tenders, cashier."""
    data = {
        "number": sale.number,
        "time": sale.created_at.isoformat(timespec="microseconds"),
        "store": sale.store_code,
        "terminal": sale.terminal_code,
        "cashier": sale.cashier_id,
        "currency": sale.currency,
        "lines": [_line(ln) for ln in sale.lines],
        "subtotal": _n(sale.subtotal),
        "basket_discount": _n(sale.basket_discount),
        "total": _n(sale.total),
        "rounding": _n(sale.rounding),
        "payments": [[p.tender, _n(p.amount), _n(p.tendered), p.reference] for p in sale.payments],
        "change": _n(sale.change),
    }
    if sale.promo_discount:
        data["promo_discount"] = _n(sale.promo_discount)
    if sale.coupons:
        data["coupons"] = list(sale.coupons)
    if sale.member_code:
        data["member"] = sale.member_code
    if sale.kind != "sale":
        data["kind"], data["original"] = sale.kind, sale.original
        data["refund_of"] = [p.refund_of for p in sale.payments]
        data["deductions"] = [[d.promotion_id, d.kind, _n(d.amount), d.points] for d in sale.deductions]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(prev_hash: str, content_hash: str) -> str:
    return sha256(prev_hash + content_hash)


@dataclass(frozen=True)
class JournalEntry:
    number: str  # the sale's receipt number
    prev_hash: str
    content_hash: str
    entry_hash: str
    content: str  # recomputed from the sale as stored now


@dataclass(frozen=True)
class JournalProblem:
    number: str
    reason: str

    def __str__(self) -> str:
        return f"{self.number}: {self.reason}"


def verify_chain(entries: Iterable[JournalEntry]) -> JournalProblem | None:
    """The first entry that was altered, inserted or has a predecessor missing; None if whole."""
    prev = GENESIS
    for entry in entries:
        if entry.prev_hash != prev:
            return JournalProblem(entry.number, "the entry before it was deleted or one was inserted "
                                                "(its link to the previous entry does not match)")
        if sha256(entry.content) != entry.content_hash:
            return JournalProblem(entry.number, "the sale was altered after it was recorded")
        if chain(entry.prev_hash, entry.content_hash) != entry.entry_hash:
            return JournalProblem(entry.number, "the journal entry itself was altered")
        prev = entry.entry_hash
    return None
