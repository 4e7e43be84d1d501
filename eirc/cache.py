"""The Redis cache, tolerant of a Redis outage.

The cache holds only what may be lost: counters (registration, reset and
linking throttles; the readings API's rate per minute) and the cabinet's
page bodies (eirc/pagecache.py, computed again on a miss). When Redis does not
answer, a request must not answer 500 (DESIGN §6), so each operation logs a
warning and answers as an empty cache would: reads miss, writes are dropped,
``incr`` raises ``ValueError`` (what a missing key raises, which the callers
handle). While Redis is away those throttles therefore do not count; the
login lockout (django-axes) and the captcha live in the database and keep
working. Sessions are in the database too.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _tolerant(on_error):
    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                log.warning("cache: Redis unavailable for %s (%s); answering as an empty cache", method.__name__, exc)
                return on_error(*args, **kwargs)

        return call

    return wrap


def _missing_key(*_args, **_kwargs):
    raise ValueError("cache unavailable")


class ReusingRedisCacheClient(RedisCacheClient):
    """One ``redis.Redis`` per connection pool, kept: Django builds a new one
    for every cache call, which costs more than the GET itself on a cached
    page. (The client is safe to share: it takes a connection from the pool
    for each command.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class OutageTolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    add = _tolerant(lambda *a, **k: False)(RedisCache.add)
    get = _tolerant(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _tolerant(lambda *a, **k: None)(RedisCache.set)
    touch = _tolerant(lambda *a, **k: False)(RedisCache.touch)
    delete = _tolerant(lambda *a, **k: False)(RedisCache.delete)
    get_many = _tolerant(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _tolerant(lambda *a, **k: False)(RedisCache.has_key)
    incr = _tolerant(_missing_key)(RedisCache.incr)
    set_many = _tolerant(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _tolerant(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _tolerant(lambda *a, **k: False)(RedisCache.clear)
