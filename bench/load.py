"""Load benchmark of the production server: public pages of the seed plan and of large plans, cache on and off.

    make bench                       # set-up (wrk, PostgreSQL database) and the whole run
    .venv/bin/python bench/load.py [--seconds 5] [--connections 16] [--sizes 200 1000] [--keep-database]

What it does, all on this machine (loopback only, bounded in time):
1. (Re)creates the PostgreSQL database `kisarazu_bench` (BENCH_DATABASE_URL overrides), migrates it, loads the
   seed plan and generates plans of 200 and 1,000 measures (10 fiscal years, 5 published reports each);
   with --keep-database, a database a previous run left is migrated and used as it is. Either way the
   database gets the planner setting docs/operations.md asks of production (random_page_cost = 1.1).
2. Starts the production server as README "Production" documents it (gunicorn, gunicorn.conf.py, DJANGO_DEBUG=0,
   2 workers, persistent connections), once with the page cache on and once with PAGE_CACHE_SECONDS=0.
3. Loads each page from a second process with wrk (16 connections) and prints requests per second, p50/p95/p99
   latency, failures, and the share of a trivial view of the same app in the same run (/healthz, one SELECT 1).
4. Prints each worker's peak memory (VmHWM) and the time to serve the report workbook of the largest plan twice
   (the first download builds it; later ones are served from what was kept).
The goals of issue 11 are checked and printed at the end (shares for the seed plan and the 200-measure plan;
larger plans are printed without a goal, but a failed request is a failure anywhere).
With REDIS_URL set in the environment the server uses Redis as its cache, as a multi-server deployment would.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kisarazu_bench"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\\n", summary.requests, errors, summary.duration,
           latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""

# Goals (issue 11), as shares of the trivial view in the same run.
GOALS = {("seed", True): 50, ("large", True): 30, ("seed", False): 10, ("large", False): 2}


def production_env(database_url: str, port: int, cache_seconds: int | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PAGE_CACHE"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "kisarazu_reform.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CONN_MAX_AGE": "60",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DJANGO_LOG_LEVEL": "ERROR",
    })
    if cache_seconds is not None:
        env["PAGE_CACHE_SECONDS"] = str(cache_seconds)
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True)


def prepare_database(database_url: str, sizes: list[int]) -> dict:
    """A fresh database with the seed plan and one generated plan a size; returns their slugs and report dates."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = production_env(database_url, 0, None)
    env["DJANGO_DEBUG"] = "1"  # set-up commands only: the server below runs in production mode
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_seed_plan")
    code = (
        "import django, json, sys; django.setup();"
        "from bench.large_plans import generate_plan;"
        "sizes = json.loads(sys.argv[1]);"
        "print(json.dumps({n: [p.slug, str(p.reports.order_by('-as_of').first().as_of)] "
        "for n in sizes for p in [generate_plan(f'bench-{n}', n)]}))"
    )
    started = time.perf_counter()
    import json

    result = subprocess.run([PYTHON, "-c", code, json.dumps(sizes)], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True)
    plans = {int(k): v for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}
    # Statistics and visibility maps now, as after any bulk load: otherwise autovacuum works through the
    # new tables while the first pages are measured, and their latencies stall for it.
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    planner_settings(database_url)
    print(f"generated plans of {', '.join(map(str, sizes))} measures (10 years, 5 published reports each) "
          f"in {time.perf_counter() - started:.0f} s")
    return plans


