"""The scenario loader: good files load, bad files are refused precisely and change nothing."""

import datetime as dt
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from safeguard.accounts.models import Agency, Role, User
from safeguard.children.models import Child, Involvement, Relationship
from safeguard.chronology.models import Event
from safeguard.chronology.selectors import timeline
from safeguard.episodes.models import Episode, Placement
from safeguard.health.models import HealthAssessment
from safeguard.scenarios.loader import (
    ApplyContext,
    ScenarioError,
    apply_operations,
    load,
    parse_files,
)
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SARAH = ROOT / "scenarios" / "sarah.yaml"
DEMO = ROOT / "scenarios" / "demo.yaml"


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's own tables included)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


# A small, complete scenario. Bad files below are this file with one thing broken.
GOOD = textwrap.dedent(
    """\
    safeguard_scenario: 1
    title: Test partnership
    partnership:
      agencies:
        - code: tcs
          name: Test Children's Services
          kind: childrens_social_care
          teams:
            - code: cic
              name: Children in care
        - code: tpol
          name: Test Police
          kind: police
      professionals:
        - username: sw.one
          given_name: Sam
          family_name: One
          agency: tcs
          team: cic
          role: social_worker
          password: safeguard-demo
        - username: pc.two
          given_name: Pat
          family_name: Two
          agency: tpol
          role: police_officer
    children:
      - local_id: T0001
        given_name: Alex
        family_name: Example
        date_of_birth: 2008-05-17
        sex: F
        nhs_number: "943 476 5919"
        local_authority: tcs
        people:
          - id: t-mum
            given_name: Mum
            relationship: mother
            parental_responsibility: true
            pr_basis: birth_mother
        involvements:
          - professional: sw.one
            role: allocated_social_worker
            start: 2020-01-06
            end: 2021-03-01
        episodes:
          - kind: looked_after
            legal_status: V2
            start: 2020-01-06
            end: 2021-03-01
        placements:
          - type: U6
            start: 2020-01-06
            end: 2020-07-01
        health:
          conditions:
            - id: t-asthma
              name: Asthma
              diagnosed: 2012
              chronic: true
          medicines:
            - name: Salbutamol
              condition: t-asthma
              start: 2012-03-01
              long_term: true
        events:
          - id: t-missing
            type: missing_from_care
            occurred: 2020-03-01T22:00
            recorded: 2020-03-02
            source: tpol
            recorded_by: pc.two
            summary: Reported missing.
            details:
              missing_code: M
              episode_ref: T-M1
            related: [t-mum]
          - corrects: t-missing
            reason: Wrong time
            occurred: 2020-03-01T23:00
            recorded: 2020-03-05
    """
)


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the only line containing needle (keeps expected messages readable)."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


# --------------------------------------------------------------------------- good files


@pytest.mark.django_db
def test_good_file_loads_with_counts(tmp_path):
    result = load([write(tmp_path, GOOD)])
    assert result.counts == {
        "agencies": 2,
        "teams": 1,
        "professionals": 2,
        "children": 1,
        "people": 1,
        "relationships": 1,
        "involvements": 1,
        "episodes": 1,
        "placements": 1,
        "conditions": 1,
        "medicines": 1,
        "events": 1,
        "corrections": 1,
    }
    child = Child.objects.get(local_id="T0001")
    assert child.nhs_number == "9434765919"
    episode = child.episodes.get()
    assert (episode.start_date, episode.end_date) == (dt.date(2020, 1, 6), dt.date(2021, 3, 1))
    original, correction = Event.objects.filter(child=child).order_by("recorded_at")
    assert correction.supersedes == original
    assert correction.correction_reason == "Wrong time"
    assert correction.occurred_at.hour == 23 and correction.details["episode_ref"] == "T-M1"
    assert list(correction.related_persons.values_list("given_name", flat=True)) == ["Mum"]
    sw = User.objects.get(username="sw.one")
    assert sw.check_password("safeguard-demo") and sw.team.code == "cic"
    assert not User.objects.get(username="pc.two").has_usable_password()


RESTRICTED = GOOD.replace(
    "    involvements:\n",
    "    restricted: true\n"
    "    restricted_to:\n"
    "      - professional: sw.one\n"
    "        reason: Allocated worker for a staff member's child\n"
    "    involvements:\n"
    "      - {professional: pc.two, role: police_officer, start: 2020-01-06}\n",
)


