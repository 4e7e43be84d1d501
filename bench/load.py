"""Load benchmark of the cabinet pages against a bare Django page, under gunicorn.

    .venv/bin/python bench/load.py [--seconds 10] [--rounds 3] [--connections 16]

Creates (drops and re-creates) the database ``eirc_load`` on the Postgres
server of ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432),
migrates it and seeds the demo city (``manage.py seed_demo``), starts
gunicorn as production does (2 sync workers, DEBUG off, Redis cache from
``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/12) with
``bench/load_wsgi.py`` (the project plus two bare pages doing one primary-key
lookup: ``/bench/bare/`` through the same middlewares, ``/bench/bare-nomw/``
through none), logs in over HTTP as the demo resident
and runs ``wrk`` (Debian's package) against ``/cabinet/``,
``/cabinet/charges/``, ``/cabinet/payments/`` and the bare pages, interleaved,
``--rounds`` rounds, warm (each page opened before it is measured).
``--keep-db`` reuses the database seeded by an earlier run.

Prints per page the medians over the rounds: requests/s, p50 and p99
latency, CPU time per request of the gunicorn workers and of their Postgres
backends (read from /proc before and after each run), and the ratio of the
page's throughput and CPU to each bare page's of the same round (CPU is the
steadier figure on a shared machine). ``--tree DIR`` serves another checkout
(e.g. main, to compare) with this script's WSGI module.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/billing.py's scratch-database helpers (loaded by path: "billing" is also the app's name)
_spec = importlib.util.spec_from_file_location("bench_billing", ROOT / "bench" / "billing.py")
bench_billing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_billing)
BASE_URL, reset_database = bench_billing.BASE_URL, bench_billing.reset_database
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
DB = "eirc_load"
RESIDENT, PASSWORD = "1000000001", "demo-resident-2026"  # demo/data.py: the public demo login
PAGES = [("bare-nomw", "/bench/bare-nomw/"), ("bare", "/bench/bare/")]
PAGES += [("dashboard", "/cabinet/"), ("charges", "/cabinet/charges/")]
PAGES += [("payments", "/cabinet/payments/")]
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(tree: Path, db: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{BASE_URL}/{db}",
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "127.0.0.1",  # wrk plays nginx: it sends X-Forwarded-Proto
        "DB_CONN_MAX_AGE": "3600",  # the workers' backends live through the run (their CPU is read from /proc)
        "DEMO_LOGINS_ALLOWED": "true",
        "PAYMENT_SANDBOX_ALLOWED": "true",
        "PYTHONPATH": f"{tree}{os.pathsep}{ROOT / 'bench'}",
        "STATIC_ROOT": f"/tmp/{db}-static",  # noqa: S108 - the bench's own collected static files
        "MEDIA_ROOT": f"/tmp/{db}-media",  # noqa: S108
    }


def manage(tree: Path, env: dict, *args: str):
    subprocess.run([sys.executable, str(tree / "manage.py"), *args], env=env, check=True, cwd=tree)


def query(db: str, sql: str, params: list) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(f"{BASE_URL}/{db}")
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def backend_pids(db: str) -> list[int]:
    """The Postgres backends serving ``db`` (the workers' persistent connections)."""
    sql = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    return [pid for (pid,) in query(db, sql, [db])]


def captcha_answer(db: str, hashkey: str) -> str:
    """The login captcha's answer, read where django-simple-captcha keeps it
    (the bench plays a resident who can read the picture)."""
    [(answer,)] = query(db, "SELECT response FROM captcha_captchastore WHERE hashkey = %s", [hashkey])
    return answer


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of ``pids`` still alive."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15)
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(p) for p in children]


