"""The checks engine: what a check is, the one registry, and shared SQL building blocks.

A check is a class in `safeguard/checks/catalogue/` decorated with `@register`. It declares
its id, title, severity, source, the involvement roles it tells, its thresholds (with
documented defaults) and one method, `findings(as_of, child_ids=None)`, which returns every
condition that holds on `as_of` as `Finding`s. `findings` must be a pure function of the
record and `as_of`, and must be set-based: it builds a few ORM queries over the whole
caseload (Exists, Subquery, annotations) and turns the rows into Findings; it never runs a
query per child. `child_ids` restricts the same queries to some children (incremental
re-evaluation after a write).

Speed: wrap each query in a builder and run it through `self.prepared_rows(name, as_of,
child_ids, build)` (see any catalogue module): it is then built and compiled once per day
and run with the child ids as parameters, so the re-check after every write costs the
SQL, not the ORM's construction of it (docs/performance.md). A check that iterates its
querysets directly is still correct, only slower.

Thresholds: each check's `thresholds` gives defaults; `settings.SAFEGUARD_CHECKS` overrides
them per check, e.g. ``SAFEGUARD_CHECKS = {"LAC-HEALTH-ASSESSMENT": {"initial_working_days":
15}}``. Unknown check ids or threshold names are an error (a typo must not silently fall back
to the default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, QuerySet

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import Precision, add_months, years_later
from safeguard.core.prepared import ids, run_prepared

from .models import Severity

APPROXIMATE_PRECISIONS = (Precision.MONTH, Precision.YEAR)


@dataclass(frozen=True)
class Finding:
    """One condition that holds for one child on the as-of date."""

    child_id: int
    subject_key: str
    due_date: dt.date
    detail: str
    approximate: bool = False
    # Which part of the record caused it: "chronology" or "summary".
    record_link: str = "summary"
    # Values to pre-fill in the record that resolves it (the check's `resolution`), e.g.
    # {"episode_ref": "M7"} for a return interview offer. JSON-serialisable.
    prefill: dict = field(default_factory=dict, compare=False, hash=False)
    # A finding may be graver than its check (e.g. repeated non-collection of a medicine):
    # its severity replaces the check's, and `also_tells` adds involvement roles told.
    severity: str | None = None
    also_tells: tuple[str, ...] = ()
    # Professionals told by name rather than by an involvement role: (user id, recipient
    # role), e.g. the reviewer a break-glass grant names. They come first (the owner).
    recipients: tuple[tuple[int, str], ...] = field(default=(), compare=False, hash=False)


@dataclass(frozen=True)
class Resolution:
    """The record that resolves a check's alerts, which a user can make from the alert.

    `record` names a recording form: "event:<event type code>" for a chronology entry
    (safeguard/chronology/event_types.py), or a structured record kind the recording layer
    knows ("health_assessment", "identity"). Only making that record resolves the alert;
    closing with a reason is for when no record can.
    """

    label: str
    record: str


@dataclass(frozen=True)
class Threshold:
    default: int
    help: str
    unit: str = ""


@dataclass(frozen=True)
class Source:
    """What the check enforces: an instrument and section, or a review recommendation."""

    instrument: str
    provision: str = ""
    unconfirmed: bool = False
    note: str = ""

    def __str__(self):
        text = self.instrument + (f", {self.provision}" if self.provision else "")
        if self.unconfirmed:
            text += " (unconfirmed: a configurable default, not read in the primary text)"
        return text


class Check:
    id: str = ""
    title: str = ""
    severity: str = Severity.MEDIUM
    sources: tuple[Source, ...] = ()
    # Involvement roles whose current holders (on the as-of date) are told, in order.
    tells: tuple[str, ...] = ()
    # People without accounts who must also be told, and by whom (said in the alert detail).
    also_tell: str = ""
    # The chronology entry types the check reads: the alert's "see the part of the record"
    # link filters the chronology to them (with the type that resolves it).
    record_types: tuple[str, ...] = ()
    description: str = ""
    thresholds: dict[str, Threshold] = {}  # noqa: RUF012 - each check replaces it
    todo: str = ""
    # Every check names the record that resolves its alerts (register() insists).
    resolution: Resolution | None = None

    def threshold(self, name: str) -> int:
        if name not in self.thresholds:
            raise KeyError(f"{self.id} has no threshold {name!r}")
        overrides = check_settings().get(self.id, {})
        return int(overrides.get(name, self.thresholds[name].default))

    # What the duty's scope is, for telling "resolved by a record" from "the duty stopped
    # applying" when a finding disappears (see end_reasons).
    scope_looked_after: bool = False
    excludes_short_breaks: bool = False
    # The check's findings stop at the child's 18th birthday.
    ends_at_18: bool = False

    def findings(self, as_of: dt.date, child_ids: Iterable[int] | None = None) -> list[Finding]:
        raise NotImplementedError

    def end_reasons(self, as_of: dt.date, gone: set[tuple[int, str]]) -> dict[tuple[int, str], str]:
        """For findings that disappeared on as_of, why the duty stopped applying.

        Keys not returned were cleared by the record that resolves them. Set-based: a few
        queries over the children concerned. The generic reasons (died, turned 18, left
        care, moved to short breaks) come first; `more_end_reasons` adds a check's own.
        """
        from safeguard.children.models import Child
        from safeguard.episodes.models import Episode, EpisodeKind

        child_ids = sorted({c for c, _ in gone})
        reasons_by_child: dict[int, str] = {}
        for pk, died, dob in Child.objects.filter(pk__in=child_ids).values_list(
            "pk", "date_of_death", "date_of_birth"
        ):
            if died is not None and died <= as_of:
                reasons_by_child[pk] = "the child died"
            elif self.ends_at_18 and dob is not None and years_later(dob, 18) <= as_of:
                reasons_by_child[pk] = "the child turned 18"
        if self.scope_looked_after:
            statuses: dict[int, set[str]] = {}
            for child_id, status in (
                Episode.objects.open_on(as_of)
                .filter(child_id__in=child_ids, kind=EpisodeKind.LOOKED_AFTER)
                .values_list("child_id", "legal_status")
            ):
                statuses.setdefault(child_id, set()).add(status)
            for child_id in child_ids:
                if child_id in reasons_by_child:
                    continue
                if not statuses.get(child_id):
                    reasons_by_child[child_id] = "the child left care"
                elif self.excludes_short_breaks and statuses[child_id] <= set(SHORT_BREAK_STATUSES):
                    reasons_by_child[child_id] = "the child moved to short breaks"
        reasons = {key: reasons_by_child[key[0]] for key in gone if key[0] in reasons_by_child}
        rest = {key for key in gone if key not in reasons}
        if rest:
            reasons.update(self.more_end_reasons(as_of, rest))
        return reasons

    def more_end_reasons(
        self, as_of: dt.date, gone: set[tuple[int, str]]
    ) -> dict[tuple[int, str], str]:
        """A check's own reasons a duty stopped applying (e.g. the placement ended)."""
        return {}

    @staticmethod
    def restrict(qs: QuerySet, child_ids: Iterable[int] | None, field_name: str = "child_id"):
        if child_ids is None:
            return qs
        return qs.filter(**{f"{field_name}__in": list(child_ids)})

    def prepared_rows(
        self,
        name: str,
        as_of: dt.date,
        child_ids: Iterable[int] | None,
        build: Callable[..., QuerySet],
        *,
        key: tuple = (),
        **more,
    ) -> list:
        """The rows of `build(child_ids)` (a values_list queryset), built and compiled once
        per check, query name, as-of date and thresholds, then run with the child ids as
        parameters (safeguard/core/prepared.py).

        Optional: a check may iterate its querysets directly and stays correct. Going
        through here makes the incremental re-check of one child cost the SQL rather than
        the ORM's construction of it. `build` may use only `as_of`, the check's thresholds
        and the `child_ids` it is given (through `restrict`); it must not read the database.

        `key` names anything else the SQL depends on (a setting read outside the check's
        thresholds). Further keyword arguments are more sets of ids, late-bound like the
        child ids and passed to `build` by name (a second query over the first one's rows:
        `build(child_ids, person_ids=...)`).
        """
        overrides = check_settings().get(self.id, {})
        full_key = ("check", self.id, name, as_of, tuple(sorted(overrides.items())), key)
        bound = {k: ids(v) for k, v in more.items()}
        return run_prepared(
            full_key,
            lambda p: build(p["child_ids"], **{k: p[k] for k in bound}),
            child_ids=ids(child_ids),
            **bound,
        )

    @classmethod
    def role_labels(cls) -> list[str]:
        labels = dict(InvolvementRole.choices)
        return [str(labels.get(r, r)) for r in cls.tells]


