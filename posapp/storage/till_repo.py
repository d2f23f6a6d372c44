"""Shifts, cash movements, parked baskets and the print queue of a terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.clock import utcnow
from posapp.domain.money import from_minor, to_minor
from posapp.storage.models import CashMovementRow, ParkedBasketRow, PrintJobRow, ShiftRow, UserRow


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    number: int
    terminal_code: str
    status: str
    opened_by: str
    opened_at: datetime
    opening_float: Decimal
    closed_at: datetime | None = None
    expected_cash: Decimal | None = None
    counted_cash: Decimal | None = None
    z_number: int | None = None


@dataclass(frozen=True)
class PrintJob:
    id: int
    kind: str
    ref: str
    payload: bytes
    status: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class ParkedInfo:
    id: int
    cashier: str
    parked_at: datetime
    label: str
    payload: dict


class TillRepository:
    def __init__(self, places: int = 2):
        self.places = places

    def _shift(self, row: ShiftRow) -> ShiftInfo:
        d = lambda m: None if m is None else from_minor(m, self.places)  # noqa: E731
        return ShiftInfo(id=row.id, number=row.number, terminal_code=row.terminal_code, status=row.status,
                         opened_by=row.opened_by.name, opened_at=row.opened_at,
                         opening_float=d(row.opening_float_minor), closed_at=row.closed_at,
                         expected_cash=d(row.expected_cash_minor), counted_cash=d(row.counted_cash_minor),
                         z_number=row.z_number)

    def open_shift(self, *, store_code: str, terminal_code: str, user_id: int, opening_float: Decimal) -> ShiftInfo:
        last = (ShiftRow.select(ShiftRow.number).where(ShiftRow.store_code == store_code,
                                                       ShiftRow.terminal_code == terminal_code)
                .order_by(ShiftRow.number.desc()).limit(1).scalar()) or 0
        row = ShiftRow.create(store_code=store_code, terminal_code=terminal_code, number=last + 1,
                              opened_by=user_id, opening_float_minor=to_minor(opening_float, self.places))
        return self._shift(ShiftRow.get_by_id(row.id))

    def current_shift(self, *, store_code: str, terminal_code: str) -> ShiftInfo | None:
        row = (ShiftRow.select(ShiftRow, UserRow).join(UserRow, on=(ShiftRow.opened_by == UserRow.id))
               .where(ShiftRow.store_code == store_code, ShiftRow.terminal_code == terminal_code,
                      ShiftRow.status == "open").first())
        return self._shift(row) if row else None

    def shift(self, shift_id: int) -> ShiftInfo | None:
        row = ShiftRow.get_or_none(ShiftRow.id == shift_id)
        return self._shift(row) if row else None

    def close_shift(self, shift_id: int, *, user_id: int, expected: Decimal, counted: Decimal,
                    detail: dict, z_number: int) -> None:
        ShiftRow.update(status="closed", closed_by=user_id, closed_at=utcnow(),
                        expected_cash_minor=to_minor(expected, self.places),
                        counted_cash_minor=to_minor(counted, self.places),
                        counted_detail=json.dumps(detail, default=str), z_number=z_number).where(
            ShiftRow.id == shift_id).execute()

    def close_open_shift(self, shift_id: int, *, user_id: int | None, expected: Decimal, counted: Decimal,
                         detail: dict, z_number: int) -> bool:
        """Close the shift only if it is still open; False when someone else closed it first."""
        done = ShiftRow.update(status="closed", closed_by=user_id, closed_at=utcnow(),
                               expected_cash_minor=to_minor(expected, self.places),
                               counted_cash_minor=to_minor(counted, self.places),
                               counted_detail=json.dumps(detail, default=str), z_number=z_number).where(
            ShiftRow.id == shift_id, ShiftRow.status == "open").execute()
        return done == 1

    def add_cash_movement(self, *, shift_id: int, kind: str, amount: Decimal, reason: str, user_id: int,
                          approver_id: int | None) -> None:
        CashMovementRow.create(shift=shift_id, kind=kind, amount_minor=to_minor(amount, self.places),
                               reason=reason, user=user_id, approver=approver_id)

    # --- parked baskets ---------------------------------------------------------------------
    def park(self, *, terminal_code: str, cashier_id: int, label: str, payload: dict) -> int:
        return ParkedBasketRow.create(terminal_code=terminal_code, cashier=cashier_id, label=label,
                                      payload=json.dumps(payload, ensure_ascii=False)).id

    def parked(self, terminal_code: str) -> list[ParkedInfo]:
        query = (ParkedBasketRow.select(ParkedBasketRow, UserRow)
                 .join(UserRow, on=(ParkedBasketRow.cashier == UserRow.id))
                 .where(ParkedBasketRow.terminal_code == terminal_code).order_by(ParkedBasketRow.id))
        return [ParkedInfo(id=r.id, cashier=r.cashier.name, parked_at=r.parked_at, label=r.label,
                           payload=json.loads(r.payload)) for r in query]

    def take_parked(self, parked_id: int, *, terminal_code: str) -> dict | None:
        row = ParkedBasketRow.get_or_none(ParkedBasketRow.id == parked_id,
                                          ParkedBasketRow.terminal_code == terminal_code)
        if row is None:
            return None
        row.delete_instance()
        return json.loads(row.payload)

    # --- print queue ------------------------------------------------------------------------
    def add_print_job(self, *, terminal_code: str, kind: str, ref: str, payload: bytes) -> int:
        return PrintJobRow.create(terminal_code=terminal_code, kind=kind, ref=ref, payload=payload).id

    def pending_print_jobs(self, terminal_code: str, *, limit: int = 20) -> list[PrintJob]:
        query = (PrintJobRow.select().where(PrintJobRow.terminal_code == terminal_code,
                                            PrintJobRow.status == "pending")
                 .order_by(PrintJobRow.id).limit(limit))
        return [PrintJob(id=r.id, kind=r.kind, ref=r.ref, payload=bytes(r.payload), status=r.status,
                         attempts=r.attempts, last_error=r.last_error) for r in query]

    def print_done(self, job_id: int) -> None:
        PrintJobRow.update(status="printed", printed_at=utcnow(), attempts=PrintJobRow.attempts + 1,
                           last_error="").where(PrintJobRow.id == job_id).execute()

    def print_failed(self, job_id: int, error: str) -> None:
        PrintJobRow.update(attempts=PrintJobRow.attempts + 1, last_error=error[:500]).where(
            PrintJobRow.id == job_id).execute()

    def print_abandoned(self, job_id: int, error: str) -> None:
        """Take a job out of the queue for good (it can never print as it is), keeping why."""
        PrintJobRow.update(status="failed", attempts=PrintJobRow.attempts + 1, last_error=error[:500]).where(
            PrintJobRow.id == job_id).execute()

    def pending_print_count(self, terminal_code: str) -> int:
        return PrintJobRow.select().where(PrintJobRow.terminal_code == terminal_code,
                                          PrintJobRow.status == "pending").count()
