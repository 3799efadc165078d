"""The loader's summary (issue 15: mutation testing of `scenarios.loader`): `safeguard load`
prints one line per kind of record loaded, and every kind loaded must be on it, in the
loader's order, with the number the load made (a dry run counts the same)."""

from pathlib import Path

import pytest

from safeguard.scenarios import loader
from tests.test_scenarios import GOOD, write

pytestmark = pytest.mark.django_db

# GOOD's child with a missing episode and a safety plan action: kinds the exploitation
# format counts (once left off the summary: the loader's order did not name them).
EXPLOITATION = GOOD + (
    "    missing_episodes:\n"
    "      - ref: T-M2\n"
    "        code: M\n"
    "        went_missing: 2020-04-01T20:00\n"
    "        source: tpol\n"
    "        reported_by: Carer\n"
    "        reported_at: 2020-04-01T22:00\n"
    "        returned: 2020-04-02T10:00\n"
    "    safety_plan:\n"
    "      - {agreed: 2020-04-03, strand: protect, action: Report her missing at 22:00,"
    " owner: Carer}\n"
)

ORDER = [
    "agencies",
    "teams",
    "professionals",
    "children",
    "people",
    "relationships",
    "involvements",
    "episodes",
    "placements",
    "conditions",
    "medicines",
    "missing_episodes",
    "safety_plan_actions",
    "events",
    "corrections",
]


@pytest.fixture
def contexts(monkeypatch):
    """Every ApplyContext a load makes (to read what it counted)."""
    made = []

    class Recorded(loader.ApplyContext):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(loader, "ApplyContext", Recorded)
    return made


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_summary_names_every_kind_loaded_in_order_with_its_count(tmp_path, contexts, dry_run):
    result = loader.load([write(tmp_path, EXPLOITATION)], dry_run=dry_run)
    (ctx,) = contexts
    assert result.counts == {kind: n for kind, n in ctx.counts.items() if n}
    assert list(result.counts) == ORDER
    assert (result.counts["missing_episodes"], result.counts["safety_plan_actions"]) == (1, 1)
    assert result.summary().startswith("2 agencies, 1 teams, 2 professionals, 1 children, ")
    assert "1 missing episodes, 1 safety plan actions, 1 events, 1 corrections" in result.summary()
    assert result.scenario.children == ["T0001"]


# The order `safeguard load` prints the kinds in (the loader's `order`, care_format.COUNTS
# in its place).
def summary_order():
    from safeguard.scenarios import care_format

    return [
        *("agencies", "agencies_reused", "teams", "professionals", "professionals_reused"),
        *("passwords_ignored", "children", "people", "relationships", "involvements"),
        *("restricted_grants", "episodes", "placements", "conditions", "medicines"),
        *("health_assessments", "referrals", *care_format.COUNTS, "missing_episodes"),
        *("exploitation_assessments", "safety_plan_actions", "justice_records", "bail"),
        *("protective_measures", "events", "corrections", "withdrawals", "concerns"),
        *("meetings", "actions", "s47_enquiries", "milestones", "contacts", "assessments"),
        *("household", "adult_checks", "injuries", "closures", "worker_absences"),
    ]


# GOOD with a health assessment, a referral, a corrected and a withdrawn event, and every
# exploitation list.
EVERYTHING = (
    GOOD.replace(
        "          long_term: true\n    events:",
        "          long_term: true\n"
        "      assessments:\n"
        "        - {kind: initial, date: 2020-02-01, assessor_name: Dr Test, agency: tcs}\n"
        "    events:",
    )
    + (
        "      - id: t-missing2\n"
        "        type: missing_from_care\n"
        "        occurred: 2020-03-05T22:00\n"
        "        recorded: 2020-03-06\n"
        "        source: tpol\n"
        "        recorded_by: pc.two\n"
        "        summary: Reported missing again.\n"
        "        details: {missing_code: M, episode_ref: T-M3}\n"
        "      - withdraws: t-missing2\n"
        "        reason: Entered on the wrong child\n"
    )
    + EXPLOITATION[len(GOOD) :]
    + (
        "    referrals:\n"
        "      - {service: early_help, date: 2020-04-09, reason: Support}\n"
        "    exploitation_assessments:\n"
        "      - {date: 2020-04-05, review_due: 2020-07-05, level: high, decided_by: Sam One,"
        ' agency: tcs, answers: [{indicator: missing, answer: "yes", evidence: Missing once}]}\n'
        "    justice:\n"
        "      - {kind: arrest, date: 2020-04-06, person: t-mum, offence: Assault, source: tpol}\n"
        "    bail:\n"
        "      - {set: 2020-04-07, person: t-mum, expires: 2020-06-07, no_contact_with: Alex,"
        " source: tpol}\n"
        "    protective_measures:\n"
        "      - {kind: cawn, status: refused, date: 2020-04-08, against: t-mum,"
        " not_pursued_reason: Not available, source: tpol}\n"
    )
)


