"""Sync with the online shop: connectors, the outbox push, the catalog pull, one run, the worker."""

from __future__ import annotations


def make_connector(config):
    """The connector named in [sync] (config: a SyncConfig)."""
    if config.connector == "woocommerce":
        from posapp.sync.woo_connector import WooConnector

        return WooConnector(config)
    raise ValueError(f"unknown connector {config.connector!r}")