class Site:
    """The project under gunicorn, with the HTTP headers production's nginx adds."""

    def __init__(self, tree: Path, env: dict, db: str):
        self.db = db
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "load_wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(tree),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=tree,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    def login(self) -> str:
        """Log in over HTTP as the demo resident; the Cookie header a browser
        then sends (the session and the CSRF cookie: without the latter every
        page would mint a new CSRF secret and set it). The cookies are Secure,
        so they are carried by hand: wrk plays the proxy that ends TLS."""
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(self._request("/accounts/login/")) as response:
            cookies = _cookies(response)
            form = response.read().decode()
        fields = {
            name: value
            for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
            if name in ("csrfmiddlewaretoken", "captcha_0")
        }
        fields.update(username=RESIDENT, password=PASSWORD, captcha_1=captcha_answer(self.db, fields["captcha_0"]))
        data = urllib.parse.urlencode(fields).encode()
        extra = {
            "Origin": f"https://127.0.0.1:{self.port}",
            "Referer": f"https://127.0.0.1:{self.port}/accounts/login/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        try:
            opener.open(self._request("/accounts/login/", data=data, extra=extra))
        except urllib.error.HTTPError as exc:  # the redirect to the cabinet
            cookies.update(_cookies(exc))
        if "sessionid" not in cookies:
            raise SystemExit("the demo resident's login failed")
        return "; ".join(f"{k}={v}" for k, v in cookies.items() if k in ("sessionid", "csrftoken"))

    def _request(self, path: str, data: bytes | None = None, extra: dict | None = None):
        headers = {**self.headers, **(extra or {})}
        return urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310 - our http://127.0.0.1

    def get(self, path: str, cookie: str) -> tuple[int, str]:
        request = self._request(path, extra={"Cookie": cookie})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""


def _cookies(response) -> dict[str, str]:
    return dict(c.split(";", 1)[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or [])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(site: Site, path: str, cookie: str, *, seconds: int, connections: int) -> dict:
    headers = [f"{k}: {v}" for k, v in site.headers.items() if k != "Host"] + [f"Cookie: {cookie}"]
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run([*cmd, site.base + path], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or re.search(r"Socket errors: connect [1-9]|read [1-9]|write [1-9]", out):
        raise SystemExit(f"wrk saw errors on {path}:\n{out}")
    latency = dict(_percentiles(out))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        **latency,
    }


def _percentiles(out: str) -> list[tuple[str, float]]:
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return [
        (f"p{p}", float(v) * scale[unit]) for p, v, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    ]


def measure(site: Site, db: str, cookie: str, args) -> dict[str, list[dict]]:
    workers = worker_pids(site.proc.pid)
    results: dict[str, list[dict]] = {name: [] for name, _ in PAGES}
    for _name, path in PAGES:  # warm: the caches, the connections, the workers
        wrk(site, path, cookie, seconds=2, connections=args.connections)
    for round_no in range(1, args.rounds + 1):
        for name, path in PAGES:
            cpu_before, pg_before = cpu_seconds(workers), cpu_seconds(backend_pids(db))
            run = wrk(site, path, cookie, seconds=args.seconds, connections=args.connections)
            run["cpu_ms"] = cpu_used(cpu_before, cpu_seconds(workers)) * 1000 / run["requests"]
            run["pg_ms"] = cpu_used(pg_before, cpu_seconds(backend_pids(db))) * 1000 / run["requests"]
            results[name].append(run)
            print(
                f"round {round_no} {name:<10} {run['rps']:8.0f} req/s  p50 {run['p50']:6.2f} ms  "
                f"p99 {run['p99']:6.2f} ms  CPU {run['cpu_ms']:5.2f} ms + Postgres {run['pg_ms']:4.2f} ms",
                file=sys.stderr,
            )
    return results


def _ratio(runs: list[dict], base: list[dict], key: str) -> float:
    return statistics.median(r[key] / b[key] for r, b in zip(runs, base, strict=True))


def report(results: dict[str, list[dict]], args):
    bare, floor = results["bare"], results["bare-nomw"]
    print(f"{args.connections} connections, 2 sync workers, {args.rounds} rounds of {args.seconds} s, medians:")
    print(
        f"{'page':<11}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'PG ms/req':>11}"
        f"{'ratio':>8}{'CPU×':>7}{'ratio0':>8}{'CPU×0':>7}"
    )
    for name, runs in results.items():
        ratio, cpu_x = _ratio(runs, bare, "rps"), _ratio(runs, bare, "cpu_ms")
        ratio0, cpu_x0 = _ratio(runs, floor, "rps"), _ratio(runs, floor, "cpu_ms")

        def med(key, runs=runs):
            return statistics.median(r[key] for r in runs)

        print(
            f"{name:<11}{med('rps'):8.0f}{med('p50'):9.2f}{med('p99'):9.2f}{med('cpu_ms'):12.2f}"
            f"{med('pg_ms'):11.2f}{ratio:8.2f}{cpu_x:7.1f}{ratio0:8.2f}{cpu_x0:7.1f}"
        )
    print(
        "ratio: the page's throughput / the bare page's (through the middlewares) in the same round;"
        " CPU×: its worker CPU per request / the bare's;\nratio0, CPU×0: the same against bare-nomw"
        " (the same view without any middleware)"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    ap.add_argument("--db", default=DB)
    ap.add_argument("--keep-db", action="store_true", help="reuse the seeded database of an earlier run")
    args = ap.parse_args()
    tree = args.tree.resolve()
    env = env_for(tree, args.db)
    t = time.perf_counter()
    if not args.keep_db:
        reset_database(args.db)
        manage(tree, env, "migrate", "-v0")
        manage(tree, env, "seed_demo")
    manage(tree, env, "collectstatic", "--noinput", "-v0")
    print(f"demo city seeded in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    site = Site(tree, env, args.db)
    try:
        cookie = site.login()
        for _name, path in PAGES:
            status, _ = site.get(path, cookie)
            if status != 200:
                raise SystemExit(f"{path} answered {status}, not 200")
        results = measure(site, args.db, cookie, args)
    finally:
        site.stop()
    print(
        f"tree: {tree} ({subprocess.run(['git', '-C', str(tree), 'log', '-1', '--format=%h %s'], capture_output=True, text=True).stdout.strip()[:70]})"
    )
    report(results, args)


if __name__ == "__main__":
    main()