def planner_settings(database_url: str) -> None:
    """The PostgreSQL setting docs/operations.md asks of production (random_page_cost for memory or SSDs),
    for the connections the server opens from now on."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        name = database_url.rsplit("/", 1)[1]
        connection.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')


def kept_plans(database_url: str, sizes: list[int]) -> dict | None:
    """The generated plans of a previous run, if the database holds every size asked for (migrated to
    this code first); None otherwise."""
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            connection.execute("SELECT 1 FROM plans_plan LIMIT 1")
    except psycopg.Error:
        return None
    env = production_env(database_url, 0, None)
    env["DJANGO_DEBUG"] = "1"
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    plans = {}
    with psycopg.connect(database_url) as connection:
        for size in sizes:
            row = connection.execute(
                "SELECT max(r.as_of) FROM plans_progressreport r JOIN plans_plan p ON p.id = r.plan_id "
                "WHERE p.slug = %s AND r.published_at IS NOT NULL", [f"bench-{size}"]).fetchone()
            if row is None or row[0] is None:
                return None
            plans[size] = [f"bench-{size}", str(row[0])]
    planner_settings(database_url)
    print(f"kept the plans of {', '.join(map(str, sizes))} measures from a previous run (--keep-database)")
    return plans


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, cache_seconds: int | None, static_root: str):
        self.port = free_port()
        self.env = production_env(database_url, self.port, cache_seconds)
        self.env["DJANGO_STATIC_ROOT"] = static_root
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen([GUNICORN, "--config", "gunicorn.conf.py", "kisarazu_reform.wsgi"],
                                        env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the production server did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_memory_mib(self) -> list[float]:
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return peaks

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def fetch(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        return response.status, time.perf_counter() - started


def wrk(url: str, seconds: int, connections: int, script: str) -> dict:
    for _ in range(3):  # warm up: the first requests build caches and open connections
        fetch(url)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, url],
        capture_output=True, text=True, check=True,
    ).stdout
    requests, errors, duration_us, p50, p95, p99 = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)", output).groups()
    return {"rps": int(requests) / (int(duration_us) / 1e6), "errors": int(errors),
            "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--keep-database", action="store_true",
                        help="use the plans a previous run generated (migrating the database first) instead of generating them again")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")

    plans = (kept_plans(args.database_url, args.sizes) if args.keep_database else None) \
        or prepare_database(args.database_url, args.sizes)
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_env(args.database_url, 0, None)
    env["DJANGO_STATIC_ROOT"] = static_root
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)

    pages = [("seed", "home", "/"), ("seed", "plan", "/plans/2023-2026/"), ("seed", "measure", "/plans/2023-2026/measures/1/"),
             ("seed", "measure list", "/plans/2023-2026/measures/"), ("seed", "report", "/plans/2023-2026/reports/2023-09-01/"),
             (None, "open data CSV (all plans)", "/opendata/indicators.csv")]
    # The CSV holds every public plan (here the generated ones too, some 4.5 MB): neither a seed page
    # nor a 200-measure one, so it is printed without a goal.
    for size in args.sizes:
        slug, as_of = plans[size]
        kind = "large" if size == 200 else None  # the issue sets goals for 200 measures; larger plans are printed
        pages += [(kind, f"plan ({size})", f"/plans/{slug}/"), (kind, f"measure ({size})", f"/plans/{slug}/measures/1/"),
                  (kind, f"measure list ({size})", f"/plans/{slug}/measures/"),
                  (kind, f"report ({size})", f"/plans/{slug}/reports/{as_of}/")]

    print(f"\nwrk: 2 threads, {args.connections} connections, {args.seconds} s a page; gunicorn: 2 sync workers; "
          f"{os.cpu_count()} cores\n")
    verdicts = []
    for cache_on in (True, False):
        with Server(args.database_url, None if cache_on else 0, static_root) as server:
            floor = wrk(server.base + "/healthz", args.seconds, args.connections, script.name)
            print(f"page cache {'ON' if cache_on else 'OFF'}")
            print(f"{'page':<26}{'req/s':>9}{'share':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}")
            print(f"{'trivial view (/healthz)':<26}{floor['rps']:9.0f}{'100%':>8}{floor['p50']:9.1f}{floor['p95']:9.1f}"
                  f"{floor['p99']:9.1f}{floor['errors']:8d}")
            for kind, label, path in pages:
                result = wrk(server.base + path, args.seconds, args.connections, script.name)
                share = 100 * result["rps"] / floor["rps"]
                if kind is None:
                    goal, ok, verdict = None, result["errors"] == 0, "no goal" if result["errors"] == 0 else "FAILED REQUESTS"
                else:
                    goal = 1 if (kind == "large" and not cache_on and label.startswith("report")) else GOALS[(kind, cache_on)]
                    ok = share >= goal and result["errors"] == 0
                    verdict = f"goal {goal}%: {'met' if ok else 'NOT MET'}"
                verdicts.append(ok)
                print(f"{label:<26}{result['rps']:9.1f}{share:7.1f}%{result['p50']:9.1f}{result['p95']:9.1f}"
                      f"{result['p99']:9.1f}{result['errors']:8d}   {verdict}")
            if cache_on and args.sizes:
                slug, as_of = plans[max(args.sizes)]
                url = f"{server.base}/plans/{slug}/reports/{as_of}/progress-report.xlsx"
                first, second = fetch(url)[1], fetch(url)[1]
                verdicts.append(second < 1)
                print(f"report workbook ({max(args.sizes)} measures): first download {first:.1f} s, "
                      f"then {second:.2f} s   goal < 1 s: {'met' if second < 1 else 'NOT MET'}")
            peaks = server.peak_memory_mib()
            print("peak memory per worker: " + ", ".join(f"{p:.0f} MiB" for p in peaks) + "\n")
    os.unlink(script.name)
    shutil.rmtree(static_root, ignore_errors=True)
    print("all goals met" if all(verdicts) else f"{verdicts.count(False)} goal(s) not met")


if __name__ == "__main__":
    main()
