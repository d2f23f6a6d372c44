"""Opening a shift with its float; a till sells only inside an open shift."""

from __future__ import annotations

from decimal import Decimal

from posapp.domain.errors import ValidationError
from posapp.domain.money import parse_price
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, require
from posapp.services.station import Station


def current_shift(uow, station: Station):
    return uow.till.current_shift(store_code=station.store_code, terminal_code=station.terminal_code)


def open_shift(uow, station: Station, *, actor: User, opening_float: Decimal | str):
    amount = parse_price(str(opening_float), places=station.places, what=_("opening float"))
    with uow:
        require(uow, actor, Permission.SELL)
        if current_shift(uow, station) is not None:
            raise ValidationError(_("A shift is already open on this terminal"))
        shift = uow.till.open_shift(store_code=station.store_code, terminal_code=station.terminal_code,
                                    user_id=actor.id, opening_float=amount)
        audit(uow, station, actor=actor, action="shift_opened",
              detail={"shift": shift.number, "float": str(amount)})
        uow.commit()
    return shift
