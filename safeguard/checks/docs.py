"""docs/checks.md, generated from the catalogue (`safeguard checks docs`)."""

from __future__ import annotations

from .engine import catalogue
from .models import Severity


def as_markdown() -> str:
    severities = dict(Severity.choices)
    lines = [
        "# Safeguarding checks",
        "",
        "Generated from the catalogue in `safeguard/checks/catalogue/` by "
        "`safeguard checks docs > docs/checks.md`; a test keeps it current. How the engine, "
        "alerts, scheduling and replay work: see the end of this page.",
        "",
        "| Id | Title | Severity | Tells |",
        "|---|---|---|---|",
    ]
    checks = catalogue()
    for check in checks:
        tells = ", ".join(check.role_labels())
        lines.append(
            f"| [`{check.id}`](#{check.id.lower()}) | {check.title} | "
            f"{severities[check.severity]} | {tells} |"
        )
    lines.append("")
    for check in checks:
        lines += [f"## {check.id}", "", f"**{check.title}** — severity {check.severity}.", ""]
        lines += [check.description, "", "Sources:", ""]
        lines += [f"- {source}" for source in check.sources]
        lines += ["", "Tells (current involvements on the day): " + ", ".join(check.role_labels())]
        lines += ["", f"Resolved by: {check.resolution.label} (`{check.resolution.record}`)."]
        if check.also_tell:
            lines += ["", f"Also to be told: {check.also_tell}."]
        if check.thresholds:
            lines += ["", "| Threshold | Default | Meaning |", "|---|---|---|"]
            for name, threshold in check.thresholds.items():
                lines.append(f"| `{name}` | {threshold.default} | {threshold.help} |")
        if check.todo:
            lines += ["", f"Not yet covered: {check.todo}"]
        lines.append("")
    lines += [ENGINE_NOTES.strip(), ""]
    return "\n".join(lines)


