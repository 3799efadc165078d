#!/usr/bin/env python
"""Server time of the record pages for one signed-in user (a benchmark, not a test).

    DATABASE_URL=sqlite:///var/bench_pages.sqlite3 .venv/bin/python scripts/bench_pages.py --demo
    DATABASE_URL=sqlite:///var/bench_checks.sqlite3 .venv/bin/python scripts/bench_pages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python scripts/bench_pages.py
    ... --profile var/pages.txt --profile-page caseload --profile-page alert

`--demo` loads the demo partnership into the (new, empty) database first; otherwise it uses
the caseload scripts/bench_checks.py generated. For children picked at random, the child's
allocated social worker opens, through Django's test client (the whole middleware stack,
DEBUG off, the audit entry written): the child summary, the chronology, their caseload and
one of their alerts (when they have one). The baseline, measured in the same run, is the
minimal authenticated page: a view that only requires a signed-in user and returns a few
bytes through the same middleware. Each page is also measured with the prepared queries
switched off (core/prepared.py: built afresh on every request, as before issue 9), and
its number of SQL queries is counted.

Prints the median and p95 of each page, and its median as a ratio to the baseline's.
Target (issue 9): every page's median <= 3x the baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

# The minimal authenticated page: the project's URLs plus one, for this benchmark only.
urlpatterns = []


def _urls():
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    @login_required
    def minimal(request):
        return HttpResponse("ok")

    return [path("__bench__/minimal/", minimal), path("", include("safeguard.urls"))]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--children", type=int, default=20, help="children (and users) sampled")
    p.add_argument("--repeat", type=int, default=5, help="requests per page per child")
    p.add_argument("--demo", action="store_true", help="load the demo partnership first")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", help="write a pyinstrument profile of the summary page here")
    p.add_argument(
        "--profile-page",
        action="append",
        choices=["summary", "chronology", "caseload", "alert"],
        help="the page(s) --profile profiles (default: the summary); repeat for several",
    )
    return p.parse_args()


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main():
    args = parse_args()
    os.environ.setdefault("SAFEGUARD_MODE", "test")
    os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench_pages.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    from safeguard.checks.models import Alert, AlertRecipient
    from safeguard.children.models import Child, Involvement
    from safeguard.core.prepared import prepared_disabled

    if args.demo and not Child.objects.exists():
        from safeguard.checks.services import checks_suspended
        from safeguard.scenarios.loader import load

        with checks_suspended(sweep_after=True):
            load([ROOT / "scenarios" / "demo.yaml"])
    today = timezone.localdate()
    rows = list(
        Involvement.objects.current(today)
        .filter(role="allocated_social_worker", child__date_of_death__isnull=True)
        .values_list("child_id", "professional_id")
    )
    rng = random.Random(args.seed)
    picked = rng.sample(rows, min(args.children, len(rows)))
    from safeguard.accounts.models import User

    users = {u.pk: u for u in User.objects.filter(pk__in={p for _, p in picked})}
    alerts = dict(
        AlertRecipient.objects.filter(professional_id__in=list(users))
        .order_by("alert_id")
        .values_list("professional_id", "alert_id")
    )
    print(
        f"Engine {connection.vendor}: {Child.objects.count()} children, "
        f"{len(picked)} children sampled, {args.repeat} requests each per page; "
        f"{Alert.objects.count()} alerts; load average {os.getloadavg()[0]:.1f}"
    )

    def pages(child_id, user_id):
        yield "minimal authenticated page (baseline)", "/__bench__/minimal/"
        yield "child summary", f"/children/{child_id}/"
        yield "chronology", f"/children/{child_id}/chronology/"
        yield "caseload", "/"
        if user_id in alerts:
            yield "alert", f"/alerts/{alerts[user_id]}/"

    module = sys.modules[__name__]
    module.urlpatterns = _urls()
    timings: dict[tuple[str, str], list[float]] = {}
    queries: dict[str, int] = {}
    client = Client()
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        assert not settings.DEBUG
        for child_id, user_id in picked:
            client.force_login(users[user_id])
            for label, url in pages(child_id, user_id):
                for way in ("built afresh", "prepared"):
                    context = prepared_disabled() if way == "built afresh" else _null()
                    with context:
                        client.get(url)  # warm (and, prepared, compile)
                        for _ in range(args.repeat):
                            started = time.perf_counter()
                            response = client.get(url)
                            elapsed = time.perf_counter() - started
                            if response.status_code != 200:
                                sys.exit(f"{url} answered {response.status_code}")
                            timings.setdefault((label, way), []).append(elapsed)
                        if way == "prepared":
                            with CaptureQueriesContext(connection) as captured:
                                client.get(url)
                            queries[label] = max(queries.get(label, 0), len(captured))
        if args.profile:
            from pyinstrument import Profiler

            urls = {
                "summary": lambda child_id, user_id: f"/children/{child_id}/",
                "chronology": lambda child_id, user_id: f"/children/{child_id}/chronology/",
                "caseload": lambda child_id, user_id: "/",
                "alert": lambda child_id, user_id: (
                    f"/alerts/{alerts[user_id]}/" if user_id in alerts else None
                ),
            }
            reports = []
            for page in args.profile_page or ["summary"]:
                profiler = Profiler(interval=0.0002)
                profiler.start()
                for child_id, user_id in picked:
                    url = urls[page](child_id, user_id)
                    if url is None:
                        continue
                    client.force_login(users[user_id])
                    for _ in range(args.repeat):
                        client.get(url)
                profiler.stop()
                reports.append(f"== {page} ==\n" + profiler.output_text(unicode=False, color=False))
            Path(args.profile).write_text("\n".join(reports))

    base = statistics.median(timings[("minimal authenticated page (baseline)", "prepared")])
    print(f"{'page':<40} {'way':<13} {'median':>8} {'p95':>8} {'ratio':>7} {'queries':>8}")
    for (label, way), values in timings.items():
        median, p95 = percentiles(values)
        print(
            f"{label:<40} {way:<13} {median * 1000:6.1f}ms {p95 * 1000:6.1f}ms "
            f"{median / base:6.1f}x {queries.get(label, '') if way == 'prepared' else '':>8}"
        )


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
