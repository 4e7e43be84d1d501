"""What talks to nginx: a resident's browser (cookies, CSRF, forms) and the
YooKassa stub's notifications, both over TLS to the smoke's nginx. Every
answer is recorded, so a phase can say how many requests it made and that
none answered 5xx."""

from __future__ import annotations

import http.client
import json
import re
import ssl
from html.parser import HTMLParser

import requests
from stack import HOST, WEBHOOK_SENDER


class UnexpectedAnswer(AssertionError):
    pass


class Forms(HTMLParser):
    """The POST forms of a page: their action and the values of their fields."""

    def __init__(self, text: str):
        super().__init__()
        self.forms: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") == "submit":
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""

    def having(self, field: str) -> dict:
        for form in self.forms:
            if field in form["fields"]:
                return form
        raise UnexpectedAnswer(f"no form with the field «{field}» on the page; its forms: {self.summary()}")

    def summary(self) -> str:
        return "; ".join(f"{f['action'] or '(here)'}: {', '.join(f['fields'])}" for f in self.forms) or "none"

    def with_field(self, pattern: str) -> dict:
        for form in self.forms:
            if any(re.match(pattern, name) for name in form["fields"]):
                return form
        raise UnexpectedAnswer(f"no form with a field like «{pattern}» on the page")

    def by_action(self, action: str) -> dict:
        for form in self.forms:
            if form["action"] == action:
                return form
        raise UnexpectedAnswer(f"no form sent to {action} on the page")


class Browser:
    """A resident's browser. ``answers`` collects (method, path, status) of
    every request, shared by all browsers of a run."""

    def __init__(self, port: int, ca: str, answers: list):
        self.base = f"https://127.0.0.1:{port}"
        self.session = requests.Session()
        self.ca = ca  # per request: REQUESTS_CA_BUNDLE would override a session's verify
        self.session.headers.update({"Host": HOST, "User-Agent": "eirc-prod-smoke"})
        self.answers = answers

    def request(self, method: str, path: str, expect=(200,), **kwargs) -> requests.Response:
        if method == "POST":  # what a browser sends with a form; Django's CSRF checks it over HTTPS
            kwargs.setdefault("headers", {}).update({"Origin": f"https://{HOST}", "Referer": f"https://{HOST}{path}"})
        response = self.session.request(
            method, self.base + path, allow_redirects=False, timeout=60, verify=self.ca, **kwargs
        )
        self.answers.append((method, path, response.status_code))
        if expect and response.status_code not in expect:
            body = " ".join(response.text.split())[:600] if "text" in response.headers.get("Content-Type", "") else ""
            raise UnexpectedAnswer(f"{method} {path}: {response.status_code}, expected {expect}. {body}")
        return response

    def get(self, path: str, expect=(200,)) -> requests.Response:
        return self.request("GET", path, expect)

    def post(self, path: str, data: dict, expect=(302,)) -> requests.Response:
        return self.request("POST", path, expect, data=data)

    def submit(self, path: str, field: str, values: dict, expect=(302,)) -> requests.Response:
        """Open ``path``, fill the form that has ``field`` with ``values``
        (the page's hidden fields, the CSRF token among them, are kept) and
        send it to its action."""
        form = Forms(self.get(path).text).having(field)
        return self.post(form["action"] or path, {**form["fields"], **values}, expect)

    def follow(self, response: requests.Response, expect=(200,)) -> requests.Response:
        location = response.headers["Location"]
        return self.get(location.removeprefix(f"https://{HOST}"), expect)


def notify(port: int, ca: str, body: dict, source: str = WEBHOOK_SENDER, answers: list | None = None) -> int:
    """POST a YooKassa notification to nginx from ``source`` (a loopback
    address of its own, so the app sees it only through X-Forwarded-For)."""
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, source_address=(source, 0), context=context, timeout=30)
    path = "/payments/yookassa/webhook/"
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        connection.request("POST", path, body=data, headers={"Host": HOST, "Content-Type": "application/json"})
        status = connection.getresponse().status
    finally:
        connection.close()
    if answers is not None:
        answers.append(("POST", path, status))
    return status