@pytest.mark.django_db
def test_restricted_child_is_visible_to_the_named_professional_only(tmp_path):
    from safeguard.access.models import AuditEntry, RestrictedAccess
    from safeguard.access.policy import visible_children
    from tests.access_helpers import request_for

    path = write(tmp_path, RESTRICTED)
    ops = parse_files([path]).operations
    register = next(op for op in ops if op.kind == "register_child")
    naming = next(op for op in ops if op.kind == "name_on_restricted_record")
    # The first dated fact is the asthma diagnosed in 2012.
    assert naming.effective == register.effective == dt.date(2012, 1, 1)
    assert ops.index(naming) == ops.index(register) + 1
    assert str(naming.source) == (
        f"{path}, line {line_of(RESTRICTED, 'restricted_to:') + 1}, children[0].restricted_to[0]"
    )

    result = load([path])
    assert result.counts["restricted_grants"] == 1
    child = Child.objects.get(local_id="T0001")
    sw, officer = User.objects.get(username="sw.one"), User.objects.get(username="pc.two")
    grant = RestrictedAccess.objects.get(child=child)
    assert (grant.user, grant.reason) == (sw, "Allocated worker for a staff member's child")
    entry = AuditEntry.objects.get(action="restricted_grant", child=child)
    assert (entry.via, entry.reason) == ("scenario-loader", grant.reason)
    assert list(visible_children(request_for(sw))) == [child]
    # The officer is involved today, which would be enough for an ordinary record.
    assert Involvement.objects.current().filter(professional=officer, child=child).exists()
    assert list(visible_children(request_for(officer))) == []


@pytest.mark.django_db
def test_sarah_loads_and_supports_the_review_alerts():
    result = load([SARAH])
    assert result.counts == {
        "agencies": 9,
        "teams": 5,
        "professionals": 10,
        "children": 1,
        "people": 5,
        "relationships": 5,
        "involvements": 10,
        "episodes": 6,
        "placements": 4,
        "conditions": 2,
        "medicines": 2,
        "health_assessments": 2,
        # Issue 13: her placements' readiness, education, leaving care and death.
        "placement_plans": 4,
        "education_settings": 1,
        "peps": 8,
        "leaving_care_records": 4,
        "appointments": 3,
        "iro_disputes": 1,
        "deaths": 1,
        # The exploitation and missing lists (once left off the summary).
        "missing_episodes": 4,
        "exploitation_assessments": 1,
        "safety_plan_actions": 3,
        "justice_records": 1,
        "bail": 1,
        "protective_measures": 1,
        # 16 more entries are written by the missing episodes, arrest, bail and breach; two
        # are her risky decisions (Recommendation 8).
        "events": 68,
        "concerns": 2,
        "meetings": 9,
        "actions": 2,
        "milestones": 2,
    }
    sarah = Child.objects.get(local_id="WCF-SARAH")
    assert sarah.date_of_birth == dt.date(2001, 12, 3)
    assert sarah.date_of_death == dt.date(2019, 6, 16)
    looked_after = sarah.episodes.get(kind="looked_after")
    assert looked_after.legal_status == "V2" and looked_after.start_date == dt.date(2017, 1, 9)
    assert sarah.age_on(looked_after.start_date) == 15
    parents = Relationship.objects.filter(child=sarah, relationship__in=["mother", "father"])
    assert [r.parental_responsibility for r in parents] == [True, True]
    placements = list(sarah.placements.values_list("placement_type", "start_date", "end_date"))
    assert placements == [
        ("U6", dt.date(2017, 1, 9), dt.date(2017, 6, 12)),
        ("K2", dt.date(2017, 6, 12), dt.date(2018, 7, 2)),
        ("U6", dt.date(2018, 7, 2), dt.date(2018, 12, 3)),
        ("H5", dt.date(2018, 12, 3), dt.date(2019, 6, 16)),
    ]
    conditions = {
        c.name: (c.diagnosed_on.year, c.diagnosed_precision) for c in sarah.conditions.all()
    }
    assert conditions == {"Epilepsy": (2002, "year"), "Frontal lobe epilepsy": (2010, "year")}
    assessments = list(
        HealthAssessment.objects.filter(child=sarah).values_list("kind", "date").order_by("date")
    )
    assert assessments == [("initial", dt.date(2017, 2, 20)), ("review", dt.date(2018, 5, 14))]

    events = Event.objects.filter(child=sarah)
    missing = events.filter(event_type="missing_from_care", occurred_on__year__in=[2018, 2019])
    refs = {e.details["episode_ref"] for e in missing}
    assert len(refs) >= 3
    returns = {
        e.details["episode_ref"]: e.occurred_at
        for e in events.filter(event_type="returned_from_missing")
    }
    offers = {
        e.details["episode_ref"]: e.occurred_at
        for e in events.filter(event_type="return_interview_offered")
    }
    assert set(returns) == refs
    assert any(ref not in offers for ref in refs), "one return with no interview at all"
    assert any(offers[ref] - returns[ref] > dt.timedelta(hours=72) for ref in offers), (
        "one interview offered more than 72 hours after the return"
    )

    issued = {
        e.details["prescription_ref"]: e.occurred_on
        for e in events.filter(event_type="prescription_issued")
    }
    collected = {
        e.details["prescription_ref"] for e in events.filter(event_type="prescription_collected")
    }
    uncollected = sorted(day for ref, day in issued.items() if ref not in collected)
    assert uncollected == [dt.date(2019, 3, 4), dt.date(2019, 5, 20)]
    assert len(collected) >= 4

    bail = events.get(event_type="bail_conditions_set")
    assert bail.occurred_on == dt.date(2019, 4, 10)
    adult = Relationship.objects.get(child=sarah, relationship="adult_of_concern")
    assert adult.start_date == dt.date(2018, 9, 14)
    assert list(bail.related_persons.all()) == [adult.person]

    visits = sorted(e.occurred_on for e in events.filter(event_type="social_worker_visit"))
    gaps = [(b - a).days for a, b in zip(visits, visits[1:], strict=False) if a.year >= 2018]
    assert max(gaps) > 42
    roles = set(Involvement.objects.filter(child=sarah).values_list("role", flat=True))
    assert roles >= {
        "allocated_social_worker",
        "team_manager",
        "iro",
        "exploitation_worker",
        "gp",
        "designated_nurse",
        "pharmacist",
        "police_officer",
    }
    # Every fact the review does not give is marked as invented.
    assert sarah.synthetic and looked_after.synthetic

    # Her chronology joins every agency's record, in date order.
    entries = timeline(sarah)
    assert [e.when for e in entries] == sorted(e.when for e in entries)
    assert {e.agency_code for e in entries} >= {
        "wcf",
        "west-mercia-police",
        "county-acute",
        "riverside-medical",
        "high-street-pharmacy",
        "wmas",
    }
    assert entries[0].summary == "Diagnosed: Epilepsy"
    assert entries[-1].entry_type == "death"


