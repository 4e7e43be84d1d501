"""The production process set on this machine, each listener on a free port:
a fresh PostgreSQL database, a redis-server of its own, gunicorn, a Celery
worker and beat (their command lines taken from ``deploy/systemd/``), nginx
with ``deploy/nginx/eirc.conf``, an SMTP server on loopback and the YooKassa
stub. The environment is ``deploy/eirc.env`` with the smoke's addresses and
secrets put in. :meth:`Stack.close` stops everything it started."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg2

HOST = "lk.sev-eirc.ru"  # deploy/eirc.env's site; the smoke's requests name it in Host
WEBHOOK_SENDER = "127.0.0.2"  # the stub notifies from here (loopback is 127/8)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def substitute(text: str, replacements: dict[str, str], what: str) -> str:
    """Put the smoke's values in a deploy file; a value that is no longer in
    the file fails here, so the files and the smoke cannot drift apart."""
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"{what}: expected «{old}» in the deploy file")
        text = text.replace(old, new)
    return text


class Stack:
    def __init__(self, base: Path, venv: Path, admin_db_url: str, log):
        self.base, self.venv, self.log = base, venv, log
        self.root = Path(tempfile.mkdtemp(prefix="eirc-prod-smoke-"))
        self.root.chmod(0o755)  # nginx's workers (nobody) read the static files
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {name: free_port() for name in ("web", "https", "http", "redis")}
        url = urllib.parse.urlsplit(admin_db_url)
        self.db_name = f"eirc_prod_smoke_{os.getpid()}"
        self.db_admin = {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "user": urllib.parse.unquote(url.username or "postgres"),
            "password": urllib.parse.unquote(url.password or ""),
        }
        self.db_url = url._replace(path=f"/{self.db_name}").geturl()
        self._closers = contextlib.ExitStack()
        self.inbox = None
        self.stub = None
        self.env: dict[str, str] = {}

    # --- preparation -------------------------------------------------------
    def prepare(self, *, smtp, stub, overrides: dict[str, str]) -> None:
        """Certificate, database, environment; ``smtp`` and ``stub`` are
        context managers / objects started here and stopped by close()."""
        self.inbox = self._closers.enter_context(smtp)
        self.stub = stub.start()
        self._closers.callback(self.stub.stop)
        self._certificate()
        self._database()
        env = read_env_file(self.base / "deploy" / "eirc.env")
        env.update(
            {
                "SECRET_KEY": secrets.token_urlsafe(64),
                "DATABASE_URL": self.db_url,
                "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
                "EMAIL_URL": f"smtp://127.0.0.1:{self.inbox.port}",
                "YOOKASSA_SHOP_ID": self.stub.shop_id,
                "YOOKASSA_SECRET_KEY": self.stub.secret,
                "YOOKASSA_API_URL": self.stub.url,
                "YOOKASSA_WEBHOOK_NETWORKS": f"{WEBHOOK_SENDER}/32",
                "MEDIA_ROOT": str(self.root / "media"),
                "PRIVATE_MEDIA_ROOT": str(self.root / "private"),
                "XDG_CACHE_HOME": str(self.root / "cache"),
                **overrides,
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.root),
                "LANG": "C.UTF-8",
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "eirc.settings",
            }
        )
        left = [name for name, value in env.items() if "CHANGE-ME" in value]
        if left:
            raise RuntimeError(f"deploy/eirc.env: no value given for {', '.join(left)}")
        self.env = env

    def _certificate(self) -> None:
        self.cert, self.key = self.root / "cert.pem", self.root / "key.pem"
        self.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            + ["-keyout", str(self.key), "-out", str(self.cert), "-days", "2", "-subj", f"/CN={HOST}"]
            + ["-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"],
            "openssl",
        )

    def _admin_connection(self):
        connection = psycopg2.connect(dbname="postgres", **self.db_admin)
        connection.autocommit = True
        return connection

    def _database(self) -> None:
        connection = self._admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
                cursor.execute(f'CREATE DATABASE "{self.db_name}"')
        finally:
            connection.close()
        self._closers.callback(self._drop_database)

    def _drop_database(self) -> None:
        connection = self._admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        finally:
            connection.close()

    def static_root(self) -> Path:
        """Where collectstatic's output is kept, under var/, keyed by what it
        is made of (the pins and the project's static files): WhiteNoise's
        compressed manifest takes a minute, and changes only with them."""
        digest = hashlib.sha256((self.base / "requirements.txt").read_bytes())
        for path in sorted([*self.base.glob("static/**/*"), *self.base.glob("*/static/**/*")]):
            if path.is_file() and not path.is_relative_to(self.base / "var"):
                digest.update(str(path.relative_to(self.base)).encode() + path.read_bytes())
        target = self.base / "var" / "prod-smoke" / f"static-{digest.hexdigest()[:16]}"
        self.env["STATIC_ROOT"] = str(target)
        return target

    def collectstatic(self, target: Path) -> bool:
        """Run collectstatic unless ``target`` holds its output; True if it ran."""
        if (target / "staticfiles.json").exists():
            return False
        for old in target.parent.glob("static-*"):
            shutil.rmtree(old, ignore_errors=True)
        self.manage("collectstatic", "--noinput", "-v", "0")
        return True

    def connect(self):
        """A connection to the smoke's database (the harness reads with it)."""
        connection = psycopg2.connect(dbname=self.db_name, **self.db_admin)
        connection.autocommit = True
        return connection

    # --- running things ----------------------------------------------------
    def run(self, command: list[str], name: str, env: dict | None = None, timeout: int = 600) -> str:
        result = subprocess.run(
            command, cwd=self.base, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode:
            raise RuntimeError(
                f"{name} exited with {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        return result.stdout

    def manage(self, *args: str, **extra: str) -> str:
        python = str(self.venv / "bin" / "python")
        return self.run([python, "manage.py", *args], f"manage.py {args[0]}", env={**self.env, **extra})

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        log.write(f"\n=== {time.strftime('%H:%M:%S')} start: {shlex.join(command)}\n")
        log.flush()
        proc = subprocess.Popen(
            command, cwd=self.base, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def unit_command(self, unit: str) -> list[str]:
        """The ExecStart line of ``deploy/systemd/<unit>``, with the smoke's
        venv, port and state directory."""
        text = (self.base / "deploy" / "systemd" / unit).read_text()
        line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        command = line.removeprefix("ExecStart=").replace("%%", "%")
        replacements = {"/srv/eirc/venv": str(self.venv)}
        if "gunicorn" in command:
            replacements["127.0.0.1:8000"] = f"127.0.0.1:{self.ports['web']}"
        if " beat " in command:
            (self.root / "state").mkdir(exist_ok=True)
            replacements["/var/lib/eirc"] = str(self.root / "state")
        return shlex.split(substitute(command, replacements, unit))

    def start(self, name: str) -> subprocess.Popen:
        units = {"web": "eirc-web.service", "worker": "eirc-worker.service", "beat": "eirc-beat.service"}
        return self.spawn(name, self.unit_command(units[name]))

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill(self, name: str) -> None:
        """kill -9 of the whole process group: a worker's pool processes die
        with it, as on a lost machine or an OOM kill."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # --- redis ---------------------------------------------------------------
    def start_redis(self) -> None:
        """Its own redis-server, persisting to an append-only file as a
        production Redis must (docs/operations.md): a stop loses no queue."""
        data = self.root / "redis"
        data.mkdir(exist_ok=True)
        self.spawn(
            "redis",
            ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--dir", str(data)]
            + ["--appendonly", "yes", "--save", "", "--daemonize", "no"],
        )
        self.wait_port(self.ports["redis"], "redis-server")

    def stop_redis(self) -> None:
        self.stop("redis")

    # --- nginx ---------------------------------------------------------------
    def start_nginx(self) -> None:
        conf = self.root / "nginx"
        conf.mkdir()
        site = substitute(
            (self.base / "deploy" / "nginx" / "eirc.conf").read_text(),
            {
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.ports['web']};",
                "listen 80;": f"listen 127.0.0.1:{self.ports['http']};",
                "listen [::]:80;": "",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{self.ports['https']} ssl http2;",
                "listen [::]:443 ssl http2;": "",
                f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(self.cert),
                f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(self.key),
                "/srv/eirc/static/": f"{self.env['STATIC_ROOT']}/",
                "/var/log/nginx/": f"{self.logs}/nginx-",
            },
            "deploy/nginx/eirc.conf",
        )
        (conf / "eirc.conf").write_text(site)
        temp = " ".join(
            f"{kind}_temp_path {conf / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (conf / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {conf / 'nginx.pid'};\nerror_log {self.logs / 'nginx.log'} warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n {temp}\n"
            f" include {conf / 'eirc.conf'};\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        args = [nginx, "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", str(self.logs / "nginx.log")]
        self.run([*args, "-t", "-q"], "nginx -t")
        self.spawn("nginx", args)
        self.wait_port(self.ports["https"], "nginx")

    # --- waiting -------------------------------------------------------------
    def wait_port(self, port: int, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return
            time.sleep(0.1)  # polling a process that is starting
        raise RuntimeError(f"{what} does not listen on {port} after {timeout:.0f} s")

    def close(self) -> None:
        for name in ("nginx", "web", "beat", "worker", "redis"):
            try:
                self.stop(name)
            except Exception as exc:  # go on stopping the rest
                self.log(f"stopping {name}: {exc}")
        for name in list(self.procs):
            self.stop(name)
        self._closers.close()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
