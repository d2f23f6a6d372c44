"""Splitting an amount over weights in proportion, exactly to the minor unit: basket promotions over
their lines, a buy-X-get-Y set's saving over the lines of its free units, the cashier's basket
discount over the basket. Shares are rounded down; the units left over go to the largest weight
(ties: the first), then the next largest should one have no room."""

from __future__ import annotations

from decimal import Decimal

from posapp.domain.money import from_minor


def allocate(amount: Decimal, weights: list[Decimal], *, places: int = 2) -> list[Decimal]:
    """Split amount over weights in proportion: each share rounded down to the minor unit, the units
    left over to the largest weight (ties: the first), then the next largest if it has no room.

    Needs 0 <= amount <= sum(weights) and no negative weight; the shares add up to amount exactly
    and none exceeds its weight.
    """
    parts = [minor_units(w, places) for w in weights]
    return [from_minor(s, places) for s in allocate_minor(minor_units(amount, places), parts)]


def allocate_minor(units: int, parts: list[int]) -> list[int]:
    """allocate() in integer minor units."""
    whole = sum(parts)
    if units < 0 or min(parts, default=0) < 0 or units > whole:
        raise ValueError("allocate needs 0 <= amount <= sum of non-negative weights")
    if not units:
        return [0] * len(parts)
    shares = [units * p // whole for p in parts]
    left = units - sum(shares)
    if left:
        first = max(range(len(parts)), key=parts.__getitem__)  # the largest (ties: the first)
        if parts[first] - shares[first] >= left:  # nearly always: it has room for them all
            shares[first] += left
            return shares
        for i in sorted(range(len(parts)), key=lambda i: (-parts[i], i)):
            extra = min(left, parts[i] - shares[i])
            shares[i] += extra
            left -= extra
            if not left:
                break
    return shares


def minor_units(amount: Decimal, places: int) -> int:
    """An amount in whole minor units (exact for amounts with at most `places` decimals)."""
    return int(amount.scaleb(places).to_integral_value())