REGISTRY: dict[str, Check] = {}


def register(cls: type[Check]) -> type[Check]:
    if not cls.id or cls.id in REGISTRY:
        raise ImproperlyConfigured(f"check id {cls.id!r} is empty or registered twice")
    if cls.severity not in Severity.values:
        raise ImproperlyConfigured(f"{cls.id}: unknown severity {cls.severity!r}")
    if not cls.sources:
        raise ImproperlyConfigured(f"{cls.id}: every check names its source")
    if cls.resolution is None:
        raise ImproperlyConfigured(f"{cls.id}: every check names the record that resolves it")
    unknown_roles = set(cls.tells) - set(InvolvementRole.values)
    if unknown_roles:
        raise ImproperlyConfigured(f"{cls.id}: unknown involvement roles {sorted(unknown_roles)}")
    REGISTRY[cls.id] = cls()
    return cls


def catalogue() -> list[Check]:
    return sorted(REGISTRY.values(), key=lambda c: c.id)


def get_check(check_id: str) -> Check:
    try:
        return REGISTRY[check_id]
    except KeyError:
        raise KeyError(f"no check {check_id!r} (see `safeguard checks list`)") from None


def check_settings() -> dict:
    configured = getattr(settings, "SAFEGUARD_CHECKS", {}) or {}
    for check_id, overrides in configured.items():
        if check_id not in REGISTRY:
            raise ImproperlyConfigured(f"SAFEGUARD_CHECKS: no check {check_id!r}")
        unknown = set(overrides) - set(REGISTRY[check_id].thresholds)
        if unknown:
            raise ImproperlyConfigured(
                f"SAFEGUARD_CHECKS[{check_id!r}]: unknown threshold {sorted(unknown)[0]!r} "
                f"(known: {', '.join(REGISTRY[check_id].thresholds) or 'none'})"
            )
        # Every threshold is a number of days, weeks, months or events: a negative one (or
        # a fraction, or text) is a typing error, and would make a check look past as_of.
        for name, value in sorted(overrides.items()):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ImproperlyConfigured(
                    f"SAFEGUARD_CHECKS[{check_id!r}][{name!r}]: {value!r} is not a whole "
                    "number of 0 or more"
                )
    return configured


