"""The fake WooCommerce shop in its own process, for the sync benchmarks: the shop's work then runs on
another interpreter (and CPU), as a real shop would, instead of sharing the benchmark's GIL.

    python tests/benchmarks/woo_server.py PRODUCTS CATEGORIES
prints one JSON line {"url", "key", "secret", "seeded_s"} when ready, and serves until stdin closes."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "woo"))

from fake_server import FakeWooServer  # noqa: E402


def main() -> None:
    products, categories = int(sys.argv[1]), int(sys.argv[2])
    with FakeWooServer() as woo:
        woo.clock.set(datetime.now(timezone.utc).replace(tzinfo=None))
        started = time.perf_counter()
        cats = [woo.store.add_category(f"类别 {n}") for n in range(categories)]
        woo.store.add_products_bulk(products, category_ids=cats)
        woo.clock.set(datetime.now(timezone.utc).replace(tzinfo=None))
        woo.clock.auto_advance = type(woo.clock.auto_advance)(milliseconds=1)
        print(json.dumps({"url": woo.url, "key": woo.key, "secret": woo.secret,
                          "seeded_s": round(time.perf_counter() - started, 2)}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


if __name__ == "__main__":
    main()
