"""Cash control on the till page: paid in/out, the X report and the blind shift close (Z)."""

from __future__ import annotations

from posapp.devices.receipt import render_text
from posapp.domain.users import Permission
from posapp.i18n import _, money
from posapp.services import report_paper
from posapp.services import shifts as shift_service
from posapp.ui.dialogs import ReportDialog


class CashControl:
    """Mixed into TillPage, which provides store, user, basket, _ask, with_permission, info, refuse."""

    def paid_in(self) -> None:
        self._cash_movement("paid_in", _("Paid in"))

    def paid_out(self) -> None:
        self._cash_movement("paid_out", _("Paid out"))

    def _cash_movement(self, kind: str, title: str) -> None:
        amount = self._ask(title, _("Amount"))
        reason = self._ask(title, _("Reason")) if amount else None
        if not reason:
            return
        store, user = self.store, self.user
        self.with_permission(Permission.PAID_IN_OUT, lambda approval: shift_service.paid_in_out(
            store.uow(), store.station, actor=user, kind=kind, amount=amount, reason=reason,
            approval=approval), lambda moved: self.info(f"{title}: {money(moved.amount, self.currency)}"))

    def _show_report(self, report, title: str) -> None:
        cfg = self.store.config
        doc = report_paper.layout_shift_report(report, columns=cfg.printer.columns, locale=cfg.store.locale,
                                                timezone=cfg.store.timezone)
        ReportDialog(title=title, lines=render_text(doc), parent=self).exec()
        self.scan.setFocus()

    def x_report(self) -> None:
        store, user = self.store, self.user
        self.with_permission(Permission.CLOSE_SHIFT, lambda approval: shift_service.x_report(
            store.uow(), store.station, actor=user, approval=approval),
            lambda report: self._show_report(report, _("X report")))

    def close_shift(self) -> None:
        if not self.basket.is_empty:
            self.refuse(_("Finish, park or void the basket before closing the shift"))
            return
        # Blind close: the expected amount is shown only after the count is in.
        counted = self._ask(_("Close the shift"), _("Cash counted in the drawer"))
        if counted is None:
            return
        store, user = self.store, self.user
        render = report_paper.make_report_renderer(store.config)
        self.with_permission(Permission.CLOSE_SHIFT, lambda approval: shift_service.close_shift(
            store.uow(), store.station, actor=user, counted=counted, approval=approval, render=render),
            self._closed)

    def _closed(self, report) -> None:
        self.sale_completed.emit(None)  # print the Z report now
        self._show_report(report, _("Z report"))
        self.log_out.emit()