FRONT_DOOR = Path(__file__).resolve().parent / "data" / "frontdoor.yaml"


def _files(tmp_path, case):
    from tests.test_meetings import HEAD, MEETINGS
    from tests.test_scenarios import RESTRICTED

    if case == "everything":
        return [write(tmp_path, EVERYTHING)]
    if case == "restricted":
        return [write(tmp_path, RESTRICTED)]
    if case == "meetings":
        return [write(tmp_path, HEAD + MEETINGS)]
    if case == "front door":
        return [FRONT_DOOR]
    if case == "meetings and front door":
        return [write(tmp_path, HEAD + MEETINGS), FRONT_DOOR]
    if case == "everything and meetings":
        return [write(tmp_path, EVERYTHING), write(tmp_path, HEAD + MEETINGS, "meetings.yaml")]
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "everything",
        "restricted",
        "meetings",
        "front door",
        "meetings and front door",
        "everything and meetings",
    ],
)
def test_every_kind_counted_is_in_the_summary_in_its_order(tmp_path, contexts, case):
    result = loader.load(_files(tmp_path, case))
    (ctx,) = contexts
    assert result.counts == {kind: n for kind, n in ctx.counts.items() if n}
    order = summary_order()
    assert list(result.counts) == sorted(result.counts, key=order.index)
    assert set(KINDS[case]) <= set(result.counts)


# Kinds each case makes, at least (so that the order above is checked on them).
KINDS = {
    "everything": [
        "health_assessments",
        "referrals",
        "bail",
        "protective_measures",
        "corrections",
        "withdrawals",
    ],
    "restricted": ["restricted_grants", "episodes"],
    "meetings": ["concerns", "meetings", "actions", "s47_enquiries", "milestones"],
    "front door": ["contacts", "assessments", "household", "adult_checks", "injuries", "closures"],
    "meetings and front door": ["milestones", "contacts"],
    "everything and meetings": ["withdrawals", "concerns"],
}


def test_a_second_load_reuses_the_partnership_and_a_production_load_ignores_passwords(
    tmp_path, contexts, settings
):
    loader.load([write(tmp_path, GOOD)])
    settings.MODE = "production"
    other = GOOD.replace("T0001", "T0002").replace('    nhs_number: "943 476 5919"\n', "")
    other = other.replace("username: pc.two", "username: pc.three").replace(
        "      role: police_officer\n", "      role: police_officer\n      password: published\n"
    )
    result = loader.load([write(tmp_path, other, "other.yaml")])
    counted = ("agencies_reused", "professionals_reused", "passwords_ignored")
    assert {k: result.counts.get(k) for k in counted} == {
        "agencies_reused": 2,
        "professionals_reused": 1,
        "passwords_ignored": 1,
    }
    assert list(result.counts) == sorted(result.counts, key=summary_order().index)


def test_a_load_keeps_its_records_unless_a_dry_run_and_audits_them_as_its_actor(tmp_path):
    """The default is a real load; a dry run keeps nothing; every write of a load is
    audited with the actor given, via the scenario loader."""
    from safeguard.access.models import AuditEntry
    from safeguard.children.models import Child
    from tests import factories
    from tests.test_scenarios import table_counts

    actor = factories.user("loader.actor")
    before = table_counts()
    loader.load([write(tmp_path, GOOD)], actor=actor, dry_run=True)
    assert table_counts() == before
    first = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    loader.load([write(tmp_path, GOOD)], actor=actor)
    assert Child.objects.filter(local_id="T0001").exists()
    made = AuditEntry.objects.filter(pk__gt=first)
    assert made.exists()
    assert set(made.values_list("actor_id", "via")) == {(actor.pk, "scenario-loader")}
