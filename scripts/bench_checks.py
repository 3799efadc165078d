#!/usr/bin/env python
"""Benchmark the checks sweep on a generated local-authority caseload (not a test).

    DATABASE_URL=sqlite:///var/bench_checks.sqlite3 .venv/bin/python scripts/bench_checks.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python scripts/bench_checks.py --children 10000

Generates (bulk_create: it is a fixture, not a record anyone entered) N children with
episodes, placements, involvements, health records and about `--events-per-child`
chronology events each, then prints: the full sweep time (first sweep, raising alerts, and a
steady-state sweep), evaluation time per check, the incremental re-check time for one
changed child (median and 95th percentile over `--incremental` children), peak Python
memory (tracemalloc) and process peak RSS, and the ratio of the sweep to one plain scan of
the events table on the same engine in the same run.

The target database must be empty or hold an earlier run's data (`--reuse` measures it
again without regenerating). Never point it at a database anyone else uses: create one,
e.g. `createdb -h 127.0.0.1 -U postgres safeguard_bench`. SQLite files are recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--children", type=int, default=10_000)
    p.add_argument("--events-per-child", type=int, default=100)
    p.add_argument("--as-of", default="2024-06-03", help="sweep date (YYYY-MM-DD)")
    p.add_argument("--incremental", type=int, default=50, help="children to re-check singly")
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--reuse", action="store_true", help="measure existing generated data")
    p.add_argument("--profile", help="write a pyinstrument profile of the re-checks here")
    p.add_argument(
        "--skip-sweeps", action="store_true", help="measure the incremental re-check only"
    )
    args = p.parse_args()
    if args.incremental < 1:
        p.error("--incremental must be at least 1 (the re-check is measured on that many children)")
    return args


def setup_django():
    os.environ.setdefault("SAFEGUARD_MODE", "test")
    os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench_checks.sqlite3")
    os.environ["SAFEGUARD_CHECKS_ON_CHANGE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///") and "--reuse" not in sys.argv:
        path = url[len("sqlite:///") :]
        path = Path(path) if os.path.isabs(path) else ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def rand_day(rng, start: dt.date, end: dt.date) -> dt.date:
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, max(span, 0)))


def generate(n_children: int, events_per_child: int, as_of: dt.date, seed: int) -> dict:
    from django.utils import timezone

    from safeguard.accounts.models import Agency, Team, User
    from safeguard.children.models import Child, Involvement, Person, Relationship
    from safeguard.chronology.models import Event
    from safeguard.episodes.models import Episode, Placement
    from safeguard.health.models import HealthAssessment, Medicine

    rng = random.Random(seed)
    tz = timezone.get_current_timezone()

    def at(day: dt.date, hour=10, minute=0):
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

    la = Agency.objects.create(code="bench-la", name="Bench LA", kind="childrens_social_care")
    police = Agency.objects.create(code="bench-police", name="Bench Police", kind="police")
    gp_practice = Agency.objects.create(code="bench-gp", name="Bench GP", kind="gp_practice")
    teams = [Team.objects.create(agency=la, code=f"team-{i}", name=f"Team {i}") for i in range(20)]
    users = []
    for i in range(400):
        users.append(User(username=f"sw{i}", role="social_worker", agency=la, team=teams[i % 20]))
    for i in range(20):
        users.append(User(username=f"tm{i}", role="team_manager", agency=la, team=teams[i]))
    for i in range(30):
        users.append(User(username=f"iro{i}", role="iro", agency=la))
    for i in range(60):
        users.append(User(username=f"gp{i}", role="gp", agency=gp_practice))
    for i in range(10):
        users.append(User(username=f"nurse{i}", role="health_practitioner", agency=la))
    User.objects.bulk_create(users, batch_size=500)
    by_prefix: dict[str, list[int]] = {}
    for pk, username in User.objects.values_list("pk", "username"):
        by_prefix.setdefault(username.rstrip("0123456789"), []).append(pk)
    tm_for_team = dict(User.objects.filter(role="team_manager").values_list("team_id", "pk"))
    team_of = dict(User.objects.filter(role="social_worker").values_list("pk", "team_id"))

    counts = {"children": 0, "events": 0}
    chunk = 500
    for base in range(0, n_children, chunk):
        size = min(chunk, n_children - base)
        children = []
        for i in range(base, base + size):
            dob = as_of - dt.timedelta(days=rng.randint(30, 365 * 18 - 10))
            children.append(
                Child(
                    local_id=f"B{i:07d}",
                    given_name="Bench",
                    family_name=f"Child{i}",
                    date_of_birth=dob,
                    sex=rng.choice("MF"),
                    nhs_number="" if rng.random() < 0.05 else f"{9000000000 + i:010d}",
                    synthetic=True,
                )
            )
        Child.objects.bulk_create(children)
        children = list(Child.objects.filter(local_id__in=[c.local_id for c in children]))
        episodes, placements, involvements, assessments, medicines = [], [], [], [], []
        people, relationships, events = [], [], []
        plans = {}
        for child in children:
            start_min = max(child.date_of_birth, as_of - dt.timedelta(days=1500))
            r = rng.random()
            kind = None
            if r < 0.35:
                kind = "looked_after"
                start = rand_day(rng, start_min, as_of - dt.timedelta(days=10))
                status = rng.choices(["V2", "C2", "C1"], weights=[3, 5, 2])[0]
                episodes.append(
                    Episode(child=child, kind=kind, start_date=start, legal_status=status)
                )
                placements.append(
                    Placement(
                        child=child,
                        start_date=start,
                        placement_type=rng.choice(["U4", "U6", "K2"]),
                        provider_name="Bench carers",
                        intended_until_18=rng.random() < 0.5,
                    )
                )
                if rng.random() < 0.9:
                    ha = start + dt.timedelta(days=rng.randint(5, 40))
                    while ha <= as_of:
                        assessments.append(HealthAssessment(child=child, kind="review", date=ha))
                        ha += dt.timedelta(days=rng.randint(300, 420))
            elif r < 0.50:
                kind = "child_protection"
                start = rand_day(rng, start_min, as_of - dt.timedelta(days=5))
                episodes.append(
                    Episode(child=child, kind=kind, start_date=start, cp_category="neglect")
                )
            sw = rng.choice(by_prefix["sw"])
            involve = [
                ("allocated_social_worker", sw),
                ("team_manager", tm_for_team[team_of[sw]]),
                ("gp", rng.choice(by_prefix["gp"])),
            ]
            if kind == "looked_after":
                involve += [
                    ("iro", rng.choice(by_prefix["iro"])),
                    ("designated_nurse", rng.choice(by_prefix["nurse"])),
                ]
            for role, prof in involve:
                involvements.append(
                    Involvement(
                        child=child,
                        professional_id=prof,
                        role=role,
                        start_date=max(child.date_of_birth, as_of - dt.timedelta(days=2000)),
                    )
                )
            plans[child.pk] = (kind, start if kind else None, child)

        Episode.objects.bulk_create(episodes, batch_size=1000)
        Placement.objects.bulk_create(placements, batch_size=1000)
        Involvement.objects.bulk_create(involvements, batch_size=2000)
        HealthAssessment.objects.bulk_create(assessments, batch_size=2000)

        for kind, start, child in plans.values():
            if rng.random() < 0.05:
                people.append((child, Person(given_name="Adult", family_name="Of concern")))
            if kind == "looked_after" and rng.random() < 0.12:
                medicines.append(
                    Medicine(
                        child=child,
                        name="Lamotrigine",
                        start_date=start - dt.timedelta(days=400),
                        long_term=True,
                    )
                )
        Person.objects.bulk_create([p for _, p in people], batch_size=1000)
        for child, person in people:
            relationships.append(
                Relationship(
                    child=child,
                    person=person,
                    relationship="adult_of_concern",
                    start_date=as_of - dt.timedelta(days=rng.randint(0, 700)),
                )
            )
        Relationship.objects.bulk_create(relationships, batch_size=1000)
        Medicine.objects.bulk_create(medicines, batch_size=1000)
        on_medicine = {m.child_id for m in medicines}

        window_start = as_of - dt.timedelta(days=3 * 365)
        now = timezone.now()
        for child_pk, (kind, start, child) in plans.items():
            own: list[Event] = []

            def add(
                event_type,
                day,
                details=None,
                hour=10,
                minute=0,
                precision="day",
                own=own,
                child_pk=child_pk,
                now=now,
            ):
                moment = at(day, hour, minute) if precision == "exact" else at(day, 0, 0)
                own.append(
                    Event(
                        uid=uuid.uuid4(),
                        child_id=child_pk,
                        event_type=event_type,
                        occurred_at=moment,
                        occurred_on=day,
                        precision=precision,
                        recorded_at=min(now, moment + dt.timedelta(hours=6)),
                        source_agency=la,
                        summary=event_type.replace("_", " "),
                        details=details or {},
                        synthetic=True,
                    )
                )

            first = max(window_start, child.date_of_birth)
            if kind == "looked_after":
                day = start + dt.timedelta(days=rng.randint(2, 9))
                while day <= as_of:
                    add("social_worker_visit", day, {"seen_alone": True})
                    day += dt.timedelta(days=rng.randint(28, 50))
                if child_pk in on_medicine:
                    day = max(start, first)
                    n = 0
                    while day <= as_of:
                        ref = f"RX-{child_pk}-{n}"
                        add(
                            "prescription_issued",
                            day,
                            {"medicine": "Lamotrigine", "prescription_ref": ref},
                        )
                        if rng.random() < 0.93:
                            add(
                                "prescription_collected",
                                day + dt.timedelta(days=rng.randint(1, 9)),
                                {"medicine": "Lamotrigine", "prescription_ref": ref},
                            )
                        day += dt.timedelta(days=28)
                        n += 1
            if rng.random() < 0.12:
                for m in range(rng.randint(1, 6)):
                    gone = rand_day(rng, first, as_of - dt.timedelta(days=2))
                    ref = f"M-{child_pk}-{m}"
                    add("missing_from_care", gone, {"episode_ref": ref}, 21, 0, "exact")
                    back = gone + dt.timedelta(days=1)
                    add("returned_from_missing", back, {"episode_ref": ref}, 9, 30, "exact")
                    if rng.random() < 0.8:
                        add(
                            "return_interview_offered",
                            back + dt.timedelta(days=rng.randint(0, 5)),
                            {"episode_ref": ref},
                        )
            filler = max(0, events_per_child - len(own))
            for _ in range(filler):
                add(
                    rng.choice(
                        [
                            "note",
                            "health_appointment",
                            "family_contact",
                            "school_absence",
                            "police_incident",
                            "concern_raised",
                        ]
                    ),
                    rand_day(rng, first, as_of),
                )
            events.extend(own)
        Event.objects.bulk_create(events, batch_size=5000)
        counts["children"] += size
        counts["events"] += len(events)
        print(f"  generated {counts['children']} children, {counts['events']} events", flush=True)
    del police
    return counts


def plain_scan_seconds() -> float:
    from django.db import connection

    best = None
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), max(occurred_at) FROM chronology_event")
            cursor.fetchone()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    args = parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    setup_django()
    from django.db import connection

    from safeguard.checks.engine import catalogue
    from safeguard.checks.services import evaluate, run_checks
    from safeguard.children.models import Child
    from safeguard.chronology.models import Event

    engine = connection.vendor
    existing = Child.objects.count()
    if existing and not args.reuse:
        sys.exit(f"The database already holds {existing} children: use --reuse or an empty one")
    if not existing:
        print(f"Generating {args.children} children on {engine} ...", flush=True)
        started = time.perf_counter()
        generate(args.children, args.events_per_child, as_of, args.seed)
        print(f"  generation took {time.perf_counter() - started:.1f}s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        # Benchmark data only: empty the alert tables (raw SQL: the history is append-only
        # through the ORM) so the first sweep raises every alert again.
        with connection.cursor() as cursor:
            for table in ("checks_alertevent", "checks_alertrecipient", "checks_alert"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    n_children = Child.objects.count()
    n_events = Event.objects.count()
    print(f"Engine {engine}: {n_children} children, {n_events} events; as of {as_of}")

    scan = plain_scan_seconds()
    print(f"Plain scan of chronology_event (count, max): {scan:.3f}s")

    if not args.skip_sweeps:
        per_check = {}
        for check in catalogue():
            started = time.perf_counter()
            found = evaluate(as_of, checks=[check])[check.id]
            per_check[check.id] = (time.perf_counter() - started, len(found))
        for check_id, (seconds, n) in per_check.items():
            print(f"  {check_id:<28} {seconds:7.3f}s  {n:6d} findings")
        evaluation = sum(s for s, _ in per_check.values())

        started = time.perf_counter()
        first = run_checks(as_of=as_of)
        first_sweep = time.perf_counter() - started
        # The first sweep filled the alert tables: gather their statistics, as PostgreSQL's
        # autovacuum (or an SQLite installation's ANALYZE) would before anyone uses them.
        # Without this the pages benchmarks that follow were planned for empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        started = time.perf_counter()
        steady = run_checks(as_of=as_of)
        steady_sweep = time.perf_counter() - started
        # Python allocations are traced on a separate sweep: tracing slows the interpreter, so
        # the timed sweeps above run without it.
        tracemalloc.start()
        run_checks(as_of=as_of)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"Full sweep, first run: {first_sweep:.2f}s ({first.findings} findings, "
            f"{first.raised} alerts raised)"
        )
        print(
            f"Full sweep, steady state: {steady_sweep:.2f}s ({steady.raised} raised, "
            f"{steady.resolved} resolved)"
        )
        print(f"Evaluation only (sum over checks): {evaluation:.2f}s")

    rng = random.Random(args.seed + 1)
    sample = rng.sample(list(Child.objects.values_list("pk", flat=True)), args.incremental)
    from safeguard.core.prepared import prepared_disabled

    # The incremental re-check of one child, two ways, alternating child by child so that
    # the machine's load falls on both alike: each check's queries built and compiled
    # afresh (the baseline: how every re-check ran before issue 9), and prepared (built
    # once per day and check, then run with the child as a parameter; production).
    run_checks(as_of=as_of, child_ids=[sample[0]])  # compiles the prepared queries
    with prepared_disabled():
        run_checks(as_of=as_of, child_ids=[sample[0]])
    timings = {"built afresh (baseline)": [], "prepared": []}
    # PostgreSQL: also the prepared queries bound on the client, not prepared on the
    # server (SAFEGUARD_PREPARED_ON_SERVER=false), to show what server preparation saves.
    client_bound = "prepared, bound on the client (not prepared on the server)"
    if engine == "postgresql":
        timings[client_bound] = []
    from django.conf import settings

    for child_id in sample:
        with prepared_disabled():
            started = time.perf_counter()
            run_checks(as_of=as_of, child_ids=[child_id])
            timings["built afresh (baseline)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        run_checks(as_of=as_of, child_ids=[child_id])
        timings["prepared"].append(time.perf_counter() - started)
        if client_bound in timings:
            on_server = settings.SAFEGUARD_PREPARED_ON_SERVER
            settings.SAFEGUARD_PREPARED_ON_SERVER = False
            try:
                started = time.perf_counter()
                run_checks(as_of=as_of, child_ids=[child_id])
                timings[client_bound].append(time.perf_counter() - started)
            finally:
                settings.SAFEGUARD_PREPARED_ON_SERVER = on_server
    base = None
    for label, values in timings.items():
        values.sort()
        median = statistics.median(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        base = base or median
        print(
            f"Incremental re-check of one child, {label}: median {median * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms (n={len(values)}; {median / base:.2f}x the baseline)"
        )
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for child_id in sample:
            run_checks(as_of=as_of, child_ids=[child_id])
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=False, color=False))
        print(f"Profile of {len(sample)} prepared re-checks written to {args.profile}")
    if args.skip_sweeps:
        return
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak Python memory during a sweep (tracemalloc): {peak / 2**20:.1f} MiB")
    print(f"Peak process RSS: {rss:.0f} MiB")
    print(
        f"Ratio steady sweep / plain scan: {steady_sweep / scan:.1f}x; "
        f"first sweep / plain scan: {first_sweep / scan:.1f}x"
    )


if __name__ == "__main__":
    main()