@pytest.mark.django_db
def test_demo_partnership_covers_every_status():
    from scripts.generate_demo_scenario import DEMO_TODAY, render

    assert DEMO.read_text(encoding="utf-8") == render(), "run scripts/generate_demo_scenario.py"
    result = load([DEMO])
    assert result.counts["children"] >= 40
    today = DEMO_TODAY
    open_eps = Episode.objects.open_on(today)
    kinds = set(open_eps.values_list("kind", flat=True))
    assert kinds == {
        "early_help",
        "child_in_need",
        "child_protection",
        "looked_after",
        "pathway_plan",
    }
    categories = set(open_eps.filter(kind="child_protection").values_list("cp_category", flat=True))
    assert categories == {"neglect", "physical", "sexual", "emotional", "multiple"}
    statuses = set(open_eps.filter(kind="looked_after").values_list("legal_status", flat=True))
    assert statuses >= {"V2", "C1", "C2", "E1", "L1", "L2", "J1"}
    care_leavers = Child.objects.filter(
        episodes__kind="pathway_plan", episodes__end_date__isnull=True
    ).exclude(episodes__in=open_eps.filter(kind="looked_after"))
    assert care_leavers.count() >= 4
    # Every social worker has a caseload on demo today.
    for sw in User.objects.filter(role=Role.SOCIAL_WORKER):
        assert Involvement.objects.current(today).filter(professional=sw).exists(), sw.username
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert all(
        u.check_password("safeguard-demo")
        for u in User.objects.filter(username__in=["sw.jones", "analyst.king"])
    )
    assert Placement.objects.filter(end_date__isnull=True).count() >= 15
    # The one restricted record is seen by the people named on it (its current allocated
    # worker and team manager) and by nobody else involved.
    from safeguard.access.models import RestrictedAccess
    from safeguard.access.policy import visible_children_for_user

    restricted = Child.objects.get(restricted=True)
    at_demo_noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    named = set(User.objects.filter(restricted_grants__child=restricted))
    current = Involvement.objects.current(today).filter(child=restricted)
    assert named == {
        i.professional for i in current.filter(role__in=["allocated_social_worker", "team_manager"])
    }
    involved = {i.professional for i in current}
    assert involved - named, "someone involved but not named shows the restriction"
    for user in involved:
        sees = visible_children_for_user(user, now=at_demo_noon).filter(pk=restricted.pk)
        assert sees.exists() == (user in named), user.username
    assert RestrictedAccess.objects.count() == result.counts["restricted_grants"] == len(named)


