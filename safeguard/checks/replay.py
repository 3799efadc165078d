"""Replay a scenario day by day and report when the checks would have spoken.

`replay(scenario)` runs the day as production does: the nightly sweep as of the day first,
before anything recorded that day, then the day's operations (each became known on
`Operation.effective`) and the re-check that follows each write. So a record made one day
late shows as an alert raised that morning and resolved by the record. It collects every
alert transition, with who was told. It writes through the services into whatever database
is the default connection: `scratch_database()` points that at a fresh SQLite file first
(the `safeguard replay` command always does), so a replay never touches real records.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import connections, transaction

from .escalation import escalation_days_after
from .models import Alert
from .services import checks_suspended, evaluate, run_checks

CHANGE_LABELS = {
    "raised": "raised",
    "reopened": "raised again",
    "resolved": "resolved by a record",
    "ended": "ended",
    "escalated": "escalated",
    "condition_cleared": "cleared (was closed)",
}


@dataclass(frozen=True)
class ReplayRow:
    date: dt.date
    change: str  # raised / reopened / resolved
    check_id: str
    child: str  # the child's local id
    subject_key: str
    due_date: dt.date
    detail: str
    # Why the duty stopped applying, for an "ended" change ("the child died").
    reason: str = ""
    # Who was told: "name (role); ..." as the alert's recipients stood after the change.
    told: str = ""
    # Who was queued an email at once for this change (high severity: raised, re-raised,
    # escalated); the daily digests are not replayed.
    emailed: str = ""

    def as_text(self) -> str:
        change = CHANGE_LABELS.get(self.change, self.change)
        if self.reason:
            change = f"{change}: {self.reason}"
        return (
            f"{self.date}  {change:<12} {self.check_id:<28} "
            f"{self.child}  {self.subject_key}  (due {self.due_date})"
            + (f"  told: {self.told}" if self.told else "")
            + (f"  emailed: {self.emailed}" if self.emailed else "")
        )


CSV_FIELDS = [
    "date",
    "change",
    "reason",
    "check_id",
    "child",
    "subject_key",
    "due_date",
    "told",
    "emailed",
    "detail",
]


def _told(alert_id: int) -> str:
    from .models import AlertRecipient

    return "; ".join(
        f"{r.professional.display_name} ({r.role})"
        for r in AlertRecipient.objects.filter(alert_id=alert_id)
        .select_related("professional")
        .order_by("role", "professional__username")
    )


def _row(day, t, local_id) -> ReplayRow:
    return ReplayRow(
        date=day,
        change=str(t.kind),
        check_id=t.check_id,
        child=local_id,
        subject_key=t.subject_key,
        due_date=t.due_date,
        detail=Alert.objects.get(pk=t.alert_id).detail,
        reason=t.reason,
        told=_told(t.alert_id),
        emailed=_emailed(day, t) if t.kind in EMAILED_KINDS else "",
    )


EMAILED_KINDS = ("raised", "reopened", "escalated")


def _emailed(day, t) -> str:
    from .models import Outbox, OutboxKind

    return "; ".join(
        sorted(
            {
                m.recipient.display_name
                for m in Outbox.objects.filter(as_of=day, kind=OutboxKind.IMMEDIATE)
                .select_related("recipient")
                .order_by("pk")
                if t.alert_id in m.alert_ids
            }
        )
    )


def write_csv(rows: list[ReplayRow], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for r in rows:
            writer.writerow([getattr(r, f) for f in CSV_FIELDS])


def _signature(findings) -> frozenset:
    return frozenset(
        (cid, key, f.due_date, f.detail)
        for cid, found in findings.items()
        for key, f in found.items()
    )


# With the record unchanged, a finding only appears when a due date passes and only goes
# when an age limit is reached (18 for the CAWN check): it cannot appear and go again within
# this many days, so sampling quiet stretches this often and bisecting between samples finds
# every day the findings change.
QUIET_SAMPLE_DAYS = 90


def replay(scenario) -> list[ReplayRow]:
    """Walk the clock from the scenario's first to its last date; return every transition.

    Per-write re-evaluation is suspended. Each day with operations: the nightly sweep as of
    that day on the record as it stood, then the operations (one transaction), then the
    checks as of that day again (what the writes' re-checks produce; children the day's
    writes did not touch cannot change within the day). Between two such days the record
    does not change, so the findings can change only as dates pass; instead of evaluating
    every quiet day, the replay evaluates every QUIET_SAMPLE_DAYS and bisects between
    samples whose findings differ, to the exact day. The sweep (which writes the alerts) runs
    as of every day the findings change, in date order, so the alerts and their history are
    what a daily sweep would have produced. tests/test_replay.py checks this against a plain
    day-by-day walk.
    """
    from safeguard.scenarios.loader import ApplyContext, apply_operations

    ops = sorted(scenario.operations, key=lambda op: op.sort_key)
    op_days = sorted({op.effective for op in ops})
    last = scenario.last_date
    rows: list[ReplayRow] = []
    ctx = ApplyContext()
    local_ids: dict[int, str] = {}
    state = {"signature": None}
    memo: dict[dt.date, tuple] = {}
    # Days an open alert reaches an escalation step: swept even if no finding changes.
    escalation_days: set[dt.date] = set()

    def evaluate_on(day):
        if day not in memo:
            findings = evaluate(day)
            memo[day] = (_signature(findings), findings)
        return memo[day]

    def sweep(day):
        signature, findings = evaluate_on(day)
        if signature == state["signature"] and day not in escalation_days:
            return
        result = run_checks(as_of=day, findings=findings)
        state["signature"] = signature
        escalation_days.discard(day)
        escalation_days.update(escalation_days_after(day))
        for t in result.transitions:
            if t.child_id not in local_ids:
                from safeguard.children.models import Child

                local_ids[t.child_id] = Child.objects.get(pk=t.child_id).local_id
            rows.append(_row(day, t, local_ids[t.child_id]))

    def changes_between(a, b):
        """Sweep every day in (a, b] on which the findings differ from the day before, or an
        open alert reaches an escalation step. Halves are done left first, so the days are
        swept in order and an escalation day a sweep adds (always later) is still ahead."""
        if b - a <= dt.timedelta(days=1):
            sweep(b)
            return
        if evaluate_on(a)[0] == evaluate_on(b)[0] and not any(a < d <= b for d in escalation_days):
            return
        mid = a + (b - a) / 2
        changes_between(a, mid)
        changes_between(mid, b)

    with checks_suspended():
        i = 0
        for k, day in enumerate(op_days):
            todays = []
            while i < len(ops) and ops[i].effective <= day:
                todays.append(ops[i])
                i += 1
            sweep(day)  # the nightly sweep, before the day's records
            with transaction.atomic():
                apply_operations(todays, ctx)
            memo.clear()  # the record changed
            sweep(day)  # the re-checks after the day's writes
            quiet_end = (op_days[k + 1] - dt.timedelta(days=1)) if k + 1 < len(op_days) else last
            a = day
            while a < quiet_end:
                b = min(a + dt.timedelta(days=QUIET_SAMPLE_DAYS), quiet_end)
                changes_between(a, b)
                a = b
    return rows


def replay_daily(scenario) -> list[ReplayRow]:
    """The plain walk: evaluate every day. Slow; the reference replay() is tested against."""
    from safeguard.scenarios.loader import ApplyContext, apply_operations

    ops = sorted(scenario.operations, key=lambda op: op.sort_key)
    rows: list[ReplayRow] = []
    ctx = ApplyContext()
    day, i = scenario.first_date, 0
    with checks_suspended():
        while day <= scenario.last_date:
            todays = []
            while i < len(ops) and ops[i].effective <= day:
                todays.append(ops[i])
                i += 1
            for t in run_checks(as_of=day).transitions:  # the nightly sweep
                rows.append(_row(day, t, Alert.objects.get(pk=t.alert_id).child.local_id))
            if todays:
                with transaction.atomic():
                    apply_operations(todays, ctx)
                for t in run_checks(as_of=day).transitions:  # the writes' re-checks
                    rows.append(_row(day, t, Alert.objects.get(pk=t.alert_id).child.local_id))
            day += dt.timedelta(days=1)
    return rows


@contextlib.contextmanager
def scratch_database() -> Iterator[Path]:
    """Point the default connection at a fresh, migrated SQLite file for the duration.

    The configured database is never opened: its connection is closed, the default alias is
    re-pointed at `<tmpdir>/replay.sqlite3`, and restored (and the file removed) afterwards.
    """
    handler = connections
    original = handler.settings
    handler["default"].close()
    with tempfile.TemporaryDirectory(prefix="safeguard-replay-") as tmp:
        path = Path(tmp) / "replay.sqlite3"
        scratch = dict(original)
        scratch["default"] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {"init_command": "PRAGMA foreign_keys=ON; PRAGMA synchronous=OFF;"},
        }
        handler.settings = handler.configure_settings(scratch)
        del handler["default"]
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield path
        finally:
            handler["default"].close()
            handler.settings = original
            del handler["default"]
