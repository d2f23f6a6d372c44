"""The `woo` fixture: a fresh fake WooCommerce server per test (see fake_server.py)."""

import pytest

from fake_server import FakeWooServer


@pytest.fixture
def woo():
    with FakeWooServer() as server:
        yield server
