"""Real servers for tests that look at the system from outside: gunicorn as `make serve` starts it,
management commands in their own process, a throwaway PostgreSQL cluster, and HTTP over loopback.

Nothing here touches the machine's shared PostgreSQL server except to create and drop databases
named by the caller."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "reform.example.jp"

# The production settings the README documents (section "Production"), with a throwaway key.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "test-only-" + "k" * 60,
    "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
    "DJANGO_SSL_REDIRECT": "1",
    "DJANGO_BEHIND_TLS_PROXY": "1",
}

# The SQLite backup command docs/operations.md documents, as the tests run it. XML, because Django's
# JSON cuts timestamps to milliseconds: a JSON backup would not give back the same history.
DUMPDATA_ARGS = ["--format", "xml", "--natural-foreign", "--exclude", "contenttypes", "--exclude", "auth.permission",
                 "--exclude", "sessions", "--exclude", "django_rq"]


def clean_env(**extra):
    """This process's environment without the project's settings, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return {**base, "DJANGO_SETTINGS_MODULE": "kisarazu_reform.settings", **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, headers=None, timeout=10):
    # As the TLS proxy would forward it: the site's host name, and the scheme the client used.
    request = urllib.request.Request(url, headers={"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def manage(database_url, *args, **env):
    """`manage.py <args>` in its own process on `database_url` (development settings unless `env` says otherwise)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=clean_env(**{"DJANGO_DEBUG": "1", "DATABASE_URL": database_url, **env}),
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def scenario(database_url, function, *args):
    """Call `tests.db_scenarios.<function>(*args)` in a Django process on `database_url`; return what it returned."""
    code = f"import json; from tests import db_scenarios; print(json.dumps(db_scenarios.{function}(*{args!r})))"
    output = manage(database_url, "shell", "--no-imports", "--command", code)
    return json.loads(output.strip().splitlines()[-1])


def collect_static(folder: Path) -> Path:
    """What `make serve` runs before starting gunicorn: hashed, compressed static files in `folder`."""
    manage(f"sqlite:///{folder / 'unused.sqlite3'}", "collectstatic", "--noinput", "--verbosity", "0",
           **PRODUCTION_ENV, DJANGO_STATIC_ROOT=str(folder))
    return folder


@contextlib.contextmanager
def gunicorn(database_url, static_root, log: Path, *, workers=2, **env):
    """gunicorn with gunicorn.conf.py as `make serve` starts it, in production mode; yields its base URL
    once /healthz answers. Its log (access lines, errors with tracebacks) goes to `log`."""
    port = free_port()
    server_env = clean_env(
        **{**PRODUCTION_ENV, "DJANGO_SSL_REDIRECT": "0"},  # no TLS proxy in front of a test server
        DJANGO_STATIC_ROOT=str(static_root), DATABASE_URL=database_url, PORT=str(port),
        WEB_CONCURRENCY=str(workers), **env,
    )
    base = f"http://127.0.0.1:{port}"
    with open(log, "w") as output:
        server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "kisarazu_reform.wsgi"],
                                  env=server_env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    if fetch(base + "/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None:
                    pytest.fail(f"gunicorn exited:\n{log.read_text()}")
                time.sleep(0.1)
            else:
                pytest.fail(f"gunicorn did not answer /healthz:\n{log.read_text()}")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller sees the 302 itself


class Browser:
    """One person's browser against a test server behind the (pretend) TLS proxy: cookies, CSRF, no redirects.

    The server must run with DJANGO_SECURE_COOKIES=0, since this talks plain HTTP to it."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def request(self, path, data=None, timeout=60):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        body = None
        if data is not None:
            headers["Origin"] = f"https://{HOST}"  # what a browser sends with a form post
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path):
        return self.request(path)

    def post(self, path, data, page):
        """Post a form of `page` (a page this browser got), with the page's CSRF token."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(path, {"csrfmiddlewaretoken": token, **data})

    def log_in(self, username, password):
        status, page = self.get("/admin/login/?next=/admin/")
        assert status == 200, page
        status, page = self.post("/admin/login/?next=/admin/", {"username": username, "password": password}, page)
        assert status == 302, f"{username} could not log in: {status}\n{page[:2000]}"


# --- PostgreSQL ------------------------------------------------------------------------------

def postgres_server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them out of PATH), or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                        if p.parent.name.isdigit() else 0, reverse=True)
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        candidates.append(Path(bindir))
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def skip_or_fail(reason):
    """A missing tool skips the test, except under CI (CI=true), where it is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def require(*programs):
    for program in programs:
        if not shutil.which(program):
            skip_or_fail(f"{program} not found: install the PostgreSQL client tools (Debian: postgresql-client)")


def admin_sql(server_url, *statements):
    """Run statements (CREATE/DROP DATABASE) on the server of `server_url`, outside any transaction."""
    url = urllib.parse.urlsplit(server_url)
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def with_database(server_url, name):
    return urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own, in a temporary folder on a free port: tests may restart it.

    It runs as the `postgres` OS user when this process is root (postgres refuses root), and trusts
    connections from loopback only. Made for tests: no fsync."""

    def __init__(self):
        self.bindir = postgres_server_binaries()
        if self.bindir is None:
            skip_or_fail("PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql")
        self.as_postgres = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                skip_or_fail("runuser not found: it runs PostgreSQL as the postgres user")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("no postgres OS user to run a throwaway PostgreSQL cluster as")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="reform-pg-"))
        if self.as_postgres:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program, *args):
        result = subprocess.run([*self.as_postgres, str(self.bindir / program), *args],
                                capture_output=True, text=True, cwd=self.folder, timeout=120)
        assert result.returncode == 0, f"{program} failed:\n{result.stdout}\n{result.stderr}"

    def _pg_ctl(self, *args):
        # Always with --log: a server started without it would hold our output pipe open forever.
        self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.folder / "server.log"), "--wait", *args)

    def start(self):
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust",
                  "--encoding", "UTF8", "--locale", "C", "--no-sync")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._pg_ctl("--options", options, "start")
        return self

    def restart(self):
        """Stop (fast: open connections are cut) and start again; returns once it accepts connections."""
        self._pg_ctl("--mode", "fast", "restart")

    def stop(self):
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self._pg_ctl("--mode", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def database(self, name, template=None):
        """Create database `name` (a copy of `template` if given) and return its URL."""
        admin_sql(self.url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return with_database(self.url, name)
