"""Read-side queries for shift (X/Z) and sales reports: plain rows, money as Decimal.

A "scope" picks the sales a figure covers: one shift, or a UTC time range of a store (optionally
one terminal). Every query sums in SQL, in integer minor units, and converts once at the end.

A row of `sale` is a sale or a return (kind 'return': negative lines, taxes and payments). The sales
figures count sales only, and the returns have figures of their own, so that a report shows both
side by side rather than one silently netted into the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, qty_from_milli, rate_from_bp
from posapp.storage.db import database, is_sqlite


@dataclass(frozen=True)
class ShiftRecord:
    id: int
    store_code: str
    terminal_code: str
    number: int
    status: str
    opened_at: datetime
    opened_by: str
    opening_float: Decimal
    closed_at: datetime | None
    closed_by: str | None
    expected_cash: Decimal | None
    counted_cash: Decimal | None
    counted_detail: dict
    z_number: int | None


@dataclass(frozen=True)
class SalesTotals:
    count: int
    subtotal: Decimal  # sum of line totals, after line discounts
    line_discounts: Decimal
    basket_discounts: Decimal
    total: Decimal  # what the sales came to, before cash rounding
    rounding: Decimal
    change: Decimal
    line_promotions: Decimal = Decimal(0)  # line promotions and gifts (already out of the subtotal)
    basket_promotions: Decimal = Decimal(0)  # spend thresholds and coupons

    @property
    def gross(self) -> Decimal:
        """Line amounts at the prices charged (gifts at their value), before any discount or promotion."""
        return self.subtotal + self.line_discounts + self.line_promotions

    @property
    def promotions(self) -> Decimal:
        return self.line_promotions + self.basket_promotions


@dataclass(frozen=True)
class TenderTotal:
    tender: str
    count: int  # payments, so a split sale counts once for each tender
    amount: Decimal


@dataclass(frozen=True)
class TaxTotal:
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class CategoryTotal:
    path: str  # "" for products without a category
    lines: int
    qty: Decimal
    amount: Decimal  # line totals after line discounts, before the basket discount


@dataclass(frozen=True)
class ReturnTotals:
    """The returns of a scope, as positive amounts: what came back and what went back."""

    count: int
    goods: Decimal  # the returned lines' amounts (what the customer had paid for them)
    amount: Decimal  # what the returns came to, before cash rounding
    rounding: Decimal  # cash rounding added to the cash refunds
    tax: Decimal  # the tax in the refunds

    @property
    def refunded(self) -> Decimal:
        """What went back to the customers, all tenders (points at their value)."""
        return self.amount + self.rounding

    @property
    def deducted(self) -> Decimal:
        """Promotions the kept items no longer reach, gifts kept, points already spent."""
        return self.goods - self.amount


@dataclass(frozen=True)
class ReasonTotal:
    """Returned lines of one reason, as positive figures."""

    reason: str  # a key of posapp.domain.returns.REASONS
    damaged: bool  # the goods went to the damaged location, not back on the shelf
    lines: int
    qty: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CashMovementRecord:
    kind: str
    amount: Decimal
    reason: str
    user: str
    approver: str | None
    at: datetime


@dataclass(frozen=True)
class AuditRecord:
    action: str
    at: datetime
    detail: dict


SALE, RETURN = "sale", "return"


@dataclass(frozen=True)
class SaleStamp:
    created_at: datetime
    total: Decimal
    rounding: Decimal
    discounts: Decimal  # line and basket discounts and promotions of this sale


@dataclass(frozen=True)
class Scope:
    """Which sales: a shift, or [start, end) in UTC for a store and maybe one terminal."""

    shift_id: int | None = None
    store_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    terminal_code: str | None = None

    def where(self, stamp) -> tuple[str, tuple]:
        p = database.obj.param
        if self.shift_id is not None:
            return f"s.shift_id = {p}", (self.shift_id,)
        clauses, params = [f"s.store_code = {p}", f"s.created_at >= {p}", f"s.created_at < {p}"], \
            [self.store_code, stamp(self.start), stamp(self.end)]
        if self.terminal_code:
            clauses.append(f"s.terminal_code = {p}")
            params.append(self.terminal_code)
        return " AND ".join(clauses), tuple(params)

    def of_kind(self, kind: str, stamp) -> tuple[str, tuple]:
        """where(), narrowed to sales or to returns."""
        where, params = self.where(stamp)
        return f"{where} AND s.kind = {database.obj.param}", (*params, kind)


def _time(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _int(value) -> int:
    return int(value or 0)  # PostgreSQL sums bigints as numeric (Decimal); empty sums are NULL


class ReportRepository:
    def __init__(self, places: int = 2):
        self.places = places

    def _d(self, minor) -> Decimal:
        return from_minor(_int(minor), self.places)

    def _stamp(self, moment: datetime):
        # As peewee and SalesRepository write them: text on SQLite, a timestamp on PostgreSQL.
        return str(moment) if is_sqlite(database.obj) else moment

    def _sql(self, sql: str, params: tuple = ()) -> list[tuple]:
        return database.obj.execute_sql(sql, params).fetchall()

    # --- stores -----------------------------------------------------------------------------
    # A store server's database holds several stores' sales; a till's, its own. There is no store
    # table: a store is known by its shifts, sales and tills' audit rows (shift first: it is indexed).
    _STORE_TABLES = ("shift", "sale", "audit_log")

    def store_seen(self, store_code: str) -> bool:
        """Whether this database has any shift, sale or till (audit) row of store_code."""
        p = database.obj.param
        return any(self._sql(f"SELECT 1 FROM {table} WHERE store_code = {p} LIMIT 1", (store_code,))
                   for table in self._STORE_TABLES)

    def stores_seen(self) -> list[str]:
        """Every store code with a shift, sale or till (audit) row here, sorted."""
        union = " UNION ".join(f"SELECT DISTINCT store_code FROM {table}" for table in self._STORE_TABLES)
        return sorted({r[0] for r in self._sql(union) if r[0]})

    # --- shifts -----------------------------------------------------------------------------
    def find_shift(self, *, shift_id: int | None = None, store_code: str | None = None,
                   terminal_code: str | None = None, number: int | None = None,
                   z_number: int | None = None) -> ShiftRecord | None:
        """A shift by id, or by store, terminal and shift number or Z number."""
        p = database.obj.param
        if shift_id is not None:
            where, params = f"sh.id = {p}", (shift_id,)
        else:
            column, value = ("number", number) if number is not None else ("z_number", z_number)
            where = f"sh.store_code = {p} AND sh.terminal_code = {p} AND sh.{column} = {p}"
            params = (store_code, terminal_code, value)
        rows = self._sql(
            "SELECT sh.id, sh.store_code, sh.terminal_code, sh.number, sh.status, sh.opened_at, ou.name, "
            "sh.opening_float_minor, sh.closed_at, cu.name, sh.expected_cash_minor, sh.counted_cash_minor, "
            "sh.counted_detail, sh.z_number FROM shift sh JOIN app_user ou ON ou.id = sh.opened_by_id "
            f"LEFT JOIN app_user cu ON cu.id = sh.closed_by_id WHERE {where}", params)
        if not rows:
            return None
        r = rows[0]
        money = lambda m: None if m is None else self._d(m)  # noqa: E731
        return ShiftRecord(id=r[0], store_code=r[1], terminal_code=r[2], number=r[3], status=r[4],
                           opened_at=_time(r[5]), opened_by=r[6], opening_float=self._d(r[7]),
                           closed_at=_time(r[8]), closed_by=r[9], expected_cash=money(r[10]),
                           counted_cash=money(r[11]), counted_detail=json.loads(r[12] or "{}"),
                           z_number=r[13])

    def cash_movements(self, shift_id: int) -> list[CashMovementRecord]:
        p = database.obj.param
        rows = self._sql(
            "SELECT m.kind, m.amount_minor, m.reason, u.name, a.name, m.at FROM cash_movement m "
            "JOIN app_user u ON u.id = m.user_id LEFT JOIN app_user a ON a.id = m.approver_id "
            f"WHERE m.shift_id = {p} ORDER BY m.id", (shift_id,))
        return [CashMovementRecord(kind=r[0], amount=self._d(r[1]), reason=r[2], user=r[3], approver=r[4],
                                   at=_time(r[5])) for r in rows]

    def audit_between(self, *, store_code: str, terminal_code: str, actions: tuple[str, ...],
                      start: datetime, end: datetime | None) -> list[AuditRecord]:
        """Audit rows of these actions on a terminal from start to end (inclusive; None: until now)."""
        p = database.obj.param
        where = [f"store_code = {p}", f"terminal_code = {p}", f"at >= {p}",
                 f"action IN ({', '.join([p] * len(actions))})"]
        params = [store_code, terminal_code, self._stamp(start), *actions]
        if end is not None:
            where.append(f"at <= {p}")
            params.append(self._stamp(end))
        rows = self._sql(f"SELECT action, at, detail FROM audit_log WHERE {' AND '.join(where)} ORDER BY id",
                         tuple(params))
        return [AuditRecord(action=r[0], at=_time(r[1]), detail=json.loads(r[2] or "{}")) for r in rows]

    def parked_count(self, terminal_code: str) -> int:
        p = database.obj.param
        return _int(self._sql(f"SELECT COUNT(*) FROM parked_basket WHERE terminal_code = {p}",
                              (terminal_code,))[0][0])

    # --- sales ------------------------------------------------------------------------------
    def _where(self, scope: Scope, kind: str) -> tuple[str, tuple]:
        return scope.of_kind(kind, self._stamp)

    def sales_totals(self, scope: Scope) -> SalesTotals:
        # Sales only: what was sold, and the discounts and promotions given on it. Returns take back
        # a part of what a sale came to; they are in return_totals, shown as a figure of their own.
        where, params = self._where(scope, SALE)
        r = self._sql("SELECT COUNT(*), SUM(s.subtotal_minor), SUM(s.basket_discount_minor), "
                      f"SUM(s.total_minor), SUM(s.rounding_minor), SUM(s.change_minor), "
                      f"SUM(s.promo_discount_minor) FROM sale s WHERE {where}", params)[0]
        line_discounts = self._sql("SELECT SUM(l.discount_minor) FROM sale_line l "
                                   f"JOIN sale s ON s.id = l.sale_id WHERE {where}", params)[0][0]
        line_promotions = self._sql(
            "SELECT SUM(p.amount_minor) FROM sale_line_promotion p JOIN sale_line l ON l.id = p.sale_line_id "
            f"JOIN sale s ON s.id = l.sale_id WHERE {where} AND p.kind NOT IN ('threshold', 'coupon')", params)[0][0]
        return SalesTotals(count=_int(r[0]), subtotal=self._d(r[1]), line_discounts=self._d(line_discounts),
                           basket_discounts=self._d(r[2]), total=self._d(r[3]), rounding=self._d(r[4]),
                           change=self._d(r[5]), line_promotions=self._d(line_promotions),
                           basket_promotions=self._d(r[6]))

    def tender_totals(self, scope: Scope, *, kind: str = SALE) -> list[TenderTotal]:
        """Payments by tender: the takings of the sales, or (kind 'return') the refunds, as stored:
        negative. Kept apart so that the report shows both; the cash a drawer should hold is the
        cash taken less the cash refunded (services.shifts), so both are needed there."""
        where, params = self._where(scope, kind)
        rows = self._sql("SELECT p.tender, COUNT(*), SUM(p.amount_minor) FROM payment p "
                         f"JOIN sale s ON s.id = p.sale_id WHERE {where} GROUP BY p.tender ORDER BY p.tender",
                         params)
        return [TenderTotal(tender=r[0], count=_int(r[1]), amount=self._d(r[2])) for r in rows]

    def tax_totals(self, scope: Scope, *, kind: str = SALE) -> list[TaxTotal]:
        """Tax by rate of the sales, or (kind 'return') of the returns, negative as stored. The tax a
        shift owes is net of what the returns refunded: the report shows both and their sum."""
        where, params = self._where(scope, kind)
        rows = self._sql("SELECT t.rate_bp, SUM(t.net_minor), SUM(t.tax_minor), SUM(t.gross_minor) "
                         f"FROM sale_tax t JOIN sale s ON s.id = t.sale_id WHERE {where} "
                         "GROUP BY t.rate_bp ORDER BY t.rate_bp DESC", params)
        return [TaxTotal(rate=rate_from_bp(r[0]), net=self._d(r[1]), tax=self._d(r[2]), gross=self._d(r[3]))
                for r in rows]

    def category_totals(self, scope: Scope) -> list[CategoryTotal]:
        """By the product's category path as the catalog has it now.

        Sales only: what sold, by department. What came back is reported by reason (return_reasons)."""
        where, params = self._where(scope, SALE)
        rows = self._sql("SELECT c.path, COUNT(*), SUM(l.qty_milli), SUM(l.total_minor) FROM sale_line l "
                         "JOIN sale s ON s.id = l.sale_id JOIN product pr ON pr.id = l.product_id "
                         f"LEFT JOIN category c ON c.id = pr.category_id WHERE {where} GROUP BY c.path "
                         "ORDER BY c.path", params)
        return [CategoryTotal(path=r[0] or "", lines=_int(r[1]), qty=qty_from_milli(_int(r[2])),
                              amount=self._d(r[3])) for r in rows]

    def sale_stamps(self, scope: Scope, *, kind: str = SALE) -> list[SaleStamp]:
        """Each sale's (or return's: negative amounts) time and amounts, for grouping by local day.
        Sales and returns apart, so that a day shows how many sales it had, and how many returns."""
        where, params = self._where(scope, kind)
        rows = self._sql("SELECT s.created_at, s.total_minor, s.rounding_minor, s.basket_discount_minor + "
                         "s.promo_discount_minor + "
                         "COALESCE((SELECT SUM(l.discount_minor) FROM sale_line l WHERE l.sale_id = s.id), 0) + "
                         "COALESCE((SELECT SUM(p.amount_minor) FROM sale_line_promotion p JOIN sale_line l "
                         "ON l.id = p.sale_line_id WHERE l.sale_id = s.id AND p.kind NOT IN ('threshold', 'coupon')), 0) "
                         f"FROM sale s WHERE {where} ORDER BY s.created_at", params)
        return [SaleStamp(created_at=_time(r[0]), total=self._d(r[1]), rounding=self._d(r[2]),
                          discounts=self._d(r[3])) for r in rows]

    # --- returns ----------------------------------------------------------------------------
    def return_totals(self, scope: Scope) -> ReturnTotals:
        """The returns taken in the scope (a shift: those taken on it, whenever the sale was)."""
        where, params = self._where(scope, RETURN)
        r = self._sql("SELECT COUNT(*), SUM(s.subtotal_minor), SUM(s.total_minor), SUM(s.rounding_minor) "
                      f"FROM sale s WHERE {where}", params)[0]
        tax = self._sql(f"SELECT SUM(t.tax_minor) FROM sale_tax t JOIN sale s ON s.id = t.sale_id WHERE {where}",
                        params)[0][0]
        return ReturnTotals(count=_int(r[0]), goods=-self._d(r[1]), amount=-self._d(r[2]),
                            rounding=-self._d(r[3]), tax=-self._d(tax))

    def return_reasons(self, scope: Scope) -> list[ReasonTotal]:
        """The returned lines by reason, and whether the goods were kept apart as damaged."""
        where, params = self._where(scope, RETURN)
        rows = self._sql("SELECT l.reason, l.damaged, COUNT(*), SUM(l.qty_milli), SUM(l.total_minor) "
                         f"FROM sale_line l JOIN sale s ON s.id = l.sale_id WHERE {where} "
                         "GROUP BY l.reason, l.damaged ORDER BY l.reason, l.damaged", params)
        return [ReasonTotal(reason=r[0] or "", damaged=bool(r[1]), lines=_int(r[2]),
                            qty=-qty_from_milli(_int(r[3])), amount=-self._d(r[4])) for r in rows]
