"""The unit of work: one transaction per business event, rolled back unless committed."""

from __future__ import annotations

from posapp.storage.audit_repo import AuditRepository
from posapp.storage.case_repo import CaseRepository
from posapp.storage.catalog_repo import CatalogRepository
from posapp.storage.count_repo import CountRepository
from posapp.storage.db import database, immediate
from posapp.storage.label_repo import LabelRepository
from posapp.storage.lease_repo import LeaseRepository
from posapp.storage.member_repo import MemberRepository
from posapp.storage.outbox_repo import OutboxRepository
from posapp.storage.promotion_repo import PromotionRepository
from posapp.storage.sales_repo import SalesRepository
from posapp.storage.settings_repo import SettingsRepository
from posapp.storage.stock_repo import StockRepository
from posapp.storage.sync_pull_repo import SyncPullRepository
from posapp.storage.till_repo import TillRepository
from posapp.storage.user_repo import UserRepository


class _Rollback(Exception):
    """Passed into the transaction's exit to make it roll back instead of commit."""


class UnitOfWork:
    """Use as `with uow: ...; uow.commit()`. Whatever was not committed is rolled back on exit."""

    def __init__(self, db=None):
        self.db = db or database
        self.catalog = CatalogRepository()
        self.users = UserRepository()
        self.audit = AuditRepository()
        self.sales = SalesRepository()
        self.till = TillRepository()
        self.promotions = PromotionRepository()
        self.members = MemberRepository()
        self.settings = SettingsRepository()
        self.cases = CaseRepository()
        self.sync_pull = SyncPullRepository(self.catalog)  # the pull from the online shop (posapp.sync.pull)
        self.outbox = OutboxRepository()
        self.lease = LeaseRepository()
        self.stock = StockRepository()
        self.counts = CountRepository()  # stock counts (盘点): lines, entries, approval
        self.labels = LabelRepository()  # shelf and barcode labels: which products, at which price
        self._txn = None

    def __enter__(self) -> "UnitOfWork":
        self._txn = immediate(self.db.obj if hasattr(self.db, "obj") else self.db)
        self._handle = self._txn.__enter__()
        return self

    def commit(self) -> None:
        """Make everything so far durable now; later work in the block starts a new transaction."""
        self._handle.commit()

    def __exit__(self, exc_type, exc, tb) -> bool:
        txn, self._txn = self._txn, None
        if exc_type is None:
            exc_type, exc = _Rollback, _Rollback()
        txn.__exit__(exc_type, exc, tb)
        return False
