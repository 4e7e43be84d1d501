"""A JSON request body read within bounds: size, nesting and NUL.

``json.loads`` recurses once per level of nesting, so a body of a few
kilobytes nested ~950 levels deep raises ``RecursionError`` inside a
request (Django's own frames use the rest of the stack): that was a 500 in
the webhook and the readings API. :func:`parse` refuses, as
:class:`BadBody` with the HTTP status to answer,

* a body over ``max_bytes`` (by its Content-Length before reading, and by
  its length after) — 413;
* anything that is not JSON in UTF-8, nesting that ``json`` cannot parse
  (``RecursionError``) or deeper than ``max_depth`` — 400;
* a NUL anywhere in a string or key (PostgreSQL refuses it in text and
  jsonb) — 400.

Callers check who is sending before calling it (a token, an allow-listed
address), so an anonymous client never makes the server parse anything.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig

MAX_DEPTH = 32


class BadBody(ValueError):
    """The body is refused; ``status`` is what to answer, ``code`` says why."""

    def __init__(self, code: str, status: int):
        super().__init__(code)
        self.code = code
        self.status = status


def _check(data, max_depth: int) -> None:
    """Depth and NUL, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise BadBody("nul", 400)
        elif isinstance(value, (list, dict)):
            if depth > max_depth:
                raise BadBody("too_deep", 400)
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise BadBody("nul", 400)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def parse(request, *, max_bytes: int, max_depth: int = MAX_DEPTH, empty=None):
    """The request's JSON body, or :class:`BadBody`. An empty body gives
    ``empty`` (when given) instead of an error."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise BadBody("too_large", 413)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadBody("too_large", 413) from None
    if len(raw) > max_bytes:
        raise BadBody("too_large", 413)
    if not raw and empty is not None:
        return empty
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BadBody("too_deep", 400) from None
    except (ValueError, UnicodeDecodeError):
        raise BadBody("malformed", 400) from None
    _check(data, max_depth)
    return data
