"""Checking the sales journal: recompute every entry from the sales as they are stored now."""

from __future__ import annotations

from dataclasses import dataclass

from posapp.domain.journal import JournalEntry, JournalProblem, canonical_content, sha256, verify_chain


@dataclass(frozen=True)
class JournalReport:
    terminals: dict[str, int]  # terminal -> entries checked
    problem: JournalProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_journal(uow, *, terminal_code: str | None = None) -> JournalReport:
    """Names the first sale whose entry was altered, inserted or deleted, or that has none."""
    terminals = [terminal_code] if terminal_code else uow.sales.terminals()
    counts: dict[str, int] = {}
    for terminal in terminals:
        entries = []
        for sale_id, prev_hash, content_hash, entry_hash in uow.sales.journal(terminal):
            sale = uow.sales.get(sale_id=sale_id)
            if sale is None:
                return JournalReport(counts, JournalProblem(f"sale id {sale_id}", "the sale was deleted"))
            entries.append(JournalEntry(number=sale.number, prev_hash=prev_hash, content_hash=content_hash,
                                        entry_hash=entry_hash, content=canonical_content(sale)))
        counts[terminal] = len(entries)
        problem = verify_chain(entries)
        if problem is None:
            missing = uow.sales.unjournaled(terminal)
            if missing:
                problem = JournalProblem(missing[0], "the sale has no journal entry (inserted afterwards)")
        if problem is None:
            problem = _gap(uow, terminal, [e.number for e in entries])
        if problem is not None:
            return JournalReport(counts, problem)
    return JournalReport(counts, None)


def journal_entry_for(sale, *, prev_hash: str) -> tuple[str, str, str]:
    content = canonical_content(sale)
    content_hash = sha256(content)
    return content, content_hash, sha256(prev_hash + content_hash)


def receipt_sequence(store_code: str, terminal_code: str) -> str:
    return f"receipt:{store_code}-{terminal_code}"


def receipt_number(store_code: str, terminal_code: str, value: int) -> str:
    return f"{store_code}-{terminal_code}-{value:06d}"


def _gap(uow, terminal: str, numbers: list[str]) -> JournalProblem | None:
    """Receipt numbers are gapless: a missing one means a sale and its entry were removed."""
    by_store: dict[str, list[int]] = {}
    for number in numbers:
        store, _, value = number.rsplit("-", 2)
        by_store.setdefault(store, []).append(int(value))
    for store, values in by_store.items():
        issued = uow.sales.sequence_value(receipt_sequence(store, terminal))
        expected = list(range(1, issued + 1))
        if values != expected:
            first = next((n for n, v in zip(expected, values + [None] * len(expected)) if n != v), issued)
            return JournalProblem(receipt_number(store, terminal, first),
                                  "this receipt number was issued but its sale is missing")
    return None
