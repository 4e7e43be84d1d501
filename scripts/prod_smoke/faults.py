"""The faults: beat restarted twice in a row, the smoke's Redis stopped for
20 s while residents register and pay, and the worker killed with SIGKILL in
the middle of a receipts batch. Each returns its counts for the summary."""

from __future__ import annotations

import collections
import contextlib
import re
import threading
import time
from decimal import Decimal

from client import Browser
from month import Resident, gateway_pays, mails, wait_for

RECONCILE = "payments.tasks.payments_reconcile"
OUTAGE_SECONDS = 20


def wait_for_log(stack, name: str, text: str, since: int, timeout: float = 60) -> None:
    """Until the process ``name`` has logged ``text`` after byte ``since``."""
    path = stack.logs / f"{name}.log"

    def logged():
        if not stack.alive(name):
            raise AssertionError(f"{name} exited:\n{stack.log_tail(name)}")
        with path.open("rb") as fh:
            fh.seek(since)
            return text.encode() in fh.read()

    wait_for(logged, timeout, f"{name} to log «{text}»")


def restart(stack, name: str, *, crash: bool, ready: str) -> None:
    since = (stack.logs / f"{name}.log").stat().st_size
    if crash:
        stack.kill(name)
    else:
        stack.stop(name)
    stack.start(name)
    wait_for_log(stack, name, ready, since)


UNITS = {"web": "eirc-web.service", "worker": "eirc-worker.service", "beat": "eirc-beat.service"}
READY = {"web": "Booting worker", "worker": "ready.", "beat": "beat: Starting..."}


def restart_sec(stack, name: str) -> float:
    """``RestartSec`` of the unit, which must say ``Restart=always``: the
    smoke restarts a process only as production's systemd would."""
    text = (stack.base / "deploy" / "systemd" / UNITS[name]).read_text()
    if not re.search(r"^Restart=always$", text, re.M):
        raise AssertionError(f"deploy/systemd/{UNITS[name]} has no Restart=always")
    found = re.search(r"^RestartSec=(\d+)$", text, re.M)
    return float(found.group(1)) if found else 0.1


@contextlib.contextmanager
def systemd_restarts(stack, names=("web", "worker", "beat")):
    """While the block runs, do what systemd's ``Restart=always`` does: a
    process that exits is started again after its unit's ``RestartSec``.
    Celery's worker can exit on a broker lost at the instant of an ack
    («Unrecoverable error» in kombu's Redis transport, celery/celery#8030 and
    kin); production's unit brings it back, so the smoke does the same and
    counts it. Yields the list of restarts (names)."""
    restarts: list[str] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def watch():
        try:
            while not done.wait(0.5):
                for name in names:
                    if name in stack.procs and not stack.alive(name):
                        print(
                            f"prod-smoke:   {name} exited; started again after RestartSec, as systemd does", flush=True
                        )
                        since = (stack.logs / f"{name}.log").stat().st_size
                        time.sleep(restart_sec(stack, name))
                        stack.start(name)
                        wait_for_log(stack, name, READY[name], since)
                        restarts.append(name)
        except BaseException as exc:  # re-raised in the caller's thread
            failures.append(exc)

    watcher = threading.Thread(target=watch, name="systemd-restarts", daemon=True)
    watcher.start()
    try:
        yield restarts
    finally:
        done.set()
        watcher.join()
    if failures:
        raise failures[0]


# What beat sends for the entry, sent by hand: a second beat's trigger.
SECOND_BEAT = """
import django; django.setup()
from django.conf import settings
from eirc.celery import app
entry = settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
for _ in range(2):
    app.send_task(entry["task"], kwargs=entry["kwargs"])
"""


def beat_restarted_twice(stack, facts) -> dict:
    """After beat's first run of a scheduled task, restart it twice in a row:
    as ``systemctl restart`` does (SIGTERM), then as a crash and systemd's
    Restart=always (SIGKILL). Then send beat's message for that task twice
    more, as a second beat would: those triggers find the period taken."""
    wait_for(lambda: facts.periodic_runs(RECONCILE), 90, f"beat's first run of {RECONCILE}", interval=0.5)
    restart(stack, "beat", crash=False, ready="beat: Starting...")
    restart(stack, "beat", crash=True, ready="beat: Starting...")
    stack.run([str(stack.venv / "bin" / "python"), "-c", SECOND_BEAT], "second beat's triggers", env=stack.env)
    wait_for(
        lambda: sum(skipped for _, _, skipped in facts.periodic_runs(RECONCILE)) >= 1,
        90,
        "a duplicate trigger to be skipped",
        interval=0.5,
    )
    return {"task": RECONCILE}


def beat_report(facts, started: dict) -> str:
    wait_for(
        lambda: all(finished for _, finished, _ in facts.periodic_runs(started["task"])),
        30,
        f"the runs of {started['task']} to finish",
    )
    runs = facts.periodic_runs(started["task"])
    slots = [slot for slot, _, _ in runs]
    if len(slots) != len(set(slots)):  # the unique constraint makes this impossible; said anyway
        raise AssertionError(f"{started['task']} ran twice in a period: {slots}")
    skipped = sum(s for _, _, s in runs)
    return (
        f"{started['task'].rsplit('.', 1)[1]} ran once in each of {len(runs)} periods; {skipped} duplicate "
        "trigger(s) (a second beat's) skipped"
    )