# --- Date arithmetic that works the same on SQLite and PostgreSQL -----------------------


class MonthKey(Func):
    """(year * 12 + month) * 32 + day of a date: comparing keys compares dates, and adding
    32 * k to a key adds k calendar months (a day that does not exist in the target month
    sorts after its last day, so "31 August + 6 months" falls due at the end of February).

    Compiled natively on each engine: Django's Extract on SQLite calls a Python function per
    row, which made the visit check ten times slower there.
    """

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        arg, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CAST((EXTRACT(YEAR FROM {arg}) * 12 + EXTRACT(MONTH FROM {arg})) * 32 "
            f"+ EXTRACT(DAY FROM {arg}) AS INTEGER)"
        )
        return sql, tuple(params) * 3

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite stores a DateField as text 'YYYY-MM-DD'.
        arg, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"((CAST(substr({arg}, 1, 4) AS INTEGER) * 12 + CAST(substr({arg}, 6, 2) AS INTEGER))"
            f" * 32 + CAST(substr({arg}, 9, 2) AS INTEGER))"
        )
        return sql, tuple(params) * 3


def month_key(expr) -> MonthKey:
    return MonthKey(expr)


def months_key_offset(months: int) -> int:
    return 32 * months


# Legal statuses of a series of short breaks (s20). CPPCR 2010 reg 48 modifies the
# regulations for them: no reg 28 visit schedule and no reg 7 health assessment cycle.
SHORT_BREAK_STATUSES = ("V3", "V4")


