"""eirc.pagecache.cached_bodies: the parts of one page read together, each
rendered only when missing, never mixed between accounts or versions."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from eirc import pagecache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def account(pk=1, version=10, site=5):
    return SimpleNamespace(pk=pk, data_version=version, site_version=site)


def renders(calls: list):
    def part(name):
        def render():
            calls.append(name)
            return f"<p>{name} {len(calls)}</p>"

        return render

    return {"dashboard": part("dashboard"), "estimate": part("estimate")}


def test_missing_parts_are_rendered_once_then_served_together():
    calls = []
    first = pagecache.cached_bodies(account=account(), renders=renders(calls))
    again = pagecache.cached_bodies(account=account(), renders=renders(calls))
    assert calls == ["dashboard", "estimate"]
    assert again == first == {"dashboard": "<p>dashboard 1</p>", "estimate": "<p>estimate 2</p>"}


def test_only_the_missing_part_is_rendered():
    calls = []
    pagecache.cached_bodies(account=account(), renders=renders(calls))
    cache.delete(pagecache.page_key(name="estimate", account=account(), today=pagecache.periods.today()))
    pagecache.cached_bodies(account=account(), renders=renders(calls))
    assert calls == ["dashboard", "estimate", "estimate"]


def test_another_version_or_account_renders_anew():
    calls = []
    pagecache.cached_bodies(account=account(), renders=renders(calls))
    pagecache.cached_bodies(account=account(version=11), renders=renders(calls))
    pagecache.cached_bodies(account=account(pk=2), renders=renders(calls))
    pagecache.cached_bodies(account=SimpleNamespace(pk=1), renders=renders(calls))  # no versions: never cached
    pagecache.cached_bodies(account=SimpleNamespace(pk=1), renders=renders(calls))
    assert len(calls) == 10
