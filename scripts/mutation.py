"""Mutation testing of the safety-critical modules (`make mutation`; docs/testing.md).

Runs mutmut over one module at a time, each with the small, fast test selection that
states that module's rules, in its own scratch copy under var/mutation/<module>/, one
worker (the machine is shared: never run modules in parallel). Prints the score per
module and lists every survivor; survivors that cannot change behaviour are explained in
tests/mutation_equivalents.md, which this script reads and reports against.

    python scripts/mutation.py                 # every module below, one after another
    python scripts/mutation.py access.audit    # one module (keys below)
    python scripts/mutation.py --list          # the modules and their test selections
    python scripts/mutation.py access.audit --names 'safeguard.access.audit.x_verify*'
                                               # only these mutants (accumulates with the
                                               # module's previous run, if any)

The score is killed / (killed + survived + no tests + timeout + suspicious), the share of
mutants some test notices. Equivalent mutants (listed in the equivalents file) are shown
separately and are *not* taken out of the score.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.md"
TARGET = 90.0
# mutmut's command line, running each mutant's tests fastest first (see that script).
MUTMUT = [sys.executable, str(ROOT / "scripts" / "mutmut_fastest_first.py")]

# module key -> (file to mutate, mutant-name filter or "", test selection)
MODULES: dict[str, tuple[str, str, list[str]]] = {
    "access.models": (
        "safeguard/access/models.py",
        "",
        ["tests/test_mutation_access.py", "-k", "revoked or expired or plainly"],
    ),
    "access.policy": (
        "safeguard/access/policy.py",
        "",
        [
            "tests/test_mutation_access.py",
            "tests/test_access_policy.py",
            "-k",
            "not on_a_page",
        ],
    ),
    "access.audit": (
        "safeguard/access/audit.py",
        "",
        [
            "tests/test_mutation_audit.py",
            "tests/test_audit_integrity.py",
            "tests/test_audit.py",
            "tests/test_audit_lanes.py",
            # Loads the Sarah scenario (not in the scratch copy, and minutes a mutant); the
            # loader's via label is stated by test_mutation_audit.py's SOURCES.
            "-k",
            "not loading_a_scenario",
        ],
    ),
    "checks.return_interview": (
        "safeguard/checks/catalogue/return_interview.py",
        "",
        [
            "tests/test_mutation_checks.py",
            "tests/test_checks_boundaries.py",
            "-k",
            "return or answer or offer or deadline",
        ],
    ),
    "checks.social_worker_visits": (
        "safeguard/checks/catalogue/social_worker_visits.py",
        "",
        [
            "tests/test_mutation_checks.py",
            "tests/test_checks_boundaries.py",
            "-k",
            "visit or placement or care",
        ],
    ),
    "checks.emergency_access_review": (
        "safeguard/checks/catalogue/emergency_access_review.py",
        "",
        ["tests/test_emergency_access_alert.py"],
    ),
    "checks.engine": (
        "safeguard/checks/engine.py",
        "",
        [
            "tests/test_mutation_engine.py",
            "tests/test_checks.py",
            "tests/test_checks_boundaries.py",
            # Check.end_reasons: the generic reasons a duty stops applying.
            "tests/test_checks_ended.py",
        ],
    ),
    # The loader's all-or-nothing handling: only its load entry points.
    "scenarios.loader": (
        "safeguard/scenarios/loader.py",
        "safeguard.scenarios.loader.x_load*",
        # The refusals (all-or-nothing), and the summary of what was loaded.
        ["tests/test_scenario_inputs.py", "tests/test_mutation_loader.py"],
    ),
}

# Every other module of the check catalogue, each against the test files that name one of
# its checks' ids (they call the check's findings directly, so mutmut runs only the tests
# that reach the mutated function). The replays load whole scenarios (minutes a mutant)
# and are left out; the scenario's alerts are stated by the check's own tests.
CATALOGUE = ROOT / "safeguard" / "checks" / "catalogue"
SLOW_TESTS = {"test_replay.py", "test_lac_replay.py"}


def _catalogue_modules() -> dict[str, tuple[str, str, list[str]]]:
    tests = {
        path.name: path.read_text()
        for path in sorted((ROOT / "tests").glob("test_*.py"))
        if path.name not in SLOW_TESTS
    }
    found = {}
    for module in sorted(CATALOGUE.glob("[a-z]*.py")):
        key = f"checks.{module.stem}"
        if key in MODULES:
            continue
        ids = re.findall(r'^    id = "([A-Z0-9-]+)"', module.read_text(), re.MULTILINE)
        naming = [
            f"tests/{name}"
            for name, text in tests.items()
            if any(re.search(rf"\b{re.escape(i)}\b", text) for i in ids)
        ]
        found[key] = (str(module.relative_to(ROOT)), "", naming)
    return found


MODULES.update(_catalogue_modules())

# Checks that the general engine tests also reach: those files run every check's findings
# (run_checks, evaluate), so each surviving mutant would run all of them (minutes each).
# Their own rules are stated in the named tests; the general files add only the tests
# about these checks.
_SWEEP_FILES = ["tests/test_checks.py", "tests/test_checks_boundaries.py"]
for _key, _words in {
    "checks.medicine_collection": "medicine or prescription or supply or collect or pharmacy",
    "checks.cawn_s20": "cawn or adult or options",
    "checks.health_assessment": "health_assessment or initial or review or refusal or care",
    "checks.nhs_number": "nhs",
}.items():
    _path, _names, _ = MODULES[_key]
    _files = ["tests/test_mutation_health.py", *_SWEEP_FILES]
    if _key == "checks.health_assessment":
        _files.append("tests/test_checks_ended.py")
    # (-k also matches a test's file name: every test of test_mutation_health.py is kept.)
    _words = f"mutation_health or {_words}"
    MODULES[_key] = (_path, _names, [*_files, "-k", _words])


def _catalogue_helpers() -> dict[str, tuple[str, str, list[str]]]:
    """The catalogue's shared helper modules (`_home.py`: the front door's "on a plan",
    "seen"), each against the test files of every check module that imports it. A helper
    of constants only (`_meeting_sources.py`) has nothing mutmut mutates."""
    found = {}
    for helper in sorted(CATALOGUE.glob("_[a-z]*.py")):
        if not re.search(r"^def ", helper.read_text(), re.MULTILINE):
            continue
        users = [
            module
            for module in sorted(CATALOGUE.glob("[a-z]*.py"))
            if re.search(rf"^from \.{helper.stem} import", module.read_text(), re.MULTILINE)
        ]
        files = sorted(
            {
                test
                for module in users
                for test in MODULES[f"checks.{module.stem}"][2]
                if test.endswith(".py")
            }
        )
        found[f"checks.{helper.stem}"] = (str(helper.relative_to(ROOT)), "", files)
    return found


MODULES.update(_catalogue_helpers())

# access/rules.py is declarations only (no functions), which mutmut does not mutate: the
# URL matrix test (tests/test_access_urls.py) checks it against the views both ways.

# The mutants issue 15 found surviving, each with the test that must now kill it. Run with
# --probes: each is applied to a scratch copy and its named test must fail.
# (file, original text, mutated text, test node id)
PROBES: list[tuple[str, str, str, str]] = [
    (
        "safeguard/access/policy.py",
        'if roles.has_capability(role, "break_glass") and area not in '
        "roles.BREAK_GLASS_EXCLUDED_AREAS:",
        'if roles.has_capability(role, "break_glass"):',
        "tests/test_mutation_access.py::test_break_glass_opens_every_area_of_the_role_except_the_export",
    ),
    (
        "safeguard/access/policy.py",
        "        Q(restricted=True)\n"
        "        & Q(\n            Exists(\n                RestrictedAccess",
        "        Q(\n            Exists(\n                RestrictedAccess",
        "tests/test_mutation_access.py::test_a_grant_left_on_a_record_no_longer_restricted_gives_no_access",
    ),
    (
        "safeguard/access/policy.py",
        '    now = timezone.now()\n    if child.restricted:\n        return "restricted-grant"',
        '    now = timezone.now()\n    if child.restricted:\n        return "involvement"',
        "tests/test_mutation_access.py::test_every_read_is_audited_with_the_basis_that_opened_it",
    ),
    (
        "safeguard/access/policy.py",
        'TIMELINE_CATEGORY_AREAS = {"health": "health", "medicines": "medicines"}',
        'TIMELINE_CATEGORY_AREAS = {"health": "health", "medicines": "chronology"}',
        "tests/test_mutation_access.py::test_no_role_keeps_a_timeline_entry_of_an_area_it_does_not_have",
    ),
    (
        "safeguard/access/models.py",
        "return self.filter(revoked_at__isnull=True).filter(",
        "return self.filter(",
        "tests/test_mutation_access.py::test_a_revoked_grant_gives_no_access",
    ),
    (
        "safeguard/access/rules.py",
        '"children:search": Rule("list", area="identity"),',
        '"children:search": Rule("list", area="summary"),',
        "tests/test_access_urls.py::test_url_allows_and_refuses_as_declared[children:search]",
    ),
    (
        "safeguard/access/audit.py",
        '    "child_id",\n',
        "",
        "tests/test_mutation_audit.py::test_moving_an_entry_to_another_child_breaks_verify",
    ),
    (
        "safeguard/access/audit.py",
        '    "changes",\n',
        "",
        "tests/test_mutation_audit.py::test_changing_any_one_field_of_an_entry_breaks_verify[changes]",
    ),
    (
        "safeguard/access/audit.py",
        '    "prev_hash",\n',
        "",
        "tests/test_mutation_audit.py::test_a_forged_row_relinked_to_the_next_one_breaks_verify",
    ),
    (
        "safeguard/checks/catalogue/return_interview.py",
        '& Q(occurred_on__gte=OuterRef("occurred_on"))',
        '& Q(occurred_on__gt=OuterRef("occurred_on"))',
        "tests/test_mutation_checks.py::test_an_answer_later_on_the_day_of_the_return_answers_it",
    ),
    (
        "safeguard/checks/catalogue/return_interview.py",
        '            occurred_at__lt=OuterRef("occurred_at"),\n',
        "",
        "tests/test_mutation_checks.py::test_going_missing_again_after_a_timely_answer_does_not_reopen_the_return",
    ),
    (
        "safeguard/checks/catalogue/return_interview.py",
        "& (Q(ref__isnull=True) | Q(ret_ref__isnull=True))",
        "& Q(ret_ref__isnull=True)",
        "tests/test_mutation_checks.py::test_an_answer_with_no_reference_or_the_same_reference_clears_a_referenced_return",
    ),
    (
        "safeguard/checks/catalogue/social_worker_visits.py",
        'month_key(F("start_date")) + 12 * 32',
        'month_key(F("start_date")) + 11 * 32',
        "tests/test_mutation_checks.py::test_a_visit_in_the_last_days_of_the_first_year_is_on_the_six_week_rule",
    ),
    (
        "safeguard/checks/catalogue/social_worker_visits.py",
        '            .filter(looked_after_on(as_of, "child_id", short_breaks=False))\n',
        "",
        "tests/test_mutation_checks.py::test_no_visit_alert_once_the_child_has_left_care_even_with_a_placement_left_open",
    ),
]


def run_probes() -> int:
    """Apply each listed mutant to a scratch copy; its named test must fail on it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env["SAFEGUARD_MODE"] = "test"
    # tests/conftest.py: clear the compiled-query cache before each test (else a cached
    # query hides a mutant in the code that builds it).
    env["SAFEGUARD_MUTATION"] = "1"
    # Control: every named test passes on the code as it is (so a failure below is the
    # mutant's doing, not the harness's).
    work = prepare("probe", "", [])
    env["PYTHONPATH"] = str(work)
    env["SAFEGUARD_TEST_DATABASE_NAME"] = str(WORK / "probe-db.sqlite3")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reuse-db"]
    command += ["-o", "django_find_project=false", *sorted({p[3] for p in PROBES})]
    if subprocess.call(command, cwd=work, env=env) != 0:  # noqa: S603 - our own command
        print("   the probes' tests do not pass on the unmutated code: fix that first")
        return 1
    survivors = 0
    for path, original, mutated, test in PROBES:
        work = prepare("probe", path, [test])
        target = work / path
        source = target.read_text()
        if source.count(original) != 1:
            print(f"   STALE probe (text not found once in {path}): {original!r}")
            survivors += 1
            continue
        target.write_text(source.replace(original, mutated))
        env["PYTHONPATH"] = str(work)
        env["SAFEGUARD_TEST_DATABASE_NAME"] = str(WORK / "probe-db.sqlite3")
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        command += ["--reuse-db", "-o", "django_find_project=false", test]
        code = subprocess.call(  # noqa: S603 - our own fixed command
            command, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        killed = code == 1
        survivors += not killed
        print(
            f"   {'killed  ' if killed else 'SURVIVED'} {path}: {mutated.strip() or 'line removed'}"
        )
        print(f"            by {test}", flush=True)
    return 1 if survivors else 0


STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests"}
STATUS.update({34: "skipped", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout"})
STATUS.update({255: "timeout", -9: "segfault", -11: "segfault", None: "not checked"})


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour (from the equivalents file)."""
    found = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text().splitlines():
            match = re.match(r"^- `([^`]+)`: (.+)$", line)
            if match:
                found[match.group(1)] = match.group(2)
    return found


def prepare(key: str, path: str, tests: list[str]) -> Path:
    work = WORK / key
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
    shutil.copytree(ROOT / "safeguard", work / "safeguard", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    # Some selected tests read the generated docs (test_checks_alerts: docs/checks.md).
    shutil.copytree(ROOT / "docs", work / "docs", ignore=ignore)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pytest_ini = project["tool"]["pytest"]["ini_options"]
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in pytest_ini.items()]
    # Otherwise pytest-django finds this checkout's manage.py above the copy and puts the
    # unmutated code first on sys.path.
    lines += ["django_find_project = false"]
    lines += [
        "",
        "[tool.mutmut]",
        'source_paths = ["safeguard"]',
        # mutmut runs the tests inside mutants/: what they read beside the code goes too.
        'also_copy = ["docs"]',
        f"only_mutate = {json.dumps([path])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "--reuse-db"]',
        "use_git_change_detection = false",
        # mutmut stops a mutant after 15x its tests' measured time (wall clock): run under
        # `nice -n 19` on a busy machine, a mutant's pytest start-up alone can take longer,
        # and it is reported as a timeout (not killed) though its tests would have failed.
        "timeout_multiplier = 60.0",
    ]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    # Exists before Python starts, so that its PYTHONPATH entry is not cached as missing.
    (work / "mutants").mkdir()
    return work


def _refresh_tests(work: Path) -> None:
    """Copy the tests as they are now into a previous run's scratch copy (both places
    mutmut reads them from), so that a partial run or a re-check uses the new tests.
    The code must be as it was: the run's mutants were made from it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    changed = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "safeguard").rglob("*.py"))
        if not (work / path.relative_to(ROOT)).exists()
        or (work / path.relative_to(ROOT)).read_bytes() != path.read_bytes()
    ]
    if changed:
        sys.exit(
            f"the code changed since this module's last run ({', '.join(changed[:5])}"
            f"{', ...' if len(changed) > 5 else ''}): its mutants are of the old code; "
            "run the module afresh (without --names or --survivors)"
        )
    for target in (work / "tests", work / "mutants" / "tests"):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "tests", target, ignore=ignore)


