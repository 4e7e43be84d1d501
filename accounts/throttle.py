"""A small cache-based throttle for registration, reset and linking.

Fixed windows keyed by ``time.time() // window``: a key stops counting when
its window passes, so a throttle lifts by itself (and the clock can be frozen
or moved in tests). Redis cache when ``REDIS_URL`` is set, locmem otherwise.
Keys hold a hash of the identifier, never the identifier itself.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, ident: str) -> tuple[str, int, int]:
    limit, window = settings.ACCOUNTS_THROTTLES[scope]
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{bucket}", limit, window


def is_limited(scope: str, ident: str | None) -> bool:
    """True when ``ident`` has used up its attempts in the current window."""
    if not ident:
        return False
    key, limit, _ = _key(scope, ident)
    return (cache.get(key) or 0) >= limit


def hit(scope: str, ident: str | None) -> int:
    """Count one attempt; returns the count in the current window."""
    if not ident:
        return 0
    key, _, window = _key(scope, ident)
    if cache.add(key, 1, timeout=window + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        return 1


def seconds_left(scope: str) -> int:
    """Seconds until the current window of ``scope`` ends."""
    _, window = settings.ACCOUNTS_THROTTLES[scope]
    return int(window - time.time() % window) + 1
