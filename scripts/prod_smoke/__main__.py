"""make prod-smoke: the production process set, built from requirements.txt
alone and started from the files in deploy/, plays a resident's month through
nginx and survives a beat restarted twice, a Redis outage and a worker killed
mid-batch. One line at the end: OK with the wall time and the counts, or
FAILED naming the step. Everything it started is stopped, also on failure.

    .venv/bin/python scripts/prod_smoke        (the dev venv: aiosmtpd, the stub)

The processes' logs are kept (and their directory printed) when it fails, or
always with PROD_SMOKE_KEEP_LOGS=1.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE))  # eirc.tests.smtp and payments.tests.yookassa_stub run here

import faults  # noqa: E402
import prodvenv  # noqa: E402
from client import Browser, notify  # noqa: E402
from facts import Facts  # noqa: E402
from month import Resident, amount_text, gateway_pays, mails, wait_for  # noqa: E402
from stack import Stack  # noqa: E402

from eirc.tests.smtp import loopback_smtp  # noqa: E402
from payments.tests.yookassa_stub import YooKassaStub  # noqa: E402

# Production settings of deploy/eirc.env, with the smoke's timings: a killed
# worker's task comes back after 15 s instead of an hour; the outbox is swept
# every 5 s; payments are reconciled every minute (so beat has something to do
# while the smoke watches it); the receipts sweep stays out of the way.
SMOKE_SETTINGS = {
    "CELERY_VISIBILITY_TIMEOUT": "15",
    "OUTBOX_SWEEP_SECONDS": "5",
    "PAYMENTS_RECONCILE_MINUTES": "1",
    "RECEIPTS_SWEEP_MINUTES": "60",
    "RECEIPT_BATCH_CHUNK": "3",
}
DEMO_ACCOUNTS = "24"
IMPORT_TASKS = """
import importlib, pathlib, django
django.setup()
from eirc.celery import app
modules = sorted(str(p.parent) + ".tasks" for p in pathlib.Path(".").glob("*/tasks.py"))
for name in modules:
    importlib.import_module(name)
