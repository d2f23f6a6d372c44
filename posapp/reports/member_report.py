"""The member report (会员分析报表): every member's A/B/C class, worked out from the loyalty rules at the
report's moment, with their spend, visits, last visit and points; a summary per class.

As JSON for machines, a text table, a CSV of every member, and an A4 PDF (summary, two bar charts, the
top members of each class) in the store's language. Phones are masked everywhere here.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.members import TIER_NAMES, mask_phone
from posapp.domain.points import ClassRule, LoyaltyRules, customer_class, tier_for
from posapp.reports.columns import display_width, pad
from posapp.reports.shift_report import money
from posapp.reports.words import _, words

ZERO = Decimal(0)
CLASSES = ("A", "B", "C")
CLASS_NAMES = {"A": _("A (high value)"), "B": _("B (medium value)"), "C": _("C (low value)")}
CLASS_COLOURS = {"A": "#2f5d8a", "B": "#6f9bc4", "C": "#b5b5b5"}
DEFAULT_TOP = 200  # members of each class listed in the PDF, the text and the JSON; the CSV has all


@dataclass(frozen=True, slots=True)
class MemberLine:
    code: str
    name: str
    phone: str  # masked: 138****5678
    tier: str  # from the spend, at the report's moment ("" below the first tier)
    customer_class: str  # A, B or C at the report's moment
    spend: Decimal  # the 12 months before the report's moment
    visits: int
    last_visit: datetime | None  # naive UTC; None: no purchase in those 12 months
    points: int  # ledger balance at the report's moment
    active: bool


@dataclass(frozen=True)
class ClassSummary:
    customer_class: str
    members: int
    spend: Decimal
    visits: int
    places: int

    @property
    def average_spend(self) -> Decimal:
        if not self.members:
            return ZERO.scaleb(-self.places)
        return (self.spend / self.members).quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MemberReport:
    store: str
    at: datetime  # the report's moment, naive UTC
    since: datetime  # first moment of the 12 months counted, naive UTC
    timezone: str
    currency: str
    places: int
    rule: ClassRule
    classes: tuple[ClassSummary, ...]  # A, B, C, always all three
    members: tuple[MemberLine, ...]  # class A, B, C, then spend, highest first
    top: int  # members of each class listed outside the CSV
    printed_at: datetime  # naive UTC

    @property
    def spend(self) -> Decimal:
        return sum((c.spend for c in self.classes), ZERO.scaleb(-self.places))

    @property
    def visits(self) -> int:
        return sum(c.visits for c in self.classes)

    def summary(self, klass: str) -> ClassSummary:
        return next(c for c in self.classes if c.customer_class == klass)

    def listed(self, klass: str) -> list[MemberLine]:
        """The class's first `top` members by spend (what the PDF, the text and the JSON list)."""
        first = sum(c.members for c in self.classes[: CLASSES.index(klass)])  # the members are in class order
        return list(self.members[first: first + min(self.top, self.summary(klass).members)])

    def spend_share(self, c: ClassSummary) -> Decimal | None:
        """The class's share of all members' spend, in percent with one decimal; None when nobody spent."""
        return _percent(c.spend, self.spend)

    def member_share(self, c: ClassSummary) -> Decimal | None:
        return _percent(Decimal(c.members), Decimal(len(self.members)))

    def local(self, moment: datetime | None) -> str:
        return f"{to_local(moment, self.timezone):%Y-%m-%d %H:%M}" if moment else ""

    def _m(self, amount: Decimal) -> str:
        return f"{amount:.{self.places}f}"

    def to_json(self) -> dict:
        """Money as strings with the currency's decimals; times store-local with their offset."""
        iso = lambda m: to_local(m, self.timezone).isoformat(timespec="minutes") if m else None  # noqa: E731
        pct = lambda value: "n/a" if value is None else f"{value:f}"  # noqa: E731
        rule = self.rule
        return {
            "report": "members", "store": self.store, "at": iso(self.at), "since": iso(self.since),
            "timezone": self.timezone, "currency": self.currency,
            "rules": {"a_spend": self._m(rule.a_spend), "a_visits": rule.a_visits, "a_days": rule.a_days,
                      "b_spend": self._m(rule.b_spend), "b_visits": rule.b_visits, "b_days": rule.b_days},
            "members": len(self.members), "spend": self._m(self.spend), "visits": self.visits,
            "classes": [{"class": c.customer_class, "members": c.members, "spend": self._m(c.spend),
                         "visits": c.visits, "average_spend": self._m(c.average_spend),
                         "spend_share_pct": pct(self.spend_share(c))} for c in self.classes],
            "top": self.top,
            "listed": [{"code": m.code, "name": m.name, "phone": m.phone, "tier": m.tier,
                        "class": m.customer_class, "spend": self._m(m.spend), "visits": m.visits,
                        "last_visit": iso(m.last_visit), "points": m.points, "active": m.active}
                       for k in CLASSES for m in self.listed(k)]}

    def thresholds(self, t) -> list[str]:
        """The class rule in words, with the store's money."""
        r, m = self.rule, (lambda amount: money(amount, self.places))
        return [t(_("A (high value): at least {spend} spent and at least {visits} visits in the 12 months, and "
                    "a visit in the last {days} days.")).format(spend=m(r.a_spend), visits=r.a_visits,
                                                                  days=r.a_days),
                t(_("B (medium value): at least {spend} spent or at least {visits} visits in the 12 months, and "
                    "a visit in the last {days} days.")).format(spend=m(r.b_spend), visits=r.b_visits,
                                                                  days=r.b_days),
                t(_("C (low value): every other member, and members who bought nothing."))]

    def _window(self, t) -> str:
        return t(_("12 months: sales from {start} to {end} ({timezone}), in every store.")).format(
            start=self.local(self.since), end=self.local(self.at), timezone=self.timezone)

    def _showing(self, t, klass: str) -> str:
        count = self.summary(klass).members
        if count <= self.top:
            return ""
        return t(_("Showing the top {top} of {count} by spend; the CSV has everyone.")).format(
            top=f"{self.top:,}", count=f"{count:,}")

    def text_lines(self, *, locale: str) -> list[str]:
        """The summary per class, then the top members of each class, for a terminal."""
        t = words(locale)
        title = t(_("Member analysis {store} as of {at} ({currency})")).format(
            store=self.store, at=self.local(self.at), currency=self.currency)
        lines = [title, self._window(t), *self.thresholds(t), ""]
        head, rows = summary_table(self, t)
        lines += _columns([head, *rows], right_from=1, rule_after=0, rule_before=len(rows))
        for k in CLASSES:
            c = self.summary(k)
            lines += ["", t(_("{name}: {count} members")).format(name=t(CLASS_NAMES[k]), count=f"{c.members:,}")]
            listed = self.listed(k)
            if listed:
                lines += _columns([listing_head(t), *(listing_row(self, t, m) for m in listed)], right_from=4,
                                  rule_after=0, name_column=1)
            if self._showing(t, k):
                lines.append(self._showing(t, k))
        return lines

    def write_csv(self, path: str | Path, *, locale: str) -> Path:
        """Every member (not only the top ones), in the order of the report: UTF-8 with a BOM, so spreadsheets
        read Chinese; written to a .part file and renamed, so a reader never sees half a file."""
        t, path = words(locale), Path(path)
        part = path.with_name(path.name + ".part")
        try:
            with open(part, "w", newline="", encoding="utf-8-sig") as fh:
                out = csv.writer(fh)
                out.writerow([t(_("Card number")), t(_("Member name")), t(_("Mobile number")), t(_("Tier")),
                              t(_("Class")), t(_("Spend, 12 months")), t(_("Visits, 12 months")),
                              t(_("Last visit")), t(_("Points balance")), t(_("Active"))])
                out.writerows([m.code, m.name, m.phone, _tier(t, m.tier), m.customer_class, self._m(m.spend), m.visits,
                               self.local(m.last_visit), m.points, 1 if m.active else 0] for m in self.members)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return path

    def render_pdf(self, path: str | Path, *, locale: str, store_name: str = "") -> Path:
        """The report as an A4 PDF: title, thresholds, summary and charts, then the top members of each class.
        Written to a .part file and renamed."""
        path = Path(path)
        part = path.with_name(path.name + ".part")
        try:
            from posapp.reports.member_report_pdf import MemberPdf

            MemberPdf(self, words(locale), locale=locale).write(part, store_name)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return path


