"""The WooCommerce connector: the pull side (catalog, coupons, customers, audit) and the push side
(orders, refunds, points, stock changes) over one HTTP client. Other shops get their own connector with
the same methods (see docs/sync.md)."""

from __future__ import annotations

from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woo_push import WooOrderSink
from posapp.sync.woocommerce import WooClient


class WooConnector(WooCatalogSource, WooOrderSink):
    name = "woocommerce"

    def __init__(self, config, *, client: WooClient | None = None):
        client = client or WooClient(config)
        WooCatalogSource.__init__(self, client, config)
        WooOrderSink.__init__(self, client, config)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "WooConnector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