def looked_after_on(as_of: dt.date, child_ref: str = "pk", short_breaks: bool = True) -> Exists:
    """EXISTS: the child has a looked-after episode open on as_of (with `short_breaks=False`,
    one that is not a series of short breaks)."""
    from safeguard.episodes.models import Episode, EpisodeKind

    episodes = (
        Episode.objects.filter(child_id=OuterRef(child_ref), kind=EpisodeKind.LOOKED_AFTER)
        .filter(start_date__lte=as_of)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
    )
    if not short_breaks:
        episodes = episodes.exclude(legal_status__in=SHORT_BREAK_STATUSES)
    return Exists(episodes)


def under_18_on(as_of: dt.date, prefix: str = "") -> Q:
    """Q: the child has not had an 18th birthday by as_of: the duties to a looked-after child
    end then even if an episode was left open. An unborn child (no date of birth) is kept
    in scope; the looked-after conditions exclude them anyway."""
    return Q(**{f"{prefix}date_of_birth__isnull": True}) | Q(
        **{f"{prefix}date_of_birth__gt": years_before(as_of, 18)}
    )


def date_key(day: dt.date) -> int:
    """Python twin of `month_key`: the same key for the same date, so the Python due-date
    text and the SQL rule agree on which side of a month boundary a date falls."""
    return (day.year * 12 + day.month) * 32 + day.day


def alive_on(as_of: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}date_of_death__isnull": True}) | Q(
        **{f"{prefix}date_of_death__gt": as_of}
    )


def first_word(expr):
    """SQL: the first word of a text, lower-cased and trimmed ("Lamotrigine 100mg tablets"
    -> "lamotrigine"), so that a medicine's name matches however a record words it."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Lower, StrIndex, Substr, Trim

    padded = Concat(Lower(Trim(expr)), Value(" "))
    return Substr(padded, 1, StrIndex(padded, Value(" ")) - 1)


def first_word_py(text: str) -> str:
    """Python twin of `first_word`."""
    words = (text or "").lower().split()
    return words[0] if words else ""


def current_events(event_type: str | tuple[str, ...], as_of: dt.date):
    """Current (not superseded, not withdrawn) events of a type (or types) dated on or
    before as_of."""
    from safeguard.chronology.models import Event

    # NOT EXISTS on the unique supersedes_id index rather than Django's LEFT JOIN for
    # superseded_by__isnull, which SQLite plans with a temporary index in every subquery.
    corrected = Event.objects.filter(supersedes_id=OuterRef("pk"))
    types = (event_type,) if isinstance(event_type, str) else tuple(event_type)
    return Event.objects.filter(
        event_type__in=types, occurred_on__lte=as_of, withdrawn=False
    ).filter(~Exists(corrected))


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February -> 28 February): someone born on or before
    it has had their `years`-th birthday by `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def latest_possible_before(cutoff: dt.date, prefix: str = "") -> Q:
    """Q: the event's period (its date and precision) ended before `cutoff`.

    An approximate date ("June 2019") could be any day of its period; a check that waits a
    number of days after an event counts from the period's last day, so it never fires
    before it certainly should, and the alert says the date was approximate.
    """
    first_of_month = cutoff.replace(day=1)
    first_of_year = cutoff.replace(month=1, day=1)
    p = prefix
    return (
        Q(**{f"{p}precision__in": (Precision.DAY, Precision.EXACT), f"{p}occurred_on__lt": cutoff})
        | Q(**{f"{p}precision": Precision.MONTH, f"{p}occurred_on__lt": first_of_month})
        | Q(**{f"{p}precision": Precision.YEAR, f"{p}occurred_on__lt": first_of_year})
    )


def period_last_day(start: dt.date, precision: str) -> dt.date:
    """The last day an event dated `start` with `precision` may have happened on."""
    if precision == Precision.YEAR:
        return dt.date(start.year, 12, 31)
    if precision == Precision.MONTH:
        return add_months(start.replace(day=1), 1) - dt.timedelta(days=1)
    return start


def first_date_with_key_at_least(key: int) -> dt.date:
    """The earliest real date whose month_key is >= key (keys of impossible days such as
    30 February sort after the month's last day)."""
    month_index, day = divmod(key, 32)
    year, month = divmod(month_index - 1, 12)
    month += 1
    if day == 0:
        return dt.date(year, month, 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return add_months(dt.date(year, month, 1), 1)