# --- figures -------------------------------------------------------------------------------------

def classify(figures: Iterable, *, rules: LoyaltyRules, at: datetime, places: int) -> tuple[
        tuple[MemberLine, ...], tuple[ClassSummary, ...]]:
    """Each member's class and tier at `at` from rows with .code, .name, .phone, .active, .spend, .visits,
    .last_visit, .points (12 months of sales); sorted by class, then spend (highest first), then card."""
    lines = []
    for f in figures:
        klass = customer_class(spend=f.spend, visits=f.visits, last_visit=f.last_visit, at=at, rule=rules.classes)
        lines.append(MemberLine(code=f.code, name=f.name, phone=mask_phone(f.phone), tier=tier_for(f.spend, rules),
                                customer_class=klass, spend=f.spend, visits=f.visits, last_visit=f.last_visit,
                                points=f.points, active=f.active))
    lines.sort(key=lambda m: m.code)
    lines.sort(key=lambda m: (m.customer_class, -m.spend))  # stable: equal spend stays by card number
    zero = ZERO.scaleb(-places)
    totals = {k: [0, zero, 0] for k in CLASSES}
    for m in lines:
        bucket = totals[m.customer_class]
        bucket[0], bucket[1], bucket[2] = bucket[0] + 1, bucket[1] + m.spend, bucket[2] + m.visits
    return tuple(lines), tuple(ClassSummary(customer_class=k, members=n, spend=s, visits=v, places=places)
                               for k, (n, s, v) in totals.items())


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _pct_text(t, value: Decimal | None) -> str:
    return t(_("n/a")) if value is None else f"{value:f}%"


