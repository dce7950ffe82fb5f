"""The store fixtures of ``tests/support/stores.py``."""

from tests.support.stores import redis_url, store, store_pair

__all__ = ["redis_url", "store", "store_pair"]
