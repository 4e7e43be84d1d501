"""URL path converters shared by the apps (registered in ``CoreConfig.ready``).

``<key:name>`` is the one way a string id travels in a path: codes of
submissions, gateway ids, emailed tokens. ASCII letters, digits and
``_ . : -`` only, at most 1000 of them (a signed unsubscribe token carries
an email), so a NUL, a slash or odd Unicode in the path is simply no page
(404) and never reaches a query (PostgreSQL refuses a NUL in a text
literal: that was a 500).
"""

from __future__ import annotations


class KeyConverter:
    regex = r"[A-Za-z0-9_.:\-]{1,1000}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    from django.urls import register_converter

    register_converter(KeyConverter, "key")
