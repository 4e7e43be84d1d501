"""A resident's month, through nginx, as a person does it: register (the link
comes by email), confirm, log in, hand in a reading, pay part of the debt
(YooKassa's notification comes through nginx), see the debt drop, get the
payment email, download a receipt rendered by the worker."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from email.message import EmailMessage

from client import Browser, Forms, UnexpectedAnswer, notify
from stack import HOST

PASSWORD = "Smoke-Test-Zelenaya-Buhta-77"
CHECKOUT = "https://yoomoney.example/checkout?orderId="


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    """Poll an outside event (a worker, an email) until it happens; fail
    naming it. Returns the predicate's last truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)  # polling an outside event, not waiting for the clock


def mails(inbox, to: str, subject: str) -> list[EmailMessage]:
    return [m for rcpt, m in inbox.messages if to in rcpt and subject in str(m["Subject"])]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def amount_text(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


class Resident:
    def __init__(self, *, number: str, bill: str, email: str, browser: Browser, facts, inbox):
        self.number, self.bill, self.email = number, bill, email
        self.browser, self.facts, self.inbox = browser, facts, inbox

    def _captcha(self, path: str, field: str) -> tuple[str, dict]:
        form = Forms(self.browser.get(path).text).having(field)
        fields = dict(form["fields"])
        fields["captcha_1"] = self.facts.captcha(fields["captcha_0"])
        return form["action"] or path, fields

    def register(self) -> None:
        """Up to «check your email»: the registration request itself."""
        action, fields = self._captcha("/accounts/register/", "captcha_0")
        fields.update(account_number=self.number, amount=self.bill, email=self.email)
        self.browser.post(action, fields, expect=(302,))

    def confirm(self, timeout: float = 60) -> None:
        """Open the link from the email and choose a password (it logs in)."""
        message = wait_for(
            lambda: mails(self.inbox, self.email, "Подтверждение регистрации"),
            timeout,
            f"registration email to {self.email}",
        )[0]
        prefix = f"https://{HOST}/accounts/register/confirm/"
        link = next((w for w in text_of(message).split() if w.startswith(prefix)), None)
        if link is None:
            raise AssertionError(f"no confirmation link in the email to {self.email}")
        done = self.browser.submit(
            link.removeprefix(f"https://{HOST}"),
            "new_password1",
            {"new_password1": PASSWORD, "new_password2": PASSWORD},
        )
        if done.headers["Location"] != "/cabinet/":
            raise AssertionError(f"confirmation led to {done.headers['Location']}, not the cabinet")

    def log_out(self) -> None:
        form = Forms(self.browser.get("/cabinet/").text).by_action("/accounts/logout/")
        self.browser.post("/accounts/logout/", form["fields"], expect=(302,))

    def log_in(self) -> None:
        action, fields = self._captcha("/accounts/login/", "captcha_0")
        fields.update(username=self.number, password=PASSWORD)
        answer = self.browser.post(action, fields, expect=(302,))
        if answer.headers["Location"] != "/cabinet/":
            raise AssertionError(f"login led to {answer.headers['Location']}")
        self.browser.get("/cabinet/")

    def choose_email_notifications(self) -> None:
        """Payment emails and the receipt by email instead of paper (profile)."""
        form = Forms(self.browser.get("/accounts/profile/notifications/").text).by_action(
            "/accounts/profile/notifications/"
        )
        fields = {**form["fields"], "notify_payments": "on", "paperless_receipts": "on"}
        self.browser.post("/accounts/profile/notifications/", fields, expect=(302,))

    def hand_in_reading(self) -> int:
        """A reading a little above the last one on every meter; returns how
        many values were handed in."""
        forms = Forms(self.browser.get("/cabinet/readings/").text)
        form = forms.with_field(r"^m\d+_\w+$")
        values = {}
        for name in form["fields"]:
            match = re.match(r"^m(\d+)_(\w+)$", name)
            if match:
                values[name] = str(self.facts.last_reading(int(match[1]), match[2]) + Decimal("3"))
        answer = self.browser.post("/cabinet/readings/", {**form["fields"], **values}, expect=(302,))
        if "/cabinet/readings/confirmation/" not in answer.headers["Location"]:
            raise AssertionError(f"the reading led to {answer.headers['Location']}")
        self.browser.follow(answer)
        return len(values)

    def debt(self) -> Decimal:
        """What the pay page offers to pay: the current debt."""
        form = Forms(self.browser.get("/payments/pay/").text).having("form_token")
        return Decimal(form["fields"]["amount"].replace(" ", "").replace(",", ".") or "0")

    def start_payment(self, amount: Decimal) -> str:
        """The pay form; the answer sends the browser to YooKassa's page.
        Returns YooKassa's payment id."""
        answer = self.browser.submit(
            "/payments/pay/", "form_token", {"amount": amount_text(amount), "email": self.email}, expect=(302,)
        )
        location = answer.headers["Location"]
        if not location.startswith(CHECKOUT):
            raise AssertionError(f"the pay form led to {location}, not to YooKassa")
        return location.removeprefix(CHECKOUT)

    def download_receipt(self, timeout: float = 90) -> tuple[str, int]:
        """The newest receipt of the list, as PDF: the first request queues
        its rendering for the worker; the page refreshes until it is there."""
        page = self.browser.get("/cabinet/receipts/").text
        link = re.search(r'href="(/cabinet/receipts/\d{4}-\d{1,2}/download/)"', page)
        if link is None:
            raise UnexpectedAnswer("no receipt to download on /cabinet/receipts/")

        def pdf():
            answer = self.browser.get(link[1])
            return answer if answer.headers.get("Content-Type") == "application/pdf" else None

        answer = wait_for(pdf, timeout, "the receipt rendered by the worker", interval=1)
        if not answer.content.startswith(b"%PDF"):
            raise AssertionError("the receipt download is not a PDF")
        return link[1], len(answer.content)


def gateway_pays(stub, port: int, ca: str, gateway_id: str, answers: list) -> int:
    """The customer pays on YooKassa's page; YooKassa notifies the shop."""
    stub.set_status(gateway_id, "succeeded")
    body = {"type": "notification", "event": "payment.succeeded", "object": stub.payments[gateway_id]}
    return notify(port, ca, body, answers=answers)
