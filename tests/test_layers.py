"""Imports run one way (docs/architecture.md, "Layers").

Read from the source with `ast`, every import counts, including those inside functions (a
lazy import is still a dependency; it only hides a cycle from Python, not from a reader):

1. No import cycle between modules of different apps.
2. The domain apps' models, services and selectors depend on each other only as
   `DOMAIN_DEPENDS` allows, and those allowances form a one-way order. Every domain app
   writes through the audit trail (`SHARED`), which is therefore not an edge.
3. No module of a domain app (pages included) imports another app's pages or anything of
   the layers above (the checks, the scenarios, the pages that compose the record).

A new dependency needs a deliberate change here, with the reason beside it.
"""

from __future__ import annotations

import ast
import pathlib
from functools import cache

ROOT = pathlib.Path(__file__).resolve().parents[1] / "safeguard"

# The domain apps: each owns its models, services and selectors.
DOMAIN = (
    "core",
    "accounts",
    "children",
    "episodes",
    "health",
    "care",
    "meetings",
    "chronology",
    "exploitation",
    "access",
    "frontdoor",
)

# What each domain app's non-page modules may import from the other domain apps, lowest
# first. Each app may import only apps listed before it.
DOMAIN_DEPENDS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "accounts": frozenset({"core"}),
    "children": frozenset({"core", "accounts"}),
    "episodes": frozenset({"core", "accounts", "children"}),
    "health": frozenset({"core", "accounts", "children"}),
    # Looked-after care (issue 13) reads the child's episodes, placements and health record
    # (a placement plan, a death notification's recipients).
    "care": frozenset({"core", "accounts", "children", "episodes", "health"}),
    # A meeting concerns children and reads their plans (child protection episodes).
    "meetings": frozenset({"core", "accounts", "children", "episodes"}),
    # The merged timeline reads episodes, placements, health records and meetings.
    "chronology": frozenset({"core", "accounts", "children", "episodes", "health", "meetings"}),
    # Exploitation and missing: its records are chronology entries too (a missing episode,
    # a return interview), and a plan's eligibility reads the child's episodes.
    "exploitation": frozenset({"core", "accounts", "children", "episodes", "chronology"}),
    # Who may see which child: involvements (children) and event categories (chronology).
    "access": frozenset({"core", "accounts", "children", "chronology"}),
    # The front door: contacts and decisions (a strategy discussion is a meeting), visits
    # (chronology entries on a plan), and which roles may decide (access.roles).
    "frontdoor": frozenset(
        {"core", "accounts", "children", "episodes", "meetings", "chronology", "access"}
    ),
}

# The audit trail every write goes through, in the same transaction (access/audit.py), and
# the optimistic version check that reads it (access/versions.py). Any domain app may
# import these; rule 1 still forbids a cycle through them.
SHARED = frozenset({"safeguard.access.audit", "safeguard.access.versions"})

# The layers above the domain apps: the checks (read every domain app), the scenario
# loader and exporter (write and read through the services), and the pages that compose
# the whole record (recording: writing it; casework: home, search, the child's summary).
UPPER = ("checks", "scenarios", "recording", "casework")

# The GOV.UK form kit every page uses (core/forms.py: error summary, date fields).
SHARED_PAGE_KIT = frozenset({"safeguard.core.forms"})

# Modules that are pages (or other entry points) rather than models, services, selectors.
PAGE_MODULES = frozenset(
    {"views", "urls", "forms", "admin", "admin_site", "admin_apps", "context_processors"}
)


def _is_page(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[-1] in PAGE_MODULES
        or "management" in parts
        or "templatetags" in parts
        or (len(parts) > 1 and parts[1] in ("recording", "casework"))
    )


@cache
def _modules() -> dict[str, tuple[pathlib.Path, bool]]:
    found = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent)
        if "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, package)
    return found


def _resolve(name: str) -> str | None:
    """The project module an imported name lives in (a name may be a class in it)."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports_of(module: str) -> frozenset[str]:
    path, package = _modules()[module]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [f"{source}.{alias.name}" for alias in node.names] + [source]
        else:
            continue
        for name in names:
            if not name.startswith("safeguard"):
                continue
            target = _resolve(name)
            if target and target != module:
                found.add(target)
                break
    return frozenset(found)


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _cross_app_cycles() -> list[list[str]]:
    graph = {m: imports_of(m) for m in _modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [c for c in components if len({app_of(m) for m in c}) > 1]


def test_the_walk_reads_the_project():
    modules = _modules()
    assert "safeguard.children.models" in modules
    assert "safeguard.chronology.models" in imports_of("safeguard.chronology.services")
    # A relative import inside a function is seen.
    assert "safeguard.casework.selectors" in imports_of("safeguard.recording.quick")


def test_every_project_import_names_a_module_that_exists():
    # Otherwise a moved module's stale relative import would pass the rules unseen.
    missing = []
    for module, (path, package) in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.level or node.module):
                if node.level:
                    base = module.split(".") if package else module.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                if source.startswith("safeguard") and source not in _modules():
                    missing.append(f"{module}: from {source} import ...")
    assert not missing, "\n".join(missing)


def test_no_import_cycle_between_apps():
    cycles = _cross_app_cycles()
    assert not cycles, f"modules of different apps import each other: {cycles}"


def test_the_domain_order_is_one_way():
    order = list(DOMAIN_DEPENDS)
    assert tuple(order) == DOMAIN
    for position, app in enumerate(order):
        assert DOMAIN_DEPENDS[app] <= set(order[:position]), app


def test_domain_models_services_and_selectors_import_only_what_the_order_allows():
    wrong = []
    for module in _modules():
        app = app_of(module)
        if app not in DOMAIN or _is_page(module):
            continue
        for target in imports_of(module):
            other = app_of(target)
            if other == app or target in SHARED or other not in DOMAIN:
                continue
            if other not in DOMAIN_DEPENDS[app]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "against the domain order (tests/test_layers.py):\n" + "\n".join(wrong)


def test_domain_apps_import_no_pages_and_nothing_above_them():
    wrong = []
    for module in _modules():
        app = app_of(module)
        if app not in DOMAIN:
            continue
        for target in imports_of(module):
            other = app_of(target)
            if other == app or target in SHARED_PAGE_KIT:
                continue
            if other in UPPER:
                wrong.append(f"{module} -> {target} (a layer above the domain apps)")
            elif _is_page(target):
                wrong.append(f"{module} -> {target} (another app's pages)")
    assert not wrong, "\n".join(wrong)


def test_a_forbidden_import_would_be_reported(tmp_path, monkeypatch):
    # The rules see what they are meant to: a domain app importing a page of another app.
    modules = dict(_modules())
    fake = ROOT / "children" / "services.py"
    source = tmp_path / "services.py"
    source.write_text(fake.read_text() + "\nfrom safeguard.casework.views import summary\n")
    modules["safeguard.children.services"] = (source, False)
    monkeypatch.setattr(
        "tests.test_layers._modules", lambda: modules
    )  # the cached walk, with one file changed
    imports_of.cache_clear()
    try:
        assert "safeguard.casework.views" in imports_of("safeguard.children.services")
    finally:
        imports_of.cache_clear()
