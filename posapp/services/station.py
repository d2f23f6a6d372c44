"""Where a service runs: the store and terminal, the currency, and the scale-barcode rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, EmbeddedRule
from posapp.domain.money import currency_places


@dataclass(frozen=True)
class Station:
    store_code: str
    terminal_code: str
    currency: str = "CNY"
    embedded_rules: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES
    timezone: str = "Asia/Shanghai"  # the store's: promotions' days and hours are in it
    prices_include_tax: bool = True
    cash_increment: Decimal = Decimal("0.01")  # cash amounts round to this (sales and refunds)
    return_days: int = 30  # the return window a cashier may take returns in
    no_receipt_refund: str = "voucher"  # where a return without a receipt refunds to: voucher or cash

    @property
    def places(self) -> int:
        return currency_places(self.currency)

    @classmethod
    def from_config(cls, config) -> "Station":
        return cls(store_code=config.store.code, terminal_code=config.terminal_code,
                   currency=config.store.currency, embedded_rules=config.embedded_barcodes,
                   timezone=config.store.timezone, prices_include_tax=config.store.prices_include_tax,
                   cash_increment=config.till.cash_rounding, return_days=config.till.return_days,
                   no_receipt_refund=config.till.no_receipt_refund)
