"""Staff-written HTML made safe to show (nh3: the Ammonia sanitiser).

Flatpages (reference articles) are written by operators in the admin as
raw HTML and shown to everyone. :func:`clean_html` keeps formatting —
headings, paragraphs, lists, tables, quotes, emphasis, images and links —
and drops everything that can act: scripts and styles (with their
contents), event handlers, ``style`` and ``class`` attributes, frames,
forms, ``<meta>``; links keep only ``http``, ``https``, ``mailto`` and
``tel`` (and relative addresses) and get ``rel="noopener noreferrer"``.
It runs when a page is saved (what is stored is what is shown) and again
when it is shown (a row written by SQL or before this rule).
"""

from __future__ import annotations

import nh3

TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "strong", "b", "em", "i", "u", "s", "small", "sub", "sup", "abbr", "span",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "a", "img", "figure", "figcaption",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
DROPPED_WITH_CONTENT = {"script", "style"}


def clean_html(html: str | None) -> str:
    """``html`` with only the allowed tags, attributes and link schemes."""
    return nh3.clean(
        html or "",
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