def summary_table(r: MemberReport, t) -> tuple[list[str], list[list[str]]]:
    """Column titles and one row per class, then the total, as the text and the PDF show them."""
    m = lambda amount: money(amount, r.places)  # noqa: E731
    head = [t(_("Class")), t(_("Members")), t(_("Share of members")), t(_("Spend")), t(_("Share of spend")),
            t(_("Visits")), t(_("Average spend"))]
    rows = [[t(CLASS_NAMES[c.customer_class]), f"{c.members:,}", _pct_text(t, r.member_share(c)), m(c.spend),
             _pct_text(t, r.spend_share(c)), f"{c.visits:,}", m(c.average_spend)] for c in r.classes]
    everyone = ClassSummary(customer_class="", members=len(r.members), spend=r.spend, visits=r.visits,
                            places=r.places)
    rows.append([t(_("Sum")), f"{everyone.members:,}", "100.0%" if r.members else t(_("n/a")), m(r.spend),
                 "100.0%" if r.spend else t(_("n/a")), f"{r.visits:,}", m(everyone.average_spend)])
    return head, rows


def listing_head(t) -> list[str]:
    return [t(_("Card number")), t(_("Member name")), t(_("Mobile number")), t(_("Tier")), t(_("Spend, 12 months")),
            t(_("Visits, 12 months")), t(_("Last visit")), t(_("Points balance"))]


def listing_row(r: MemberReport, t, m: MemberLine) -> list[str]:
    name = m.name if m.active else t(_("{name} (disabled)")).format(name=m.name)
    return [m.code, name, m.phone, _tier(t, m.tier), money(m.spend, r.places), f"{m.visits:,}",
            r.local(m.last_visit) or "-", f"{m.points:,}"]


def _tier(t, tier: str) -> str:
    """The default tiers' names in the report's language; tiers a store named itself as named."""
    if not tier:
        return t(_("standard"))
    return t(TIER_NAMES[tier]) if tier in TIER_NAMES else tier


def _columns(rows: list[list[str]], *, right_from: int, rule_after: int, rule_before: int = -1,
             name_column: int = -1) -> list[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    if name_column >= 0:
        widths[name_column] = min(widths[name_column], 20)
    out = []
    for i, row in enumerate(rows):
        if i == rule_before:
            out.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        out.append("  ".join(pad(c, w, right=n >= right_from, cut=True)
                             for n, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == rule_after:
            out.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    return out
