"""Sales, their journal, receipt sequences, stock movements and the sync outbox."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, qty_from_milli, qty_to_milli, rate_from_bp, rate_to_bp, to_minor
from posapp.domain.sale import LinePromotion, Payment, ReturnDeduction, Sale, SaleLine, TaxLine
from posapp.storage.db import database, is_sqlite


def _stamp(db, moment: datetime):
    # peewee stores SQLite datetimes as text; PostgreSQL takes the datetime itself.
    return moment.isoformat(" ") if is_sqlite(db) else moment


def _parse_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class SalesRepository:
    def __init__(self, places: int = 2):
        self.places = places

    def _m(self, amount: Decimal) -> int:
        return to_minor(amount, self.places)

    def _d(self, minor: int) -> Decimal:
        return from_minor(minor, self.places)

    def next_number(self, name: str) -> int:
        """The next value of a gapless counter; only ever called inside the writing transaction."""
        db = database.obj
        p = db.param
        row = db.execute_sql(
            f"INSERT INTO sequence (name, value) VALUES ({p}, 1) ON CONFLICT (name) "
            "DO UPDATE SET value = sequence.value + 1 RETURNING value", (name,)).fetchone()
        return int(row[0])

    def sequence_value(self, name: str) -> int:
        db = database.obj
        row = db.execute_sql(f"SELECT value FROM sequence WHERE name = {db.param}", (name,)).fetchone()
        return int(row[0]) if row else 0

    def add(self, sale: Sale) -> int:
        """Write the sale (or return), its lines, taxes, payments and stock movements; returns its id."""
        db = database.obj
        p = db.param
        at = _stamp(db, sale.created_at)
        original_id = self.id_of(sale.original) if sale.original else None
        row = db.execute_sql(
            "INSERT INTO sale (number, store_code, terminal_code, shift_id, cashier_id, created_at, "
            "currency, subtotal_minor, basket_discount_minor, total_minor, rounding_minor, change_minor, "
            f"promo_discount_minor, member_code, kind, original_id) VALUES ({', '.join([p] * 16)}) RETURNING id",
            (sale.number, sale.store_code, sale.terminal_code, sale.shift_id, sale.cashier_id, at,
             sale.currency, self._m(sale.subtotal), self._m(sale.basket_discount), self._m(sale.total),
             self._m(sale.rounding), self._m(sale.change), self._m(sale.promo_discount),
             sale.member_code, sale.kind, original_id)).fetchone()
        sale_id = int(row[0])
        cursor = db.cursor()
        cursor.executemany(
            "INSERT INTO sale_line (sale_id, line_no, product_id, sku, name, unit, qty_milli, "
            "unit_price_minor, list_price_minor, discount_minor, total_minor, tax_class, tax_rate_bp, "
            "weighed, barcode, paid_minor, original_line_no, reason, damaged, tax_minor) "
            f"VALUES ({', '.join([p] * 20)})",
            [(sale_id, ln.line_no, ln.product_id, ln.sku, ln.name, ln.unit, qty_to_milli(ln.qty),
              self._m(ln.unit_price), self._m(ln.list_price), self._m(ln.discount), self._m(ln.total),
              ln.tax_class, rate_to_bp(ln.tax_rate), ln.weighed, ln.barcode,
              None if ln.paid is None else self._m(ln.paid), ln.original_line, ln.reason, ln.damaged,
              None if ln.tax is None else self._m(ln.tax)) for ln in sale.lines])
        if any(ln.promotions for ln in sale.lines):
            self._add_line_promotions(sale_id, sale)
        if sale.taxes:
            cursor.executemany(
                f"INSERT INTO sale_tax (sale_id, rate_bp, gross_minor, tax_minor, net_minor) "
                f"VALUES ({', '.join([p] * 5)})",
                [(sale_id, rate_to_bp(t.rate), self._m(t.gross), self._m(t.tax), self._m(t.net))
                 for t in sale.taxes])
        cursor.executemany(
            "INSERT INTO payment (sale_id, tender, amount_minor, tendered_minor, reference, refund_of) "
            f"VALUES ({', '.join([p] * 6)})",
            [(sale_id, pm.tender, self._m(pm.amount), self._m(pm.tendered), pm.reference, pm.refund_of)
             for pm in sale.payments])
        # A sale takes goods off the shelf; a return puts them back (damaged ones kept apart).
        # In product order: the stock_level trigger locks one row per product, and two tills' sales that
        # lock the same products in the same order cannot deadlock on a store server.
        reason = "return" if sale.is_return else "sale"
        cursor.executemany(
            "INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, sale_id, at, location) "
            f"VALUES ({', '.join([p] * 7)})",
            [(ln.product_id, sale.store_code, -qty_to_milli(ln.qty), reason, sale_id, at,
              "damaged" if ln.damaged else "sellable")
             for ln in sorted(sale.lines, key=lambda x: (x.product_id, x.damaged))])
        if sale.deductions:
            cursor.executemany(
                "INSERT INTO return_deduction (sale_id, promotion_id, name, kind, amount_minor, points) "
                f"VALUES ({', '.join([p] * 6)})",
                [(sale_id, d.promotion_id, d.name, d.kind, self._m(d.amount), d.points) for d in sale.deductions])
        return sale_id

    def unit_prices_paid(self, product_id: int, since: datetime) -> list[tuple[int, int]]:
        """(paid in minor units, qty in thousandths) of every sale line of a product since a moment."""
        db = database.obj
        p = db.param
        return [(int(r[0]), int(r[1])) for r in db.execute_sql(
            "SELECT COALESCE(l.paid_minor, l.total_minor), l.qty_milli FROM sale_line l JOIN sale s ON s.id = l.sale_id "
            f"WHERE l.product_id = {p} AND s.kind = 'sale' AND s.created_at >= {p} AND l.qty_milli > 0",
            (product_id, _stamp(db, since))).fetchall()]

    def search(self, *, store_code: str, start: datetime | None = None, end: datetime | None = None,
               total: Decimal | None = None, member_code: str | None = None, reference: str | None = None,
               limit: int = 50) -> list[tuple[str, datetime, Decimal, str | None, str]]:
        """Sales (not returns) of a store matching every criterion given, newest first:
        (number, time, total, member, cashier). reference: the end of a card or mobile payment's reference."""
        db = database.obj
        p = db.param
        where, params = [f"s.store_code = {p}", "s.kind = 'sale'"], [store_code]
        if start is not None:
            where.append(f"s.created_at >= {p}")
            params.append(_stamp(db, start))
        if end is not None:
            where.append(f"s.created_at < {p}")
            params.append(_stamp(db, end))
        if total is not None:
            where.append(f"s.total_minor = {p}")
            params.append(self._m(total))
        if member_code:
            where.append(f"s.member_code = {p}")
            params.append(member_code)
        if reference:
            where.append(f"EXISTS (SELECT 1 FROM payment y WHERE y.sale_id = s.id AND y.tender IN ('card', 'mobile') "
                         f"AND y.reference LIKE {p})")
            params.append("%" + reference.replace("%", "").replace("_", "") )
        rows = db.execute_sql(
            f"SELECT s.number, s.created_at, s.total_minor, s.member_code, u.name FROM sale s "
            f"JOIN app_user u ON u.id = s.cashier_id WHERE {' AND '.join(where)} "
            f"ORDER BY s.created_at DESC, s.id DESC LIMIT {int(limit)}", tuple(params)).fetchall()
        return [(r[0], _parse_time(r[1]), self._d(r[2]), r[3], r[4]) for r in rows]

    def returns_of(self, number: str) -> list[Sale]:
        """The returns taken against a sale, oldest first."""
        db = database.obj
        ids = [r[0] for r in db.execute_sql(
            f"SELECT r.id FROM sale r JOIN sale s ON s.id = r.original_id WHERE s.number = {db.param} "
            "ORDER BY r.id", (number,)).fetchall()]
        return [self.get(sale_id=i) for i in ids]

    def _add_line_promotions(self, sale_id: int, sale: Sale) -> None:
        db = database.obj
        p = db.param
        ids = dict(db.execute_sql(f"SELECT line_no, id FROM sale_line WHERE sale_id = {p}", (sale_id,)).fetchall())
        db.cursor().executemany(
            "INSERT INTO sale_line_promotion (sale_line_id, promotion_id, code, name, kind, amount_minor) "
            f"VALUES ({', '.join([p] * 6)})",
            [(ids[ln.line_no], pr.promotion_id, pr.code, pr.name, pr.kind, self._m(pr.amount))
             for ln in sale.lines for pr in ln.promotions])

    def _line_promotions(self, sale_id: int) -> dict[int, list[LinePromotion]]:
        db = database.obj
        rows = db.execute_sql(
            "SELECT l.line_no, p.promotion_id, p.code, p.name, p.kind, p.amount_minor FROM sale_line_promotion p "
            f"JOIN sale_line l ON l.id = p.sale_line_id WHERE l.sale_id = {db.param} ORDER BY p.id",
            (sale_id,)).fetchall()
        found: dict[int, list[LinePromotion]] = {}
        for r in rows:
            found.setdefault(r[0], []).append(LinePromotion(promotion_id=r[1], code=r[2], name=r[3], kind=r[4],
                                                            amount=self._d(r[5])))
        return found

    def get(self, *, sale_id: int | None = None, number: str | None = None) -> Sale | None:
        db = database.obj
        p = db.param
        key, value = ("id", sale_id) if sale_id is not None else ("number", number)
        row = db.execute_sql(
            "SELECT s.id, s.number, s.store_code, s.terminal_code, s.shift_id, s.cashier_id, u.name, "
            "s.created_at, s.currency, s.subtotal_minor, s.basket_discount_minor, s.total_minor, "
            "s.rounding_minor, s.change_minor, s.promo_discount_minor, s.member_code, s.kind, o.number "
            "FROM sale s JOIN app_user u ON u.id = s.cashier_id LEFT JOIN sale o ON o.id = s.original_id "
            f"WHERE s.{key} = {p}", (value,)).fetchone()
        if row is None:
            return None
        sid = row[0]
        lines = db.execute_sql(
            "SELECT line_no, product_id, sku, name, unit, qty_milli, unit_price_minor, list_price_minor, "
            "discount_minor, total_minor, tax_class, tax_rate_bp, weighed, barcode, paid_minor, original_line_no, "
            "reason, damaged, tax_minor FROM sale_line "
            f"WHERE sale_id = {p} ORDER BY line_no", (sid,)).fetchall()
        promos = self._line_promotions(sid)
        coupons = tuple(r[0] for r in db.execute_sql(
            f"SELECT code FROM coupon_use WHERE sale_id = {p} ORDER BY id", (sid,)).fetchall())
        taxes = db.execute_sql(f"SELECT rate_bp, gross_minor, tax_minor, net_minor FROM sale_tax "
                               f"WHERE sale_id = {p} ORDER BY rate_bp DESC", (sid,)).fetchall()
        pays = db.execute_sql(f"SELECT tender, amount_minor, tendered_minor, reference, refund_of FROM payment "
                              f"WHERE sale_id = {p} ORDER BY id", (sid,)).fetchall()
        deductions = db.execute_sql(f"SELECT promotion_id, name, kind, amount_minor, points FROM return_deduction "
                                    f"WHERE sale_id = {p} ORDER BY id", (sid,)).fetchall() if row[16] != "sale" else ()
        d = self._d
        return Sale(
            number=row[1], store_code=row[2], terminal_code=row[3], shift_id=row[4], cashier_id=row[5],
            cashier_name=row[6], created_at=_parse_time(row[7]), currency=row[8], subtotal=d(row[9]),
            basket_discount=d(row[10]), total=d(row[11]), rounding=d(row[12]), change=d(row[13]),
            lines=tuple(SaleLine(line_no=r[0], product_id=r[1], sku=r[2], name=r[3], unit=r[4],
                                 qty=qty_from_milli(r[5]), unit_price=d(r[6]), list_price=d(r[7]),
                                 discount=d(r[8]), total=d(r[9]), tax_class=r[10],
                                 tax_rate=rate_from_bp(r[11]), weighed=bool(r[12]), barcode=r[13],
                                 paid=None if r[14] is None else d(r[14]), promotions=tuple(promos.get(r[0], ())),
                                 original_line=r[15], reason=r[16] or "", damaged=bool(r[17]),
                                 tax=None if r[18] is None else d(r[18]))
                        for r in lines),
            taxes=tuple(TaxLine(rate=rate_from_bp(r[0]), gross=d(r[1]), tax=d(r[2]), net=d(r[3]))
                        for r in taxes),
            payments=tuple(Payment(tender=r[0], amount=d(r[1]), tendered=d(r[2]), reference=r[3], refund_of=r[4])
                           for r in pays),
            promo_discount=d(row[14]), coupons=coupons, member_code=row[15], kind=row[16], original=row[17],
            deductions=tuple(ReturnDeduction(promotion_id=r[0], name=r[1], kind=r[2], amount=d(r[3]), points=int(r[4]))
                             for r in deductions))

    def id_of(self, number: str) -> int | None:
        db = database.obj
        row = db.execute_sql(f"SELECT id FROM sale WHERE number = {db.param}", (number,)).fetchone()
        return row[0] if row else None

    def numbers(self, *, terminal_code: str) -> list[str]:
        db = database.obj
        return [r[0] for r in db.execute_sql(
            f"SELECT number FROM sale WHERE terminal_code = {db.param} ORDER BY id", (terminal_code,))]

    # --- journal ----------------------------------------------------------------------------
    def last_journal_hash(self, terminal_code: str) -> str | None:
        db = database.obj
        row = db.execute_sql(f"SELECT entry_hash FROM journal_entry WHERE terminal_code = {db.param} "
                             "ORDER BY id DESC LIMIT 1", (terminal_code,)).fetchone()
        return row[0] if row else None

    def add_journal(self, *, sale_id: int, terminal_code: str, prev_hash: str, content_hash: str,
                    entry_hash: str, content: str) -> None:
        db = database.obj
        db.execute_sql("INSERT INTO journal_entry (sale_id, terminal_code, prev_hash, content_hash, "
                       f"entry_hash, content) VALUES ({', '.join([db.param] * 6)})",
                       (sale_id, terminal_code, prev_hash, content_hash, entry_hash, content))

    def journal(self, terminal_code: str) -> list[tuple[int | None, str, str, str]]:
        """(sale id, prev hash, content hash, entry hash) in the order they were written."""
        db = database.obj
        return db.execute_sql("SELECT sale_id, prev_hash, content_hash, entry_hash FROM journal_entry "
                              f"WHERE terminal_code = {db.param} ORDER BY id", (terminal_code,)).fetchall()

    def unjournaled(self, terminal_code: str) -> list[str]:
        db = database.obj
        return [r[0] for r in db.execute_sql(
            "SELECT s.number FROM sale s LEFT JOIN journal_entry j ON j.sale_id = s.id "
            f"WHERE s.terminal_code = {db.param} AND j.id IS NULL ORDER BY s.id", (terminal_code,))]

    def terminals(self) -> list[str]:
        db = database.obj
        return [r[0] for r in db.execute_sql(
            "SELECT DISTINCT terminal_code FROM journal_entry ORDER BY terminal_code")]

    # --- outbox -----------------------------------------------------------------------------
    def outbox_pending(self) -> int:
        """Events still on their way to the shop (pending, or held behind something); parked and skipped
        ones wait for a person and are counted apart (OutboxRepository.counts)."""
        return database.obj.execute_sql(
            "SELECT COUNT(*) FROM outbox_event WHERE state IN ('pending', 'held')").fetchone()[0]

    def add_outbox(self, *, topic: str, key: str, payload: dict, at: datetime) -> None:
        db = database.obj
        db.execute_sql(f"INSERT INTO outbox_event (topic, key, payload, created_at, attempts, last_error) "
                       f"VALUES ({', '.join([db.param] * 6)})",
                       (topic, key, json.dumps(payload, ensure_ascii=False, default=str), _stamp(db, at),
                        0, ""))