ENGINE_NOTES = """
## How checks run

- **As of a date.** Each check is a pure function of the record and a date: the same data and
  date always give the same findings, so any past day can be re-evaluated
  (`safeguard checks run --as-of 2019-03-12`). Events count when they are current (not
  superseded or withdrawn) and dated on or before the day.
- **Set-based.** A check is a handful of ORM queries over the whole caseload (Exists,
  Subquery, annotations); there is no query per child. Working days come from the
  `checks_calendarday` table (England and Wales bank holidays from the `holidays` package,
  1990-2040), so "20 working days after X" is an indexed lookup on SQLite and PostgreSQL
  alike. After upgrading `holidays` (new bank holidays are announced) run
  `safeguard checks calendar` to rebuild it.
- **Clock hours** where a rule says hours (return interviews): an event timed to the minute
  counts from that minute; one dated to the day counts from the end of that day.
- **Approximate dates** (month or year precision) are never guessed: a check waiting N days
  after an approximately dated event counts from the end of its period, and the alert says
  the date was approximate.
- **Thresholds** set by local protocol are configuration: `SAFEGUARD_CHECKS` (JSON in the
  environment, docs/configuration.md) overrides a check's defaults, e.g.
  `SAFEGUARD_CHECKS='{"LAC-HEALTH-ASSESSMENT": {"initial_working_days": 15}}'`. An unknown
  check id or threshold name, or a value that is not a whole number of 0 or more, is a
  system check error (`safeguard check`) and stops the sweep.

## Alerts

Raised -> acknowledged -> resolved, ended, or closed. An alert is *resolved* only when the
record it asks for is made (each check names it: "Resolved by" above). When its finding
disappears because the duty stopped applying, the alert is *ended* with the reason
(`Alert.ended_reason`, an `ended` history entry): the child died, turned 18 (checks whose
duty stops at 18), left care, moved to short breaks, the placement ended, the adult of
concern relationship ended, or the child is no longer looked after or on a plan (each check's
`end_reasons`, set-based). Ended and resolved alerts keep their due date, so how late they
were stays shown: the list of finished alerts on `/alerts/` and the alert page say "Ended:
the child died" or "Resolved by a record", and how many days after the due date. A person
may close an alert with a recorded reason. A resolved or ended alert is reopened if its
condition recurs; a closed
alert stays closed while its condition lasts and is reopened if the condition clears and then
recurs. Every transition is a row in the append-only alert history (who, when, as of which
day, why). Alerts are never deleted. Recipients are the professionals holding the check's
involvement roles for the child on the day; roles nobody holds are shown on the alert.

## Owner and escalation

Each open alert has one owner who must act: the first person holding the check's roles in
the order listed under "Tells" (`Alert.owner`); everyone else named is told. An alert nobody
deals with climbs a ladder, one step at a time, counted in working days (England and Wales
bank holidays excluded) from the day it was raised:

1. Still unacknowledged after `team_manager` working days (default 2): the child's team
   manager (involvement role) is added, else the team managers of the owner's team.
2. Still unresolved, acknowledged or not, after `service_manager` working days (default
   5): the service managers are added, the accounts named in `service_managers`.

Configure with `SAFEGUARD_ESCALATION='{"team_manager": 2, "service_manager": 5,
"service_managers": ["username", ...]}'` (JSON in the environment; an unknown key is an
error). Each step is an
`escalated` entry in the alert's history saying why, and adds the people as recipients with
the role `escalated:team_manager` or `escalated:service_manager`; they stay named while the
alert is open. The replay sweeps each day a step falls due and lists escalations.

## Delivery: alerts by email

Alerts reach people who do not sit in Safeguard all day by email, through Django's mail
framework, or GOV.UK Notify when `SAFEGUARD_NOTIFY_API_KEY` is set (settings in
docs/configuration.md; `safeguard/checks/delivery.py`):

- **At once** when a high-severity alert is raised, re-raised or escalated: one message per
  person per sweep, to everyone told of it (and to the people an escalation adds). It is
  queued in the `Outbox` in the same transaction as the alert change, so nothing is lost if
  the mail server is down.
- **A daily digest** of the other new alerts (raised, re-raised or escalated since the last
  digest): `safeguard notify digest`, once a day after the nightly sweep.
- `safeguard notify send` (every few minutes) sends what is queued. A failed send stays
  queued with its error and is retried after 5 minutes, doubling up to 6 hours; after
  `SAFEGUARD_NOTIFY_MAX_ATTEMPTS` (default 8) it is marked failed. An administrator sees
  the messages and their errors in the admin (Outbox: no child fields) and can send failed
  ones again. An account with no email address fails at once, visibly.
- A message never names the child or says anything about them, not even the check's title:
  "A high-severity Safeguard alert needs you" or "You have 3 new Safeguard alerts", a count
  of open alerts, and a link to sign in (`SAFEGUARD_BASE_URL`).
- Each person chooses at `/alerts/delivery/`: at once for high severity and a daily digest of
  the rest (the default), a daily digest only, or high severity at once and no digest.
  Roles that hold a case (social worker, team manager, IRO, exploitation worker) cannot
  choose the digest only: high-severity alerts must reach them at once.

## The risk picture

The top of a child's summary shows the strands of risk together, each with its source
(`safeguard/checks/risk.py`): open alerts; open concerns of significant harm or
exploitation (the concerns record, however old; closed ones are not shown); concerns in
the chronology (`concern_raised`, `exploitation_concern`) and missing episodes in the last
`window_days` of JOINED-UP-RISK (90 by default); current adults of concern; current
chronic conditions with, in the same window, medicines not collected (or an open
LAC-MEDICINE-NOT-COLLECTED alert), appointments not attended, A&E attendances and
seizures. A strand the viewer's role may not see (the access areas `summary`,
`chronology`, `people`, `health`, `medicines`) is left out.

## Pages

- `/alerts/` — my alerts: open alerts I am named on, most severe first, then soonest due
  (`safeguard.checks.selectors.alerts_for(user)`), 50 a page. The home page shows the 10
  most urgent of them (`selectors.open_alerts_first`) with a link here when there are more,
  and the children I work with 50 a page: both stay the same size whatever the caseload
  (a team manager's home page over a 500-child team was a megabyte).
- `/alerts/delivery/` — how alerts reach me by email (my choice, within my role).
- `/alerts/team/` (`?overdue=1`) — a team manager's view of the open (or overdue) alerts of
  children a member of their team is involved with.
- `/alerts/<id>/` — the alert, the rule and sources, who was told, its history, and forms to
  acknowledge it or close it with a reason. Each alert links to the part of the child's
  record it rests on (summary or chronology). An alert is shown only to the people named on
  it and their team manager, and only if the access policy lets them see the child.

## Scheduling the sweep

`safeguard checks run` evaluates every check as of today and prints the counts raised and
resolved. Writes to a child's record re-evaluate that child straight after they commit
(switch off with `SAFEGUARD_CHECKS_ON_CHANGE=false`, e.g. for a bulk import, then run one
sweep, or wrap the load in `safeguard.checks.services.checks_suspended(sweep_after=True)`).
A re-check of one child costs a few tens of milliseconds in the request that made the write
(figures in docs/performance.md). Conditions that become true with the passing of time (a
due date passing) need the daily sweep. Run it shortly after midnight, e.g. with cron:

    5 0 * * * cd /srv/safeguard && SAFEGUARD_MODE=production .venv/bin/safeguard checks run

or a systemd timer (`safeguard-checks.timer` with `OnCalendar=*-*-* 00:05:00` and
`Persistent=true`, starting a oneshot `safeguard-checks.service` whose `ExecStart` is the
same command). `--as-of DATE` evaluates another day; on a live database add `--dry-run` to
print that day's findings without touching the alerts (a real run as of a past day moves the
live alerts to that day; to see a case's history, use replay).

## Replay

`safeguard replay FILE [--out alerts.csv]` loads a scenario into a scratch SQLite database in
a temporary directory (never the configured database), walks the clock from the scenario's
first to its last date as production runs it: each day, the nightly sweep as of that day on
the record as it stood, then the day's records and the re-check after each write (so a
record made one day late shows as an alert raised that morning and resolved by the record).
It prints every alert raised, resolved, or ended (with the reason) and who was told;
`--out alerts.csv` also writes them as CSV (date, change, reason, check_id, child,
subject_key, due_date, told, detail). The scratch database is made
by re-pointing Django's default connection, for the duration of the command, at a migrated
SQLite file in a new temporary directory (`safeguard.checks.replay.scratch_database`); the
configured database is closed first and never opened, and the file is deleted afterwards.
Days with no change to the record are not all evaluated: the replay samples quiet stretches
every 90 days and bisects to the exact day the findings change, which gives the same alerts
on the same days as evaluating every day (a test compares the two) in a fraction of the time.
"""