def _mutmut_env(work: Path) -> dict:
    """The environment mutmut runs the tests in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env["SAFEGUARD_MODE"] = "test"
    # tests/conftest.py: clear the compiled-query cache before each test (else a cached
    # query hides a mutant in the code that builds it).
    env["SAFEGUARD_MUTATION"] = "1"
    # The mutated copy, ahead of any installed (editable) safeguard.
    env["PYTHONPATH"] = str(work / "mutants")
    # A test database file kept between mutants (--reuse-db): each mutant costs its tests,
    # not a migration.
    env["SAFEGUARD_TEST_DATABASE_NAME"] = str(work / "test-db.sqlite3")
    return env


def run_module(key: str, only: list[str] | None = None) -> dict:
    """Run the module's mutants; with `only` (mutant-name globs), just those, in the scratch
    copy of a previous run if there is one (so that runs of parts add up: the slow
    functions can be run first, or one by one, on a busy machine)."""
    path, names, tests = MODULES[key]
    tests = [t for t in tests if not t.endswith(".py") or (ROOT / t).exists()]
    work = WORK / key
    meta = work / "mutants" / f"{path}.meta"
    if only and meta.exists():
        # Only those not run yet (mutmut re-runs every mutant it is given by name).
        data = json.loads(meta.read_text())["exit_code_by_key"]
        patterns = [re.compile(fnmatch_to_regex(glob)) for glob in only]
        only = sorted(k for k, v in data.items() if v is None and any(p.match(k) for p in patterns))
        if not only:
            print(f"== {key}: every mutant named has been run", flush=True)
            return report(key)
        _refresh_tests(work)
    else:
        work = prepare(key, path, tests)
    env = _mutmut_env(work)
    command = [*MUTMUT, "run", "--max-children", "1", *(only or ([names] if names else []))]
    print(f"== {key}: mutating {path} against {' '.join(tests)}", flush=True)
    with open(work / "mutmut.log", "a" if only else "w") as log:
        code = subprocess.call(  # noqa: S603 - our own fixed command
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return report(key, code)


def report(key: str, code: int = 0) -> dict:
    path, names, tests = MODULES[key]
    work = WORK / key
    meta = work / "mutants" / f"{path}.meta"
    if code != 0 or not meta.exists():
        print(f"   mutmut failed (exit {code}); see {work / 'mutmut.log'}")
        return {"module": key, "score": None}
    data = json.loads(meta.read_text())["exit_code_by_key"]
    if names:
        pattern = re.compile(fnmatch_to_regex(names))
        data = {k: v for k, v in data.items() if pattern.match(k)}
    counts: dict[str, list[str]] = {}
    for name, exit_code in sorted(data.items()):
        counts.setdefault(STATUS.get(exit_code, "suspicious"), []).append(name)
    killed = len(counts.get("killed", []))
    considered = sum(len(v) for k, v in counts.items() if k not in ("skipped", "not checked"))
    score = 100.0 * killed / considered if considered else 100.0
    explained = equivalents()
    print(
        f"   {key}: {score:.1f}% ({killed} killed of {considered}; "
        + ", ".join(f"{len(v)} {k}" for k, v in sorted(counts.items()) if k != "killed")
        + ")"
    )
    for status in ("survived", "no tests", "timeout", "suspicious", "segfault"):
        for name in counts.get(status, []):
            why = explained.get(name)
            note = f"equivalent: {why}" if why else "UNEXPLAINED"
            print(f"     {status}: {name}  [{note}]")
    print(f"   show one: cd {work} && mutmut show NAME", flush=True)
    return {"module": key, "score": score, "counts": {k: len(v) for k, v in counts.items()}}


def recheck_survivors(key: str, skip_equivalents: bool = False) -> dict:
    """Re-run only the mutants a previous run of `key` did not kill, against the tests as
    they are now (after writing the tests that should kill them). mutmut is incremental:
    the killed ones keep their result."""
    path, _, tests = MODULES[key]
    work = WORK / key
    meta = work / "mutants" / f"{path}.meta"
    if not meta.exists():
        print(f"   {key} has not been run yet")
        return {"module": key, "score": None}
    data = json.loads(meta.read_text())["exit_code_by_key"]
    # Mutants a stopped run never reached (None) are not survivors: they are left for a
    # full run. Explained equivalents are re-run too unless asked to skip them (each runs
    # every test of its function, the slowest kind of mutant).
    skip = equivalents() if skip_equivalents else {}
    names = sorted(
        k
        for k, v in data.items()
        if v is not None and STATUS.get(v, "suspicious") != "killed" and k not in skip
    )
    if not names:  # (mutmut given no names would run every mutant)
        print(f"== {key}: no mutant left to re-check", flush=True)
        return report(key)
    _refresh_tests(work)
    env = _mutmut_env(work)
    print(f"== {key}: re-checking {len(names)} mutants not killed before", flush=True)
    with open(work / "mutmut-recheck.log", "w") as log:
        code = subprocess.call(  # noqa: S603 - our own fixed command
            [*MUTMUT, "run", "--max-children", "1", *names],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return report(key, code)


def fnmatch_to_regex(glob: str) -> str:
    return "^" + re.escape(glob).replace(r"\*", ".*") + "$"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"keys: {', '.join(MODULES)}")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--probes", action="store_true", help="the mutants issue 15 listed")
    parser.add_argument(
        "--survivors", action="store_true", help="re-run only the mutants not killed last time"
    )
    parser.add_argument(
        "--names",
        nargs="+",
        metavar="GLOB",
        help="run only the mutants with these names (e.g. 'safeguard.access.audit.x_verify*')",
    )
    parser.add_argument(
        "--skip-equivalents",
        action="store_true",
        help="with --survivors: leave out the mutants explained in the equivalents file",
    )
    args = parser.parse_args()
    if args.probes:
        return run_probes()
    if args.list:
        for key, (path, names, tests) in MODULES.items():
            print(f"{key:32} {path} {names} <- {' '.join(tests)}")
        return 0
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; see --list")
    if args.survivors:
        results = [recheck_survivors(k, args.skip_equivalents) for k in args.modules or MODULES]
    else:
        results = [run_module(key, args.names) for key in args.modules or MODULES]
    print(f"\nMutation score per module (target {TARGET:.0f}%):")
    below = 0
    for r in results:
        score = r["score"]
        mark = "FAILED TO RUN" if score is None else f"{score:5.1f}%"
        if score is None or score < TARGET:
            below += 1
        print(f"  {r['module']:32} {mark}")
    (WORK / "summary.json").write_text(json.dumps(results, indent=2))
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
