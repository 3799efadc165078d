#!/usr/bin/env python
"""Benchmark recording one chronology entry through the page (not a test).

    DATABASE_URL=sqlite:///var/bench_checks.sqlite3 .venv/bin/python scripts/bench_recording.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python scripts/bench_recording.py --reuse

Uses the caseload of scripts/bench_checks.py (generated here if the database is empty;
`--reuse` takes an existing one, e.g. the one bench_checks.py left). For `--writes` children
picked at random, an allocated social worker records a case note:

  service      chronology.services.record_event alone (validation, insert, audit entry),
               with the per-write re-check switched off: the baseline
  + re-check   the same, with the child's incremental re-check after commit (production)
  page         POST /children/<id>/record/note/ through Django's test client, signed in:
               middleware, the write permission and access rule, the form, the service,
               its audit entry and the re-check: what the user waits for on the server

and prints the median and 95th percentile of each, and each as a ratio to the baseline.
Target (issue 7): page p95 <= 50 ms on the 10,000-child caseload, both engines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--children", type=int, default=10_000, help="caseload size if generating")
    p.add_argument("--events-per-child", type=int, default=100)
    p.add_argument("--writes", type=int, default=200, help="entries recorded per measure")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--reuse", action="store_true", help="measure existing generated data")
    return p.parse_args()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main():
    args = parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import bench_checks

    bench_checks.setup_django()  # migrates; recreates a SQLite file unless --reuse
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from safeguard.children.models import Child, Involvement
    from safeguard.chronology.models import Event
    from safeguard.chronology.services import record_event

    if not Child.objects.exists():
        as_of = dt.date.fromisoformat("2024-06-03")
        print(f"Generating {args.children} children on {connection.vendor} ...", flush=True)
        bench_checks.generate(args.children, args.events_per_child, as_of, args.seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    today = timezone.localdate()
    rows = list(
        Involvement.objects.current(today)
        .filter(role="allocated_social_worker", child__date_of_death__isnull=True)
        .values_list("child_id", "professional_id")
    )
    rng = random.Random(args.seed)
    picked = rng.sample(rows, min(args.writes, len(rows)))
    from safeguard.accounts.models import User

    users = {u.pk: u for u in User.objects.filter(pk__in={p for _, p in picked})}
    children = {c.pk: c for c in Child.objects.filter(pk__in={c for c, _ in picked})}
    print(
        f"Engine {connection.vendor}: {Child.objects.count()} children, "
        f"{Event.objects.count()} events; {len(picked)} writes per measure"
    )

    def service_once(child_id, user_id):
        user = users[user_id]
        record_event(
            actor=user,
            child=children[child_id],
            event_type="note",
            occurred=today,
            source_agency=user.agency,
            summary="Benchmark case note",
        )

    results = {}
    for label, on_change in (("service (baseline)", False), ("service + re-check", True)):
        with override_settings(SAFEGUARD_CHECKS_ON_CHANGE=on_change):
            service_once(*picked[0])  # warm up
            timings = []
            for child_id, user_id in picked:
                started = time.perf_counter()
                service_once(child_id, user_id)
                timings.append(time.perf_counter() - started)
        results[label] = percentiles(timings)

    client = Client()
    timings, failures = [], 0
    with override_settings(SAFEGUARD_CHECKS_ON_CHANGE=True):
        for n, (child_id, user_id) in enumerate([picked[0], *picked]):
            client.force_login(users[user_id])
            url = reverse("recording:event", args=[child_id, "note"])
            data = {
                "occurred_day": today.day,
                "occurred_month": today.month,
                "occurred_year": today.year,
                "occurred_precision": "day",
                "summary": "Benchmark case note through the page",
            }
            started = time.perf_counter()
            response = client.post(url, data)
            elapsed = time.perf_counter() - started
            if response.status_code != 302:
                failures += 1
            if n:  # the first is a warm-up
                timings.append(elapsed)
    results["page (POST, signed in)"] = percentiles(timings)

    base_median, base_p95 = results["service (baseline)"]
    for label, (median, p95) in results.items():
        print(
            f"  {label:<24} median {median * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  "
            f"({median / base_median:4.1f}x / {p95 / base_p95:4.1f}x the baseline)"
        )
    if failures:
        print(f"  {failures} page writes did not redirect (302): the figures are not valid")
        sys.exit(1)


if __name__ == "__main__":
    main()