def redis_outage(stack, facts, payers: list[Resident], answers: list) -> dict:
    """Stop Redis; while it is down residents register, pay (YooKassa's
    notification comes in) and browse. No answer may be 5xx. After Redis is
    back every registration email and every credit arrives exactly once."""
    newcomers = [
        Resident(
            number=number,
            bill=bill,
            email=f"outage-{i}@example.ru",
            browser=Browser(stack.ports["https"], str(stack.cert), answers),
            facts=facts,
            inbox=stack.inbox,
        )
        for i, (number, bill) in enumerate(facts.unheld_accounts(3), start=1)
    ]
    emails_before = {p.email: len(mails(stack.inbox, p.email, "зачислен")) for p in payers}
    with systemd_restarts(stack) as restarts:
        result = _outage(stack, facts, payers, answers, newcomers, emails_before)
    return {**result, "restarts": restarts}


def _outage(stack, facts, payers, answers, newcomers, emails_before) -> dict:
    first = len(answers)
    stack.stop_redis()
    stopped = time.monotonic()
    health = payers[0].browser.get("/health/", expect=(503,))  # says so, and no 500
    for newcomer in newcomers:
        newcomer.register()
    payments = []
    for payer in payers:
        debt = payer.debt()
        gateway_id = payer.start_payment(amount=(debt / 2).quantize(Decimal("0.01")))
        if gateway_pays(stack.stub, stack.ports["https"], str(stack.cert), gateway_id, answers) != 200:
            raise AssertionError("YooKassa's notification was not accepted while Redis was down")
        payments.append((payer, facts.payment_of_gateway_id(gateway_id)))
        payer.browser.get("/cabinet/")
        payer.browser.get("/cabinet/payments/")
    during = answers[first:]
    server_errors = [a for a in during if a[2] >= 500 and a[1] != "/health/"]
    if server_errors:
        raise AssertionError(f"answers of 5xx while Redis was down: {server_errors}")
    while time.monotonic() - stopped < OUTAGE_SECONDS:
        time.sleep(0.2)  # the outage lasts OUTAGE_SECONDS whatever the requests took
    stack.start_redis()
    down = time.monotonic() - stopped
    back = time.monotonic()

    for newcomer in newcomers:
        wait_for(
            lambda n=newcomer: mails(n.inbox, n.email, "Подтверждение регистрации"),
            120,
            f"registration email to {newcomer.email}",
        )
    for _, payment_id in payments:
        wait_for(lambda p=payment_id: facts.ledger_entries_of_payment(p), 120, f"the credit of payment {payment_id}")
    for payer in payers:
        expected = emails_before[payer.email] + 1
        wait_for(
            lambda p=payer, n=expected: len(mails(p.inbox, p.email, "зачислен")) >= n,
            120,
            f"the payment email to {payer.email}",
        )
    recovered = time.monotonic() - back
    newcomers[0].confirm()  # the delayed link works
    return {
        "down": down,
        "recovered": recovered,
        "requests": len(during),
        "health": health.status_code,
        "registrations": [n.email for n in newcomers],
        "payments": [p for _, p in payments],
        "payers": [p.email for p, _ in payments],
    }


def worker_killed_mid_batch(stack, facts, month: str) -> dict:
    """The accountant bills and closes the month: its receipts are rendered
    by the worker in chunks. SIGKILL the worker (and its pool) while the batch
    runs, start it again: every receipt exists and was rendered exactly once."""
    began = time.monotonic()
    stack.manage("billing_run", "--period", month[:7])
    stack.manage("period_close", "--period", month[:7])
    period_id = facts.period_id(month)
    total = facts.statements(period_id)
    closed = time.monotonic()
    at_kill = wait_for(lambda: facts.receipts_ready(period_id), 120, "the batch's first receipt", interval=0.1)
    stack.kill("worker")
    killed = time.monotonic()
    if at_kill >= total:
        raise AssertionError(f"the batch of {total} receipts was done before the kill: make it longer")
    since = (stack.logs / "worker.log").stat().st_size
    stack.start("worker")
    wait_for_log(stack, "worker", "ready.", since)
    ready = time.monotonic()
    wait_for(
        lambda: facts.receipts_ready(period_id) == total, 180, f"all {total} receipts after the restart", interval=0.5
    )
    print(
        f"prod-smoke:   billed and closed in {closed - began:.0f} s, killed {killed - closed:.0f} s later, "
        f"worker ready again in {ready - killed:.0f} s, all receipts {time.monotonic() - ready:.0f} s after that",
        flush=True,
    )
    renders = facts.renders_per_receipt(period_id)
    if facts.receipts(period_id) != total or len(renders) != total or set(renders) != {1}:
        raise AssertionError(
            f"receipts {facts.receipts(period_id)} of {total}, renders per receipt {collections.Counter(renders)}"
        )
    return {"total": total, "at_kill": at_kill, "period_id": period_id}


def duplicates(inbox) -> list[tuple]:
    """Emails that arrived more than once (same recipients and subject)."""
    counts = collections.Counter((tuple(rcpt), str(m["Subject"])) for rcpt, m in inbox.messages)
    return [(key, n) for key, n in counts.items() if n > 1]
