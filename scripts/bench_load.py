#!/usr/bin/env python
"""Many users at once against the production application server (a benchmark, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python scripts/bench_load.py --users 50 --seconds 30
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python scripts/bench_load.py --users 16 --pages summary   # audited reads
    DATABASE_URL=sqlite:///var/bench_checks.sqlite3 .venv/bin/python scripts/bench_load.py

Uses a caseload already in the database (scripts/bench_checks.py, or `make demo`'s). It:

1. picks professionals with current involvements (every role present) and makes each a
   signed-in session (server-side, as signing in would; no password needed);
2. starts gunicorn with deploy/gunicorn.conf.py (the documented production command;
   SAFEGUARD_MODE=demo only so that plain HTTP on localhost is accepted and no second
   factor is asked: DEBUG is off and everything else is as in production);
3. runs Locust headless (scripts/locustfile.py), bounded in time, with no think time:
   first the baseline (the same number of users opening the sign-in page), then the
   record pages (summary, chronology, caseload), or only summaries with --pages summary;
4. prints each page's p50/p95/p99, requests per second, failures, the audited page views
   per second (audit entries written during the run), the server's CPU use, and on
   PostgreSQL the share of busy database sessions that were waiting on a lock (sampled
   from pg_stat_activity: before audit lanes, the chain's one head row was the lock every
   read took; with lanes, a read waits only when every lane is busy).

Locust, the server and the database share the machine: the figures are for this machine,
and the ratio to the baseline is the comparable number.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--users", type=int, default=50, help="concurrent users (no think time)")
    p.add_argument("--seconds", type=int, default=30, help="length of each run")
    p.add_argument("--pages", choices=("records", "summary"), default="records")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--professionals", type=int, default=60)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--skip-baseline", action="store_true")
    return p.parse_args()


def make_plan(n: int, seed: int) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from safeguard.access import roles
    from safeguard.accounts.models import User
    from safeguard.children.models import Involvement

    by_user: dict[int, list[int]] = {}
    for child_id, user_id in (
        Involvement.objects.current(timezone.localdate())
        .filter(child__restricted=False, professional__is_active=True)
        .values_list("child_id", "professional_id")
    ):
        by_user.setdefault(user_id, []).append(child_id)
    rng = random.Random(seed)
    users = {u.pk: u for u in User.objects.filter(pk__in=list(by_user))}
    # Every role present, then at random.
    by_role: dict[str, list[int]] = {}
    for pk, user in users.items():
        by_role.setdefault(user.role, []).append(pk)
    chosen = [rng.choice(sorted(pks)) for pks in by_role.values()]
    rest = sorted(set(users) - set(chosen))
    chosen += rng.sample(rest, max(0, min(n - len(chosen), len(rest))))
    backend = settings.AUTHENTICATION_BACKENDS[-1]
    plan = []
    for pk in chosen:
        user = users[pk]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        plan.append(
            {
                "session": session.session_key,
                "role": user.role,
                "children": by_user[pk][:50],
                "chronology": "chronology" in roles.areas_for(user.role),
            }
        )
    return plan


def start_server(args, env) -> subprocess.Popen:
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_ACCESSLOG": "/dev/null",
    }
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn
        [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        + ["safeguard.wsgi"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "var" / "bench_load_server.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/sign-in/", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit("gunicorn did not start: see var/bench_load_server.log")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's master and workers."""
    import psutil

    total = 0.0
    try:
        parent = psutil.Process(server.pid)
        for proc in [parent, *parent.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


class LockSampler(threading.Thread):
    """Samples pg_stat_activity: how many busy sessions wait on a lock."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.busy = 0
        self.locked = 0

    def run(self):
        from django.db import connection

        with connection.cursor() as cursor:
            while not self.stop.is_set():
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
                busy, locked = cursor.fetchone()
                self.busy += busy
                self.locked += locked
                time.sleep(0.05)
        connection.close()


def run_locust(args, env, pages: str, label: str, server) -> dict:
    from django.db import connection

    from safeguard.access.models import AuditEntry

    prefix = ROOT / "var" / f"bench_load_{label}"
    audits_before = AuditEntry.objects.count()
    cpu_before = server_cpu_seconds(server)
    sampler = LockSampler() if connection.vendor == "postgresql" else None
    if sampler:
        sampler.start()
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own virtualenv's locust
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "scripts" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.users),
            "--run-time",
            f"{args.seconds}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**env, "LOAD_PAGES": pages},
        check=False,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    if sampler:
        sampler.stop.set()
        sampler.join()
    result = {
        "elapsed": elapsed,
        "audits": AuditEntry.objects.count() - audits_before,
        "cpu": server_cpu_seconds(server) - cpu_before,
        "rows": [],
    }
    if sampler and sampler.busy:
        result["lock_share"] = sampler.locked / sampler.busy
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            result["rows"].append(row)
    return result


def report(label: str, result: dict, seconds: int, base_p95: float | None) -> float | None:
    print(f"\n{label}:")
    print(
        f"  {'page':<26} {'requests':>8} {'fail':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7}"
    )
    p95_all = None
    for row in result["rows"]:
        name = row["Name"]
        p95 = float(row["95%"])
        if name == "Aggregated":
            p95_all = p95
        print(
            f"  {name:<26} {row['Request Count']:>8} {row['Failure Count']:>5} "
            f"{row['50%']:>5}ms {row['95%']:>5}ms {row['99%']:>5}ms "
            f"{float(row['Requests/s']):7.1f}"
            + (f"  (p95 {p95 / base_p95:.1f}x the baseline)" if base_p95 else "")
        )
    print(
        f"  audited page views: {result['audits']} ({result['audits'] / seconds:.1f}/s); "
        f"server CPU {result['cpu']:.1f} s in {seconds} s "
        f"({result['cpu'] / seconds * 100:.0f}% of one core)"
    )
    if "lock_share" in result:
        print(
            f"  database sessions busy waiting on a lock: {result['lock_share'] * 100:.0f}% "
            "of samples (before audit lanes, the chain head was the one lock every read took)"
        )
    return p95_all


def main():
    args = parse_args()
    os.environ.setdefault("SAFEGUARD_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    (ROOT / "var").mkdir(exist_ok=True)
    plan = make_plan(args.professionals, args.seed)
    plan_path = ROOT / "var" / "bench_load_plan.json"
    plan_path.write_text(json.dumps(plan))
    roles = sorted({p["role"] for p in plan})
    env = {
        **os.environ,
        "SAFEGUARD_MODE": "demo",
        "DEBUG": "false",
        "SAFEGUARD_CHECKS_ON_CHANGE": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOAD_PLAN": str(plan_path),
        "PYTHONPATH": str(ROOT),
    }
    print(
        f"Engine {connection.vendor}; gunicorn {args.workers} workers x {args.threads} threads; "
        f"{args.users} users, no think time, {args.seconds} s per run; {len(plan)} "
        f"professionals ({', '.join(roles)}); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    server = start_server(args, env)
    try:
        base_p95 = None
        if not args.skip_baseline:
            baseline = run_locust(args, env, "baseline", "baseline", server)
            base_p95 = report("Baseline: the sign-in page", baseline, args.seconds, None)
        result = run_locust(args, env, args.pages, args.pages, server)
        report(f"Record pages ({args.pages})", result, args.seconds, base_p95)
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
