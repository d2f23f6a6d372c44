"""Members as promotions see them: a code the till scans or types, and a tier.

The membership work (points, sign-up, the member screen) builds on this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    id: int
    code: str  # printed on the card, scanned at the till
    name: str
    phone: str
    tier: str  # "" for the base tier; promotions may be limited to tiers
    active: bool = True