# --------------------------------------------------------------------------- bad files


# (id, transform of GOOD, needle on the line the error names, expected message). The
# message's {line} is the line holding the needle; {first} and {prev} are other lines.
BAD_CASES = [
    (
        "yaml syntax error",
        lambda t: t.replace("  - local_id: T0001", "  - local_id: T0001: x"),
        "local_id: T0001: x",
        "{path}, line {line}: YAML syntax error: mapping values are not allowed here (column 20)",
    ),
    (
        "unknown key",
        lambda t: t.replace("    sex: F\n", "    sex: F\n    nick_name: Al\n"),
        "nick_name",
        '{path}, line {line}, children[0].nick_name: unknown key (did you mean "given_name"? '
        "allowed here: local_id, given_name, family_name, preferred_name, date_of_birth, "
        "date_of_birth_precision, age_assessed, age_assessment_note, expected_date_of_delivery, "
        "date_of_death, sex, ethnicity, nhs_number, upn, postcode, restricted, local_authority, "
        "registered, people, involvements, restricted_to, episodes, placements, health, care, "
        "referrals, events, missing_episodes, exploitation_assessments, safety_plan, justice, "
        "bail, protective_measures, contacts, assessments, household, adult_checks, injuries, "
        "closures, synthetic)",
    ),
    (
        "unknown top-level key",
        lambda t: t.replace("title: Test partnership", "orders: []"),
        "orders",
        "{path}, line {line}, orders: unknown key (allowed here: safeguard_scenario, title, "
        "description, partnership, children, concerns, meetings, s47_enquiries, milestones, "
        "worker_absences)",
    ),
    (
        "missing required key",
        lambda t: t.replace("    sex: F\n", ""),
        "- local_id: T0001",
        "{path}, line {line}, children[0].sex: missing (this key is required)",
    ),
    (
        "bad date",
        lambda t: t.replace("date_of_birth: 2008-05-17", "date_of_birth: 2008-02-30"),
        "date_of_birth",
        '{path}, line {line}, children[0].date_of_birth: "2008-02-30" is not a valid date '
        "(expected YYYY-MM-DD)",
    ),
    (
        "bad fuzzy date",
        lambda t: t.replace("occurred: 2020-03-01T22:00", "occurred: 1 March 2020"),
        "occurred: 1 March 2020",
        '{path}, line {line}, children[0].events[0].occurred: "1 March 2020" is not a valid '
        "date (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
    ),
    (
        "invalid NHS number",
        lambda t: t.replace('"943 476 5919"', '"9434765918"'),
        "nhs_number",
        '{path}, line {line}, children[0].nhs_number: "9434765918" is not a valid NHS number '
        "(10 digits with a correct check digit)",
    ),
    (
        "unknown reference",
        lambda t: t.replace("professional: sw.one", "professional: sw.on"),
        "professional: sw.on",
        "{path}, line {line}, children[0].involvements[0].professional: unknown professional "
        'username "sw.on" (did you mean "sw.one"?)',
    ),
    (
        "unknown person reference",
        lambda t: t.replace("related: [t-mum]", "related: [t-dad]"),
        "related: [t-dad]",
        '{path}, line {line}, children[0].events[0].related[0]: unknown person id "t-dad"',
    ),
    (
        "unknown event type",
        lambda t: t.replace("type: missing_from_care", "type: missing_from_home"),
        "missing_from_home",
        '{path}, line {line}, children[0].events[0].type: "missing_from_home" is not a known '
        "event type (see docs/event-types.md)",
    ),
    (
        "bad event detail value",
        lambda t: t.replace("missing_code: M", "missing_code: X"),
        "missing_code: X",
        "{path}, line {line}, children[0].events[0].details.missing_code: 'X' is not one of M, A",
    ),
    (
        "unknown event detail",
        lambda t: t.replace("missing_code: M", "missing_cod: M"),
        "missing_cod: M",
        "{path}, line {line}, children[0].events[0].details.missing_cod: not a detail of "
        "'missing_from_care' events (allowed: missing_code, episode_ref, reported_by, reported_at)",
    ),
    (
        "end before start",
        lambda t: t.replace("end: 2020-07-01", "end: 2019-07-01"),
        "end: 2019-07-01",
        "{path}, line {line}, children[0].placements[0].end: 2019-07-01 is before the start "
        "2020-01-06",
    ),
    (
        "overlapping looked-after episodes",
        lambda t: t.replace(
            "        end: 2021-03-01\n    placements:",
            "        end: 2021-03-01\n      - kind: looked_after\n        legal_status: C2\n"
            "        start: 2020-11-02\n    placements:",
        ),
        "start: 2020-11-02",
        "{path}, line {line}, children[0].episodes[1].start: This looked-after episode overlaps "
        "another that starts on 2020-01-06: a child is looked after under one legal status at a "
        "time (end the earlier episode on the day the new one starts)",
    ),
    (
        "placement outside a looked-after episode",
        lambda t: t.replace(
            "start: 2020-01-06\n        end: 2020-07-01",
            "start: 2019-12-01\n        end: 2020-07-01",
        ),
        "start: 2019-12-01",
        "{path}, line {line}, children[0].placements[0].start: The child is not looked after on "
        "2019-12-01: record the looked-after episode first",
    ),
    (
        "parental responsibility without a basis",
        lambda t: t.replace("        pr_basis: birth_mother\n", ""),
        "- id: t-mum",
        "{path}, line {line}, children[0].people[0].pr_basis: Say how this person holds "
        "parental responsibility",
    ),
    (
        "duplicate id",
        lambda t: t.replace(
            "  - corrects: t-missing", "  - corrects: t-missing\n        id: t-missing"
        ),
        "  id: t-missing",
        '{path}, line {line}, children[0].events[1].id: duplicate event id "t-missing" (first '
        "defined in {path}, line {first})",
    ),
    (
        "duplicate key",
        lambda t: t.replace("    sex: F\n", "    sex: F\n    sex: M\n"),
        "sex: M",
        "{path}, line {line}, children[0].sex: duplicate key (first given on line {prev})",
    ),
    (
        "wrong version",
        lambda t: t.replace("safeguard_scenario: 1", "safeguard_scenario: 2"),
        "safeguard_scenario",
        '{path}, line {line}, safeguard_scenario: "2" is not a supported version (this '
        "Safeguard reads version 1)",
    ),
    (
        "missing version",
        lambda t: t.replace("safeguard_scenario: 1\n", ""),
        "title:",
        "{path}, line {line}, safeguard_scenario: missing (every scenario file starts with "
        "safeguard_scenario: 1)",
    ),
    (
        "event recorded before it occurred",
        lambda t: t.replace("recorded: 2020-03-02", "recorded: 2020-02-28"),
        "recorded: 2020-02-28",
        "{path}, line {line}, children[0].events[0].recorded: 2020-02-28 00:00 is before the "
        "event occurred (2020-03-01 22:00)",
    ),
    (
        "wrong type",
        lambda t: t.replace("chronic: true", "chronic: often"),
        "chronic: often",
        '{path}, line {line}, children[0].health.conditions[0].chronic: "often" is not true or '
        "false",
    ),
    (
        "bad choice",
        lambda t: t.replace("legal_status: V2", "legal_status: S20"),
        "legal_status: S20",
        '{path}, line {line}, children[0].episodes[0].legal_status: "S20" is not one of: C1, '
        "C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3",
    ),
    (
        "restricted_to on a child that is not restricted",
        lambda t: t.replace(
            "    involvements:\n",
            "    restricted_to:\n      - {professional: sw.one, reason: Named worker}\n"
            "    involvements:\n",
        ),
        "restricted_to:",
        "{path}, line {line}, children[0].restricted_to: only allowed on a restricted record "
        "(add `restricted: true` to the child)",
    ),
    (
        "unknown professional named on a restricted record",
        lambda t: t.replace(
            "    involvements:\n",
            "    restricted: true\n    restricted_to:\n"
            "      - {professional: sw.uno, reason: Named worker}\n    involvements:\n",
        ),
        "sw.uno",
        "{path}, line {line}, children[0].restricted_to[0].professional: unknown professional "
        'username "sw.uno" (did you mean "sw.one"?)',
    ),
    (
        "professional named twice on a restricted record",
        lambda t: t.replace(
            "    involvements:\n",
            "    restricted: true\n    restricted_to:\n"
            "      - {professional: sw.one, reason: Named worker}\n"
            "      - {professional: sw.one, reason: Named again}\n    involvements:\n",
        ),
        "Named again",
        '{path}, line {line}, children[0].restricted_to[1].professional: "sw.one" is already '
        "named on this record (line {named})",
    ),
    (
        "team not in the agency",
        lambda t: t.replace("team: cic", "team: cin"),
        "team: cin",
        '{path}, line {line}, partnership.professionals[0].team: agency "tcs" has no team "cin"',
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "transform,needle,expected", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_file_is_refused_with_exact_error_and_nothing_changes(
    tmp_path, transform, needle, expected
):
    factories.child(local_id="EXISTING")  # the database is not empty
    text = transform(GOOD)
    assert text != GOOD
    path = write(tmp_path, text)
    before = table_counts()
    with pytest.raises(ScenarioError) as caught:
        load([path])
    extra = {}
    if "{first}" in expected:
        extra["first"] = line_of(text, "- id: t-missing")
    if "{prev}" in expected:
        extra["prev"] = line_of(text, "sex: F")
    if "{named}" in expected:
        extra["named"] = line_of(text, "Named worker")
    message = expected.format(path=path, line=line_of(text, needle), **extra)
    assert str(caught.value) == message
    assert table_counts() == before


@pytest.mark.django_db
def test_existing_child_is_an_error_and_rolls_back(tmp_path):
    factories.child(local_id="T0001")
    path = write(tmp_path, GOOD)
    before = table_counts()
    with pytest.raises(ScenarioError) as caught:
        load([path])
    assert str(caught.value) == (
        f"{path}, line {line_of(GOOD, 'local_id: T0001')}, children[0].local_id: a child with "
        'local_id "T0001" already exists'
    )
    assert table_counts() == before


@pytest.mark.django_db
def test_error_after_many_writes_rolls_everything_back(tmp_path):
    # The overlap is found while applying, after agencies, accounts and the child exist.
    text = GOOD.replace(
        "        end: 2021-03-01\n    placements:",
        "        end: 2021-03-01\n      - kind: looked_after\n        legal_status: C2\n"
        "        start: 2021-01-04\n    placements:",
    )
    before = table_counts()
    with pytest.raises(ScenarioError, match=r"episodes\[1\]\.start: This looked-after episode"):
        load([write(tmp_path, text)])
    assert table_counts() == before
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load([tmp_path / "nope.yaml"])
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: file not found"


# --------------------------------------------------------------------------- several files


PARTNERSHIP_ONLY = GOOD.split("children:")[0]
CHILD_ONLY = "safeguard_scenario: 1\nchildren:" + GOOD.split("children:")[1]


@pytest.mark.django_db
def test_later_file_refers_to_agencies_and_professionals_of_an_earlier_one(tmp_path):
    first = write(tmp_path, PARTNERSHIP_ONLY, "partnership.yaml")
    second = write(tmp_path, CHILD_ONLY, "children.yaml")
    result = load([first, second])
    assert result.counts["agencies"] == 2 and result.counts["children"] == 1
    assert Involvement.objects.get().professional.username == "sw.one"


@pytest.mark.django_db
def test_existing_agencies_and_accounts_are_reused_not_duplicated(tmp_path):
    load([write(tmp_path, PARTNERSHIP_ONLY, "partnership.yaml")])
    # The same partnership again with a child: reused.
    result = load([write(tmp_path, GOOD, "again.yaml")])
    assert result.counts["agencies_reused"] == 2 and "agencies" not in result.counts
    assert result.counts["professionals_reused"] == 2
    assert Agency.objects.count() == 2 and User.objects.count() == 2
    # A file that only refers to them (defined in the database, not in any file).
    other = CHILD_ONLY.replace("T0001", "T0002").replace('"943 476 5919"', '"943 476 5870"')
    other = (
        other.replace("t-mum", "t2-mum")
        .replace("t-asthma", "t2-asthma")
        .replace("t-missing", "t2-missing")
    )
    result = load([write(tmp_path, other, "more.yaml")])
    assert result.counts["children"] == 1 and "agencies" not in result.counts


@pytest.mark.django_db
def test_same_agency_defined_in_two_files_loaded_together_is_a_duplicate(tmp_path):
    first = write(tmp_path, PARTNERSHIP_ONLY, "a.yaml")
    second = write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ScenarioError) as caught:
        load([first, second])
    assert str(caught.value) == (
        f"{second}, line {line_of(GOOD, 'code: tcs')}, partnership.agencies[0].code: duplicate "
        f'agency code "tcs" (first defined in {first}, line {line_of(GOOD, "code: tcs")})'
    )


# --------------------------------------------------------------------------- operations


@pytest.mark.django_db
def test_operations_are_dated_and_ordered(tmp_path):
    scenario = parse_files([write(tmp_path, GOOD)])
    summary = [(op.effective.isoformat(), op.kind) for op in scenario.operations]
    assert summary == [
        # The partnership and the child exist from the first dated fact (diagnosis in 2012).
        ("2012-01-01", "create_agency"),
        ("2012-01-01", "create_agency"),
        ("2012-01-01", "create_team"),
        ("2012-01-01", "create_professional"),
        ("2012-01-01", "create_professional"),
        ("2012-01-01", "register_child"),
        ("2012-01-01", "record_relationship"),
        ("2012-01-01", "record_condition"),
        ("2012-03-01", "record_medicine"),
        # Same day: the episode before the placement inside it.
        ("2020-01-06", "record_episode"),
        ("2020-01-06", "record_placement"),
        ("2020-01-06", "record_involvement"),
        ("2020-03-02", "record_event"),  # effective when recorded, not when it occurred
        ("2020-03-05", "correct_event"),
        ("2020-07-01", "end_placement"),
        ("2021-03-01", "end_involvement"),
        ("2021-03-01", "end_episode"),
    ]
    assert scenario.first_date == dt.date(2012, 1, 1)
    assert scenario.last_date == dt.date(2021, 3, 1)
    end = scenario.operations[-1]
    assert (end.source.line, end.source.yaml_path) == (
        line_of(GOOD, "legal_status: V2") + 2,  # the line of the episode's `end:`
        "children[0].episodes[0].end",
    )
    assert end.child == "T0001"


@pytest.mark.django_db
def test_applying_operations_up_to_a_day_reproduces_what_was_known(tmp_path):
    scenario = parse_files([write(tmp_path, GOOD)])
    day = dt.date(2020, 3, 3)
    ctx = ApplyContext()
    with transaction.atomic():
        apply_operations([op for op in scenario.operations if op.effective <= day], ctx)
    child = Child.objects.get(local_id="T0001")
    assert child.episodes.get().end_date is None  # the end was not known yet
    assert child.placements.get().end_date is None
    assert Event.objects.filter(child=child).count() == 1  # the correction came later
    apply_operations([op for op in scenario.operations if op.effective > day], ctx)
    assert child.episodes.get().end_date == dt.date(2021, 3, 1)
    assert Event.objects.filter(child=child).count() == 2


@pytest.mark.django_db
def test_start_and_end_on_the_same_day_is_one_operation(tmp_path):
    text = GOOD.replace(
        "start: 2020-01-06\n        end: 2020-07-01", "start: 2020-01-06\n        end: 2020-01-06"
    )
    kinds = [op.kind for op in parse_files([write(tmp_path, text)]).operations]
    assert "end_placement" not in kinds
    load([write(tmp_path, text, "b.yaml")])
    assert Placement.objects.get().end_date == dt.date(2020, 1, 6)


@pytest.mark.django_db
def test_withdrawal(tmp_path):
    text = GOOD.replace(
        "  - corrects: t-missing\n        reason: Wrong time\n        occurred: 2020-03-01T23:00\n",
        "  - withdraws: t-missing\n        reason: Entered on the wrong child\n",
    )
    result = load([write(tmp_path, text)])
    assert result.counts["withdrawals"] == 1
    assert timeline(Child.objects.get(local_id="T0001"), None)[0].entry_type != "missing_from_care"
    assert Event.objects.filter(withdrawn=True).count() == 1


# --------------------------------------------------------------------------- commands


@pytest.mark.django_db
def test_load_command_prints_counts(tmp_path):
    out = StringIO()
    call_command("load", str(write(tmp_path, GOOD)), stdout=out)
    assert "children" in out.getvalue() and "corrections" in out.getvalue()


@pytest.mark.django_db
def test_load_command_fails_with_the_error_and_changes_nothing(tmp_path):
    text = GOOD.replace('"943 476 5919"', '"9434765918"')
    path = write(tmp_path, text)
    before = table_counts()
    with pytest.raises(CommandError) as caught:
        call_command("load", str(path))
    assert str(caught.value) == (
        f'{path}, line {line_of(text, "nhs_number")}, children[0].nhs_number: "9434765918" is '
        "not a valid NHS number (10 digits with a correct check digit)\nNothing was loaded."
    )
    assert table_counts() == before


@pytest.mark.django_db
def test_load_command_dry_run_keeps_nothing(tmp_path):
    before = table_counts()
    out = StringIO()
    call_command("load", "--dry-run", str(write(tmp_path, GOOD)), stdout=out)
    assert out.getvalue().startswith("Checked (dry run, nothing kept)")
    assert "corrections" in out.getvalue()
    assert table_counts() == before


@pytest.mark.django_db
def test_passwords_are_ignored_outside_demo_and_test(tmp_path, settings):
    settings.MODE = "production"
    result = load([write(tmp_path, GOOD)])
    assert result.counts["passwords_ignored"] == 1
    assert not User.objects.get(username="sw.one").has_usable_password()


@pytest.mark.django_db
def test_demo_command_refuses_production(settings):
    settings.MODE = "production"
    with pytest.raises(CommandError, match="only runs with SAFEGUARD_MODE=demo"):
        call_command("demo", "--no-serve")
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_demo_command_loads_once_and_prints_sign_ins():
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "Loaded the demo partnership" in text
    assert "password for every account: safeguard-demo" in text
    assert "sw.jones" in text and "sw.patel" in text
    children = Child.objects.count()
    assert children >= 41  # the demo partnership and Sarah
    # docs/demo.md sends people to sw.patel to read Sarah's record: it must be visible.
    from safeguard.access.policy import visible_children_for_user

    patel = User.objects.get(username="sw.patel")
    assert visible_children_for_user(patel).filter(local_id="WCF-SARAH").exists()
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "not loading the demo again" in out.getvalue()
    assert Child.objects.count() == children


def test_event_types_doc_is_current():
    out = StringIO()
    call_command("event_types", "--markdown", stdout=out)
    doc = (ROOT / "docs" / "event-types.md").read_text(encoding="utf-8")
    assert doc == out.getvalue(), (
        "regenerate: safeguard event_types --markdown > docs/event-types.md"
    )
    assert "`bail_conditions_set`" in doc


def test_scenario_format_reference_is_current():
    from safeguard.scenarios.schema import reference_markdown

    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert doc.endswith(reference_markdown()), "regenerate the key reference (see the doc)"


@pytest.mark.django_db
def test_the_example_in_the_format_doc_loads(tmp_path):
    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    result = load([write(tmp_path, example)])
    assert result.counts["children"] == 1 and result.counts["corrections"] == 1


@pytest.mark.django_db
def test_siblings_share_a_person_whichever_is_applied_first(tmp_path):
    # The younger sibling's record opens first, but the mother is defined on the elder.
    sibling = [
        "  - local_id: T0002",
        "    given_name: Sib",
        "    family_name: Example",
        "    date_of_birth: 2010-02-01",
        "    sex: M",
        "    local_authority: tcs",
        "    people:",
        "      - {person: t-mum, relationship: mother, parental_responsibility: true,",
        "         pr_basis: birth_mother}",
        "    episodes:",
        "      - {kind: child_in_need, start: 2011-01-03}",
    ]
    text = GOOD + "\n".join(sibling) + "\n"
    result = load([write(tmp_path, text)])
    assert result.counts["people"] == 1 and result.counts["relationships"] == 2
    mum = Relationship.objects.get(child__local_id="T0002").person
    assert mum == Relationship.objects.get(child__local_id="T0001").person


@pytest.mark.django_db
def test_person_reference_cannot_redefine_the_person(tmp_path):
    text = GOOD.replace("- id: t-mum", "- person: t-mum")
    with pytest.raises(ScenarioError, match=r"people\[0\]\.given_name: not allowed with `person`"):
        parse_files([write(tmp_path, text)])


@pytest.mark.django_db
def test_operations_applied_out_of_order_fail_precisely(tmp_path):
    scenario = parse_files([write(tmp_path, GOOD)])
    end_episode = next(op for op in scenario.operations if op.kind == "end_episode")
    with pytest.raises(ScenarioError) as caught:
        end_episode.apply(ApplyContext())
    assert str(caught.value).startswith(
        f"{tmp_path / 'scenario.yaml'}, line {line_of(GOOD, 'legal_status: V2') + 2}, "
        "children[0].episodes[0].end: refers to a record that does not exist yet"
    )