import kombu.transport.redis  # the broker's transport (it needs `packaging`)
tasks = sorted(n for n in app.tasks if not n.startswith("celery."))
print(len(modules), len(tasks))
"""


class Run:
    def __init__(self):
        self.started = time.monotonic()
        self.current = "start"

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @contextlib.contextmanager
    def step(self, name: str):
        self.current = name
        began = time.monotonic()
        print(f"prod-smoke: {name} …", flush=True)
        yield
        print(f"prod-smoke:   done in {time.monotonic() - began:.1f} s", flush=True)


def smoke(run: Run, stack_box: list) -> str:
    with run.step("production venv from requirements.txt alone"):
        venv, built = prodvenv.ensure(BASE)
    with run.step("a fresh database, a certificate, SMTP, the YooKassa stub, settings from deploy/eirc.env"):
        admin_db = (
            os.environ.get("DATABASE_URL_TEST")
            or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/postgres"
        )
        stack = Stack(BASE, venv, admin_db, log=print)
        stack_box.append(stack)
        stack.prepare(smtp=loopback_smtp(), stub=YooKassaStub(), overrides=SMOKE_SETTINGS)
    with run.step("every task module imports in the production venv"):
        modules, tasks = stack.run(
            [str(venv / "bin" / "python"), "-c", IMPORT_TASKS],
            "task import",
            env=stack.env,
        ).split()
    step = run.step("redis-server and beat (deploy/systemd); migrate, seed the demo city, collectstatic meanwhile")
    with step, concurrent.futures.ThreadPoolExecutor(1) as pool:
        static = pool.submit(stack.collectstatic, stack.static_root())
        # Beat first: its first minute comes while the rest starts (the worker
        # runs what it sent once the database is migrated).
        stack.start_redis()
        stack.start("beat")
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.manage("seed_demo", "--accounts", DEMO_ACCOUNTS, "--months", "1", DEMO_LOGINS_ALLOWED="true")
        collected = static.result()
    facts = Facts(stack.connect())
    port, ca, answers = stack.ports["https"], str(stack.cert), []
    with run.step("gunicorn and the Celery worker (deploy/systemd), nginx (deploy/nginx)"):
        for name in ("worker", "web"):
            stack.start(name)
        stack.start_nginx()
        for name, ready in (("worker", "ready."), ("beat", "beat: Starting..."), ("web", "Booting worker")):
            faults.wait_for_log(stack, name, ready, 0, timeout=90)
    with run.step("nginx: TLS, static files, health, the webhook's address check and body limit"):
        browser = Browser(port, ca, answers)
        health = json.loads(browser.get("/health/").text)
        if health["checks"] != {"database": "ok", "broker": "ok"}:
            raise AssertionError(f"/health/: {health}")
        css = re.search(r'href="(/static/[^"]+\.css)"', browser.get("/").text)
        static = browser.get(css[1])
        if "Cross-Origin-Opener-Policy" in static.headers:  # Django's header: it went past nginx
            raise AssertionError(f"{css[1]} was served by Django, not by nginx")
        if notify(port, ca, {"event": "payment.succeeded"}, source="127.0.0.1", answers=answers) != 403:
            raise AssertionError("a notification from outside YOOKASSA_WEBHOOK_NETWORKS was not refused")
        if notify(port, ca, b"{" + b" " * 100_000 + b"}", answers=answers) != 413:
            raise AssertionError("nginx took a 100 KB notification body")

    (number, bill), (second_number, second_bill) = facts.unheld_accounts(2)
    resident = Resident(
        number=number, bill=bill, email="smoke-resident@example.ru", browser=browser, facts=facts, inbox=stack.inbox
    )
    with run.step(f"resident's month: register {resident.number} (link by email), confirm, log in"):
        resident.register()
        resident.confirm()
        resident.log_out()
        resident.log_in()
        resident.choose_email_notifications()
    with run.step("resident's month: hand in a reading"):
        readings = resident.hand_in_reading()
    with run.step("resident's month: pay part of the debt through YooKassa, see the debt drop, get the email"):
        before = resident.debt()
        paid = (before / 3).quantize(before)
        gateway_id = resident.start_payment(paid)
        if gateway_pays(stack.stub, port, ca, gateway_id, answers) != 200:
            raise AssertionError("YooKassa's notification from its network was not accepted")
        wait_for(
            lambda: resident.debt() == before - paid, 90, f"the debt to drop from {before} by {paid}", interval=0.5
        )
        wait_for(lambda: mails(stack.inbox, resident.email, "зачислен"), 60, "the payment email")
    with run.step("resident's month: download a receipt rendered by the worker"):
        receipt, size = resident.download_receipt()
    with run.step("a second resident registers, logs in, chooses email"):
        second = Resident(
            number=second_number,
            bill=second_bill,
            email="smoke-second@example.ru",
            browser=Browser(port, ca, answers),
            facts=facts,
            inbox=stack.inbox,
        )
        second.register()
        second.confirm()
        second.choose_email_notifications()

    with run.step("beat restarted twice in a row (SIGTERM, then SIGKILL) after its first run"):
        beat = faults.beat_restarted_twice(stack, facts)
    with run.step(f"Redis stopped for {faults.OUTAGE_SECONDS} s while residents register and pay"):
        outage = faults.redis_outage(stack, facts, [resident, second], answers)
    with run.step("kill -9 of the worker in the middle of the month's receipts batch"):
        month = str(facts.one("SELECT month FROM billing_period WHERE status = 'open' ORDER BY month DESC LIMIT 1"))
        batch = faults.worker_killed_mid_batch(stack, facts, month)
        for who in (resident, second):
            wait_for(
                lambda w=who: mails(stack.inbox, w.email, "Квитанция за"), 120, f"the receipt email to {who.email}"
            )
    with run.step("each effect exactly once: emails, credits, receipts, outbox"):
        credits = [facts.ledger_entries_of_payment(p) for p in outage["payments"]]
        if credits != [1] * len(credits):
            raise AssertionError(f"ledger entries per payment made during the outage: {credits}")
        for email in outage["registrations"]:
            if len(mails(stack.inbox, email, "Подтверждение регистрации")) != 1:
                raise AssertionError(
                    f"registration emails to {email}: {len(mails(stack.inbox, email, 'Подтверждение'))}"
                )
        twice = faults.duplicates(stack.inbox)
        if twice:
            raise AssertionError(f"emails sent more than once: {twice}")
        wait_for(lambda: facts.jobs()["unfinished"] == 0, 60, f"every outbox job to finish ({facts.jobs()})")
        jobs = facts.jobs()
        if jobs["unpublished"] or jobs["failed"]:
            raise AssertionError(f"outbox: {jobs}")
        beat_line = faults.beat_report(facts, beat)
        server_errors = [a for a in answers if a[2] >= 500 and a[1] != "/health/"]
        if server_errors:
            raise AssertionError(f"5xx answers: {server_errors}")
        swept = facts.jobs_left_unpublished_by_outage()

    receipt_emails = sum(len(mails(stack.inbox, w.email, "Квитанция за")) for w in (resident, second))
    return (
        f"prod-smoke: OK in {run.elapsed():.0f} s (production venv {'built' if built else 'cached'}, "
        f"static files {'collected' if collected else 'cached'}; "
        f"{modules} task modules, {tasks} tasks import) | month: registered, confirmed, logged in, {readings} reading(s), "
        f"paid {amount_text(paid)} of {amount_text(before)} → debt {amount_text(before - paid)}, payment email, "
        f"receipt PDF {size // 1024} KB ({receipt}) | Redis down {outage['down']:.0f} s: {outage['requests']} requests, "
        f"0 answers 5xx (health said {outage['health']}), {len(outage['registrations'])} registration emails and "
        f"{len(outage['payments'])} credits + payment emails exactly once each, {swept} outbox jobs swept after it, "
        f"all in {outage['recovered']:.0f} s"
        f"{', restarted as Restart=always does: ' + ', '.join(outage['restarts']) if outage['restarts'] else ''}"
        f" | kill -9 worker at {batch['at_kill']}/{batch['total']} receipts: "
        f"{batch['total']} receipts rendered exactly once, {receipt_emails} receipt emails exactly once | beat restarted "
        f"twice: {beat_line} | {len(stack.inbox.envelopes)} emails, none twice; {jobs['total']} outbox jobs, all "
        f"finished; {len(answers)} requests through nginx"
    )


def main() -> int:
    run = Run()
    stack_box: list = []
    ok = False
    try:
        line = smoke(run, stack_box)
        ok = True
    except BaseException as exc:
        line = f"prod-smoke: FAILED at «{run.current}» after {run.elapsed():.0f} s: {type(exc).__name__}: {exc}"
        if stack_box:
            for name in ("web", "worker", "beat", "nginx", "redis"):
                tail = stack_box[0].log_tail(name, 25)
                if tail:
                    print(f"--- {name} (last lines) ---\n{tail}", file=sys.stderr)
    finally:
        if stack_box:
            stack_box[0].close()
            if ok and not os.environ.get("PROD_SMOKE_KEEP_LOGS"):
                stack_box[0].remove()
            else:
                print(f"prod-smoke: logs kept in {stack_box[0].logs}", file=sys.stderr, flush=True)
    print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
