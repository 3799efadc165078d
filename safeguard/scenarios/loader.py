"""Load scenario files: YAML -> validated, dated operations -> records written by the services.

Two stages, so the checks engine's replay can reuse the first:

1. `parse_files(paths)` reads the YAML keeping every node's line, checks it against the
   schema (schema.py) and the cross-references, and returns a `Scenario` whose
   `operations` are sorted by the day each fact became known (`Operation.effective`).
   Nothing touches the database except looking up agencies and accounts a file refers to
   without defining them.
2. `apply_operations(ops, ctx)` writes them through the services (children, episodes,
   health, chronology and accounts services: never the ORM directly). Applying the
   operations with `effective <= D` reproduces what the record held on day D, because end
   dates are separate operations effective on the end date.

`load(paths)` does both inside one transaction: any error rolls everything back and is
raised as a `ScenarioError` naming the file, line, path inside the file and what was wrong.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from safeguard.access import services as access_services
from safeguard.access.audit import AuditUnavailable, audit_context
from safeguard.accounts import services as account_services
from safeguard.accounts.models import Agency, Team, User
from safeguard.children import services as children_services
from safeguard.children.models import Child
from safeguard.chronology import services as chronology_services
from safeguard.chronology.event_types import EVENT_TYPES, clean_details
from safeguard.core.dates import (
    DateError,
    FuzzyMoment,
    parse_date,
    parse_date_or_time,
    parse_fuzzy,
)
from safeguard.core.models import check_date_order
from safeguard.core.validators import nhs_number_is_valid, normalise_nhs_number, upn_is_valid
from safeguard.episodes import services as episode_services
from safeguard.health import services as health_services

from . import care_format, frontdoor_format, meetings_format
from . import schema as S

__all__ = [
    "ApplyContext",
    "LoadResult",
    "Operation",
    "Scenario",
    "ScenarioError",
    "SourceRef",
    "apply_operations",
    "load",
    "parse_files",
]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class SourceRef:
    """Where a fact came from: file, 1-based line, and path inside the file."""

    path: str
    line: int | None
    yaml_path: str = ""

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.yaml_path:
            parts.append(self.yaml_path)
        return ", ".join(parts)


class ScenarioError(Exception):
    """A scenario file is wrong. str() is the message to show: 'file, line N, path: what'."""

    def __init__(self, source: SourceRef, message: str):
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")

    @property
    def field(self) -> str:
        """The last component of the path (the key that was wrong)."""
        return self.source.yaml_path.rsplit(".", 1)[-1]


# --------------------------------------------------------------------------- reading YAML


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}


def _scalar_value(node: yaml.ScalarNode):
    """The value of a scalar as YAML 1.1 resolves it: bool, int, None or text.

    Dates and times stay text: each field parses its own date format, so "2019" and
    "2019-06" (which YAML would read as an integer and text) are treated alike.
    """
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in _TRUE
    if tag == "tag:yaml.org,2002:int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:null":
        return None
    return text


def _quote(text: str) -> str:
    return '"' + str(text).replace('"', '\\"') + '"'


@dataclass
class Rec:
    """A validated mapping: its values, and where each key was written."""

    file: str
    path: str
    line: int
    values: dict[str, Any]
    key_lines: dict[str, int]

    def get(self, key, default=None):
        return self.values.get(key, default)

    def __contains__(self, key):
        return key in self.values

    def __getitem__(self, key):
        return self.values[key]

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def src(self, key: str | None = None) -> SourceRef:
        if key is None:
            return SourceRef(self.file, self.line, self.path)
        return SourceRef(self.file, self.key_lines.get(key, self.line), self.sub(key))

    def error(self, key: str | None, message: str) -> ScenarioError:
        return ScenarioError(self.src(key), message)


def _expect(node, cls, file, path, what) -> None:
    if not isinstance(node, cls):
        raise ScenarioError(SourceRef(file, _line(node), path), f"expected {what}")


def _raw_text(node, file, path) -> str:
    _expect(node, yaml.ScalarNode, file, path, "a single value, not a list or mapping")
    _check_characters(node.value, file, path, _line(node))
    return node.value


def _bad_character(text: str) -> str | None:
    """The first character a record cannot hold: a lone surrogate (from a YAML escape such
    as "\\ud800"), NUL or another control character (tab and newlines are fine), or a
    non-character YAML refuses (U+FFFE, U+FFFF)."""
    for ch in text:
        code = ord(ch)
        if (
            (code < 0x20 and ch not in "\t\n\r")
            or 0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF)
        ):
            return ch
    return None


def _check_characters(text: str, file: str, path: str, line: int) -> None:
    ch = _bad_character(text)
    if ch is not None:
        raise ScenarioError(
            SourceRef(file, line, path),
            f"contains the character U+{ord(ch):04X}, which a record cannot hold "
            "(a control character, or half of a surrogate pair from an escape)",
        )


def _validate_value(node, spec: S.Field, file: str, path: str):
    where = SourceRef(file, _line(node), path)
    kind = spec.kind
    if kind == "list":
        _expect(node, yaml.SequenceNode, file, path, "a list (items starting with '-')")
        return [
            _validate_map(item, spec.schema, file, f"{path}[{i}]")
            for i, item in enumerate(node.value)
        ]
    if kind == "map":
        return _validate_map(node, spec.schema, file, path)
    if kind == "details":
        _expect(node, yaml.MappingNode, file, path, "a mapping of detail names to values")
        values, lines = {}, {}
        for knode, vnode in node.value:
            key = _raw_text(knode, file, path)
            if key in values:
                raise ScenarioError(
                    SourceRef(file, _line(knode), f"{path}.{key}"),
                    f"duplicate key (first given on line {lines[key]})",
                )
            _raw_text(vnode, file, f"{path}.{key}")
            values[key] = _scalar_value(vnode)
            lines[key] = _line(knode)
        return (values, lines)
    if kind == "refs":
        _expect(node, yaml.SequenceNode, file, path, "a list of ids")
        return [
            (_raw_text(item, file, f"{path}[{i}]"), _line(item), f"{path}[{i}]")
            for i, item in enumerate(node.value)
        ]
    text = _raw_text(node, file, path)
    value = _scalar_value(node)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(where, f"{_quote(text)} is not true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(where, f"{_quote(text)} is not a whole number")
        return value
    # Dates: exactly the documented forms (docs/scenario-format.md), real, plausible, and
    # for times, existing in London. DateError carries the specific reason.
    if kind == "date":
        try:
            return parse_date(text)
        except DateError as exc:
            raise ScenarioError(where, f"{_quote(text)} {exc.reason}") from None
        except ValueError:
            raise ScenarioError(
                where, f"{_quote(text)} is not a valid date (expected YYYY-MM-DD)"
            ) from None
    if kind == "fuzzy":
        try:
            return parse_fuzzy(text)
        except DateError as exc:
            raise ScenarioError(where, f"{_quote(text)} {exc.reason}") from None
        except ValueError:
            raise ScenarioError(
                where,
                f"{_quote(text)} is not a valid date "
                "(expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
            ) from None
    if kind == "moment":
        try:
            return parse_date_or_time(text)
        except DateError as exc:
            raise ScenarioError(where, f"{_quote(text)} {exc.reason}") from None
        except ValueError:
            raise ScenarioError(
                where,
                f"{_quote(text)} is not a valid date or time "
                "(expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
            ) from None
    if kind == "choice":
        if text not in spec.choices:
            if path.endswith(".type") and spec.choices == tuple(EVENT_TYPES):
                raise ScenarioError(
                    where, f"{_quote(text)} is not a known event type (see docs/event-types.md)"
                )
            close = difflib.get_close_matches(text, spec.choices, n=1)
            hint = f" (did you mean {_quote(close[0])}?)" if close else ""
            raise ScenarioError(
                where, f"{_quote(text)} is not one of: {', '.join(spec.choices)}{hint}"
            )
        return text
    if kind == "nhs":
        number = normalise_nhs_number(text)
        if not nhs_number_is_valid(number):
            raise ScenarioError(
                where,
                f"{_quote(text)} is not a valid NHS number (10 digits with a correct check digit)",
            )
        return number
    if kind == "upn":
        if not upn_is_valid(text):
            raise ScenarioError(
                where, f"{_quote(text)} is not a valid UPN (a check letter and 12 characters)"
            )
        return text
    if kind in {"text", "ref"}:
        if not text.strip():
            raise ScenarioError(where, "is empty")
        return text.strip() if kind == "ref" else text
    raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover


def _is_null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _validate_map(node, schema: dict[str, S.Field], file: str, path: str) -> Rec:
    _expect(node, yaml.MappingNode, file, path or "(top level)", "a mapping (key: value lines)")
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for knode, vnode in node.value:
        key = _raw_text(knode, file, path)
        kpath = f"{path}.{key}" if path else key
        if key in key_lines:
            raise ScenarioError(
                SourceRef(file, _line(knode), kpath),
                f"duplicate key (first given on line {key_lines[key]})",
            )
        key_lines[key] = _line(knode)
        if key not in schema:
            close = difflib.get_close_matches(key, schema, n=1)
            hint = f"did you mean {_quote(close[0])}? " if close else ""
            raise ScenarioError(
                SourceRef(file, _line(knode), kpath),
                f"unknown key ({hint}allowed here: {', '.join(schema)})",
            )
        spec = schema[key]
        if _is_null(vnode):
            if spec.required:
                raise ScenarioError(SourceRef(file, _line(knode), kpath), "needs a value")
            continue
        values[key] = _validate_value(vnode, spec, file, kpath)
    for key, spec in schema.items():
        if spec.required and key not in key_lines:
            raise ScenarioError(
                SourceRef(file, _line(node), f"{path}.{key}" if path else key),
                "missing (this key is required)",
            )
    return Rec(file, path, _line(node), values, key_lines)


# Upgrades from older format versions: version -> function turning that version's node
# tree into the next version's. Empty while only version 1 exists.
MIGRATIONS: dict[int, Callable[[yaml.MappingNode], yaml.MappingNode]] = {}


def _decode(data: bytes, file: str) -> str:
    """UTF-8 text with no NUL or control characters; else an error naming line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            SourceRef(file, line),
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}): save the "
            "file as UTF-8",
        ) from None
    for number, line_text in enumerate(text.split("\n"), start=1):
        ch = _bad_character(line_text.removesuffix("\r"))
        if ch is not None:
            raise ScenarioError(
                SourceRef(file, number),
                f"contains the control character U+{ord(ch):04X} at column "
                f"{line_text.index(ch) + 1}: only text, tabs and line breaks are allowed",
            )
    return text


def _deepest_line(text: str) -> int | None:
    """The line where flow brackets or indentation nest deepest (for a nesting error)."""
    best, best_line, depth = -1, None, 0
    for number, line_text in enumerate(text.split("\n"), start=1):
        deepest = len(line_text) - len(line_text.lstrip(" "))
        for ch in line_text:
            depth += (ch in "[{") - (ch in "]}")
            deepest = max(deepest, depth)
        if deepest > best:
            best, best_line = deepest, number
    return best_line


def _read_file(path: str | Path) -> Rec:
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError(SourceRef(file, None), "file not found") from None
    except OSError as exc:
        raise ScenarioError(SourceRef(file, None), f"cannot be read ({exc})") from None
    text = _decode(data, file)
    try:
        try:
            # libyaml when available (ten times faster on the demo file); on any error the
            # pure-Python parser re-reads the file so messages do not depend on libyaml.
            node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        # The pure-Python parser recurses once per level (libyaml stops at its own limit).
        raise ScenarioError(
            SourceRef(file, _deepest_line(text)),
            "nested too deeply (lists or mappings inside each other hundreds of levels deep)",
        ) from None
    except yaml.reader.ReaderError as exc:
        # Characters YAML refuses that the scan above let through: name the line.
        raise ScenarioError(
            SourceRef(file, text.count("\n", 0, exc.position) + 1),
            f"YAML cannot read the character U+{exc.character:04X}"
            if isinstance(exc.character, int)
            else f"YAML cannot read this text ({exc.reason})",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(
            SourceRef(file, mark.line + 1 if mark else None),
            f"YAML syntax error: {what}" + (f" (column {mark.column + 1})" if mark else ""),
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(SourceRef(file, None), f"YAML error: {exc}") from None
    if node is None:
        raise ScenarioError(SourceRef(file, 1), "the file is empty")
    _expect(node, yaml.MappingNode, file, "(top level)", "a mapping (key: value lines)")
    version_node = next(
        (
            v
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and k.value == "safeguard_scenario"
        ),
        None,
    )
    if version_node is None:
        raise ScenarioError(
            SourceRef(file, _line(node), "safeguard_scenario"),
            f"missing (every scenario file starts with safeguard_scenario: {S.CURRENT_VERSION})",
        )
    version = _scalar_value(version_node) if isinstance(version_node, yaml.ScalarNode) else None
    while isinstance(version, int) and version in MIGRATIONS:
        node = MIGRATIONS[version](node)
        version += 1
    if version != S.CURRENT_VERSION:
        shown = version_node.value if isinstance(version_node, yaml.ScalarNode) else "?"
        raise ScenarioError(
            SourceRef(file, _line(version_node), "safeguard_scenario"),
            f"{_quote(shown)} is not a supported version (this Safeguard reads version "
            f"{S.CURRENT_VERSION})",
        )
    return _validate_map(node, S.TOP, file, "")


# --------------------------------------------------------------------------- operations

# Within one day: the partnership, then the child's registration, the people named on a
# restricted record (so it is never without them), the people around them,
# ends (placements before episodes, so a placement never outlives its episode), starts
# (episodes before the placements inside them), events, and last the date of death.
from . import exploitation_format as exploitation_scenario  # noqa: E402

PHASES = (
    "agency",
    "team",
    "professional",
    "register_child",
    "name_on_record",
    "person",
    "end_placement",
    "end",
    "start_episode",
    "start_placement",
    "start",
    "event",
    "concern",
    "meeting",
    "meeting_held",
    "meeting_after",
    "death",
)
PHASE_ORDER = {name: i for i, name in enumerate(PHASES)}


@dataclass
class Operation:
    """One dated write. `apply(ctx)` performs it through a service.

    effective: the day the information became known (replay applies operations with
    effective <= the day being replayed). kind: e.g. "record_episode", "end_episode",
    "record_event". child: the child's local_id (None for partnership operations).
    key: the context key of the object the operation creates or changes.
    """

    kind: str
    effective: dt.date
    phase: str
    source: SourceRef
    child: str | None
    key: tuple[str, str]
    data: dict[str, Any]
    handler: Callable[[Operation, ApplyContext], Any] = field(repr=False)
    record: Rec | None = field(default=None, repr=False)
    # model field name -> scenario key, to point a service's ValidationError at the file.
    field_keys: dict[str, str] = field(default_factory=dict, repr=False)
    seq: int = 0

    @property
    def sort_key(self):
        return (self.effective, PHASE_ORDER[self.phase], self.seq)

    def apply(self, ctx: ApplyContext):
        try:
            return self.handler(self, ctx)
        except ScenarioError:
            raise
        except ValidationError as exc:
            raise self._error_from(exc) from None
        except DatabaseError as exc:
            raise ScenarioError(self.source, f"the database refused the record ({exc})") from None
        except (KeyError, ObjectDoesNotExist) as exc:
            # Operations applied out of order (or a referenced record deleted meanwhile).
            raise ScenarioError(
                self.source, f"refers to a record that does not exist yet ({exc})"
            ) from None
        except AuditUnavailable as exc:
            raise ScenarioError(self.source, f"cannot be recorded: {exc}") from None
        except (OverflowError, UnicodeError) as exc:
            # Parsing refuses what it knows to cause these; a value that still does is named
            # here rather than ending the load in a traceback.
            raise ScenarioError(self.source, f"a value cannot be stored ({exc})") from None

    def _error_from(self, exc: ValidationError) -> ScenarioError:
        if hasattr(exc, "error_dict"):
            name, errors = next(iter(exc.error_dict.items()))
            message = "; ".join(m for e in errors for m in e.messages)
            key = self.field_keys.get(name, name if name != NON_FIELD_ERRORS else None)
        else:
            message, key = "; ".join(exc.messages), None
        if self.record is not None and key and key in self.record.key_lines:
            return self.record.error(key, message)
        if self.record is not None and key:
            return ScenarioError(
                SourceRef(self.source.path, self.source.line, self.record.sub(key)), message
            )
        return ScenarioError(self.source, message)


class ApplyContext:
    """What applying operations has created so far, by scenario key, and per-kind counts."""

    def __init__(self, actor=None):
        self.actor = actor
        self.objects: dict[tuple[str, str], Any] = {}
        self.counts: Counter[str] = Counter()
        self.password_hashes: dict[str, str] = {}

    def get(self, kind: str, ref: str):
        key = (kind, ref)
        if key in self.objects:
            return self.objects[key]
        # Agencies and accounts the files refer to without defining them already exist.
        if kind == "agency":
            obj = Agency.objects.get(code=ref)
        elif kind == "team":
            agency_code, team_code = ref.split("/", 1)
            obj = Team.objects.get(agency__code=agency_code, code=team_code)
        elif kind == "professional":
            obj = User.objects.get(username=ref)
        else:
            raise KeyError(f"{kind} {ref!r} has not been created yet")
        self.objects[key] = obj
        return obj

    def maybe(self, kind: str, ref: str | None):
        return self.get(kind, ref) if ref else None


@dataclass
class Scenario:
    paths: list[str]
    operations: list[Operation]

    @property
    def first_date(self) -> dt.date | None:
        return self.operations[0].effective if self.operations else None

    @property
    def last_date(self) -> dt.date | None:
        return max((op.effective for op in self.operations), default=None)

    @property
    def children(self) -> list[str]:
        return [op.child for op in self.operations if op.kind == "register_child"]


@dataclass
class LoadResult:
    counts: dict[str, int]
    scenario: Scenario

    def summary(self) -> str:
        return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.counts.items())


# --------------------------------------------------------------------------- handlers


def _apply_agency(op: Operation, ctx: ApplyContext):
    d = op.data
    existing = Agency.objects.filter(code=d["code"]).first()
    if existing is not None:
        if existing.kind != d["kind"]:
            raise op.record.error(
                "kind",
                f"agency {_quote(d['code'])} already exists as {existing.get_kind_display()!r}",
            )
        ctx.objects[op.key] = existing
        ctx.counts["agencies_reused"] += 1
        return existing
    agency = account_services.create_agency(actor=ctx.actor, **d)
    ctx.objects[op.key] = agency
    ctx.counts["agencies"] += 1
    return agency


def _apply_team(op: Operation, ctx: ApplyContext):
    from safeguard.frontdoor.models import FrontDoorTeam

    agency = ctx.get("agency", op.data["agency"])
    team = Team.objects.filter(agency=agency, code=op.data["code"]).first()
    if team is None:
        team = account_services.create_team(
            actor=ctx.actor, agency=agency, code=op.data["code"], name=op.data["name"]
        )
        ctx.counts["teams"] += 1
    if op.data.get("front_door"):
        # The team is the front door (access/roles.py `front_door`).
        FrontDoorTeam.objects.get_or_create(team=team)
    ctx.objects[op.key] = team
    return team


def _apply_professional(op: Operation, ctx: ApplyContext):
    d = dict(op.data)
    existing = User.objects.filter(username=d["username"]).first()
    if existing is not None:
        ctx.objects[op.key] = existing
        ctx.counts["professionals_reused"] += 1
        return existing
    if d.get("password") and settings.MODE not in ("demo", "test"):
        # Passwords in files are for demos: a production account must never have one that
        # is published in a repository. It is created unable to sign in with a password.
        d.pop("password")
        ctx.counts["passwords_ignored"] += 1
    agency = ctx.get("agency", d.pop("agency"))
    team_code = d.pop("team", None)
    team = ctx.get("team", f"{agency.code}/{team_code}") if team_code else None
    password = d.pop("password", None)
    if password:
        # Hashing is deliberately slow; the demo gives dozens of accounts one password.
        if password not in ctx.password_hashes:
            ctx.password_hashes[password] = make_password(password)
        d["encoded_password"] = ctx.password_hashes[password]
        d["password"] = password  # checked against this person by the validators
    user = account_services.create_professional(
        actor=ctx.actor, agency=agency, team=team, scenario_ref=d["username"], **d
    )
    ctx.objects[op.key] = user
    ctx.counts["professionals"] += 1
    return user


def _apply_register_child(op: Operation, ctx: ApplyContext):
    d = dict(op.data)
    if Child.objects.filter(local_id=d["local_id"]).exists():
        raise op.record.error(
            "local_id", f"a child with local_id {_quote(d['local_id'])} already exists"
        )
    child = children_services.register_child(actor=ctx.actor, **d)
    ctx.objects[op.key] = child
    ctx.counts["children"] += 1
    return child


def _apply_person(op: Operation, ctx: ApplyContext):
    d = dict(op.data)
    child = ctx.get("child", op.child)
    person_fields = d.pop("person_fields")
    key = ("person", d["person_id"])
    # A person related to several children (siblings) is created by whichever of their
    # relationships is applied first.
    person = ctx.objects.get(key)
    if person is None:
        person = children_services.record_person(actor=ctx.actor, **person_fields)
        ctx.objects[key] = person
        ctx.counts["people"] += 1
    relationship = children_services.record_relationship(
        actor=ctx.actor, child=child, person=person, **d["relationship"]
    )
    ctx.objects[op.key] = relationship
    ctx.counts["relationships"] += 1
    return relationship


def _apply_involvement(op: Operation, ctx: ApplyContext):
    d = op.data
    inv = children_services.record_involvement(
        actor=ctx.actor,
        child=ctx.get("child", op.child),
        professional=ctx.get("professional", d["professional"]),
        role=d["role"],
        start_date=d["start_date"],
        end_date=d.get("end_date"),
    )
    ctx.objects[op.key] = inv
    ctx.counts["involvements"] += 1
    return inv


def _apply_end_involvement(op: Operation, ctx: ApplyContext):
    return children_services.end_involvement(
        actor=ctx.actor, involvement=ctx.get(*op.key), end_date=op.data["end_date"]
    )


def _apply_restricted_grant(op: Operation, ctx: ApplyContext):
    grant = access_services.name_on_restricted_record(
        actor=ctx.actor,
        child=ctx.get("child", op.child),
        user=ctx.get("professional", op.data["professional"]),
        reason=op.data["reason"],
    )
    ctx.objects[op.key] = grant
    ctx.counts["restricted_grants"] += 1
    return grant


def _record_for_child(service, count_key: str, **refs: str):
    """An apply function for one fact about the operation's child: resolve its references
    to other scenario objects (field name -> kind of object), call the service, remember the
    result under the operation's key and count it."""

    def apply(op: Operation, ctx: ApplyContext):
        data = dict(op.data)
        for name, kind in refs.items():
            data[name] = ctx.maybe(kind, data.pop(name))
        obj = service(actor=ctx.actor, child=ctx.get("child", op.child), **data)
        ctx.objects[op.key] = obj
        ctx.counts[count_key] += 1
        return obj

    return apply


_apply_episode = _record_for_child(episode_services.record_episode, "episodes", agency="agency")
_apply_placement = _record_for_child(
    episode_services.record_placement, "placements", agency="agency"
)
_apply_condition = _record_for_child(
    health_services.record_condition, "conditions", agency="agency"
)
_apply_medicine = _record_for_child(
    health_services.record_medicine,
    "medicines",
    condition="condition",
    prescriber="professional",
)
_apply_health_assessment = _record_for_child(
    health_services.record_health_assessment,
    "health_assessments",
    agency="agency",
    assessor="professional",
)

_apply_referral = _record_for_child(
    children_services.record_referral,
    "referrals",
    from_agency="agency",
    to_agency="agency",
    referred_by="professional",
)


def _apply_referral_outcome(op: Operation, ctx: ApplyContext):
    return children_services.record_referral_outcome(
        actor=ctx.actor, referral=ctx.get(*op.key), **op.data
    )


def _apply_end_episode(op: Operation, ctx: ApplyContext):
    return episode_services.end_episode(
        actor=ctx.actor,
        episode=ctx.get(*op.key),
        end_date=op.data["end_date"],
        reason_ended=op.data.get("reason_ended", ""),
    )


def _apply_end_placement(op: Operation, ctx: ApplyContext):
    return episode_services.end_placement(
        actor=ctx.actor,
        placement=ctx.get(*op.key),
        end_date=op.data["end_date"],
        reason_changed=op.data.get("reason_changed", ""),
    )


def _apply_host_notified(op: Operation, ctx: ApplyContext):
    return episode_services.record_host_authority_notified(
        actor=ctx.actor, placement=ctx.get(*op.key), notified_on=op.data["notified_on"]
    )


def _apply_resolve_condition(op: Operation, ctx: ApplyContext):
    return health_services.resolve_condition(
        actor=ctx.actor, condition=ctx.get(*op.key), resolved_on=op.data["resolved_on"]
    )


def _apply_end_medicine(op: Operation, ctx: ApplyContext):
    return health_services.end_medicine(
        actor=ctx.actor, medicine=ctx.get(*op.key), end_date=op.data["end_date"]
    )


def _event_common(op: Operation, ctx: ApplyContext) -> dict:
    d = op.data
    common = {}
    if "source" in d:
        common["source_agency"] = ctx.get("agency", d["source"])
    if "recorded_by" in d:
        common["recorded_by"] = ctx.get("professional", d["recorded_by"])
    if "recorded_by_name" in d:
        common["recorded_by_name"] = d["recorded_by_name"]
    if "related" in d:
        common["related_persons"] = [ctx.get("person", ref) for ref in d["related"]]
    for key in ("event_type", "occurred", "summary", "details", "synthetic"):
        if key in d:
            common[key] = d[key]
    return common


def _apply_event(op: Operation, ctx: ApplyContext):
    common = _event_common(op, ctx)
    event = chronology_services.record_event(
        actor=ctx.actor,
        child=ctx.get("child", op.child),
        recorded_at=op.data["recorded_at"],
        **common,
    )
    ctx.objects[op.key] = event
    ctx.counts["events"] += 1
    return event


def _apply_correct_event(op: Operation, ctx: ApplyContext):
    common = _event_common(op, ctx)
    recorded_by = common.pop("recorded_by", None)
    event = chronology_services.correct_event(
        actor=recorded_by or ctx.actor,
        original=ctx.get("event", op.data["corrects"]),
        reason=op.data["reason"],
        recorded_at=op.data["recorded_at"],
        **common,
    )
    ctx.objects[op.key] = event
    ctx.counts["corrections"] += 1
    return event


def _apply_withdraw_event(op: Operation, ctx: ApplyContext):
    recorded_by = ctx.maybe("professional", op.data.get("recorded_by"))
    event = chronology_services.withdraw_event(
        actor=recorded_by or ctx.actor,
        original=ctx.get("event", op.data["withdraws"]),
        reason=op.data["reason"],
        recorded_at=op.data["recorded_at"],
    )
    ctx.objects[op.key] = event
    ctx.counts["withdrawals"] += 1
    return event


def _apply_death(op: Operation, ctx: ApplyContext):
    return children_services.record_date_of_death(
        actor=ctx.actor, child=ctx.get("child", op.child), date_of_death=op.data["date_of_death"]
    )


# --------------------------------------------------------------------------- building


def _copy(rec: Rec, mapping: dict[str, str]) -> dict[str, Any]:
    """Scenario keys -> service keyword arguments, for the keys present."""
    return {target: rec[key] for key, target in mapping.items() if key in rec}


class _Builder:
    """Checks references and dates across files and turns records into operations."""

    def __init__(self):
        self.ops: list[Operation] = []
        self.condition_ops: dict[str, Operation] = {}
        self.agencies: dict[str, Rec] = {}
        self.teams: set[str] = set()
        self.professionals: dict[str, Rec] = {}
        self.children: dict[str, Rec] = {}
        self.people: dict[str, Rec] = {}
        self.conditions: dict[str, Rec] = {}
        # event id -> (child local_id, record, (occurred start, precision, recorded_at), type)
        self.events: dict[str, tuple[str, Rec, tuple[dt.datetime, str, dt.datetime], str]] = {}
        self.pending_refs: list[tuple[Rec, str, str, str]] = []
        # Ids of the entries exploitation records write (exploitation_format.register_entries).
        self.derived_entries: set[str] = set()
        self.db_agencies: set[str] = set()
        self.db_users: set[str] = set()

    # -- helpers
    def _op(self, kind, phase, effective, rec, child, key, data, handler, field_keys=None):
        op = Operation(
            kind=kind,
            effective=effective,
            phase=phase,
            source=rec.src(),
            child=child,
            key=key,
            data=data,
            handler=handler,
            record=rec,
            field_keys=field_keys or {},
        )
        self.ops.append(op)
        return op

    def _check_order(self, rec: Rec, start_key: str, end_key: str):
        """The records' own rule (core.models.check_date_order, which their clean() runs),
        checked while reading so that the error names the line: an end is applied as its
        own operation on its own date, and one dated before its start would otherwise meet
        no record to end."""
        start, end = rec.get(start_key), rec.get(end_key)
        start_day = start.start.date() if isinstance(start, FuzzyMoment) else start
        try:
            check_date_order(start_day, end, start_field=start_key, end_field=end_key)
        except ValidationError:
            raise rec.error(end_key, f"{end} is before the {start_key} {start_day}") from None

    def _define(self, table: dict, ref: str, rec: Rec, key: str, what: str):
        if ref in table:
            first = table[ref]
            raise rec.error(
                key,
                f"duplicate {what} {_quote(ref)} (first defined in {first.file}, line "
                f"{first.key_lines.get(key, first.line)})",
            )
        table[ref] = rec

    def _ref(self, rec: Rec, key: str, kind: str):
        """Check a reference exists (resolved after all files are read)."""
        self.pending_refs.append((rec, key, kind, rec[key]))

    # -- partnership
    def partnership(self, rec: Rec):
        for agency in rec.get("agencies", []):
            code = agency["code"]
            self._define(self.agencies, code, agency, "code", "agency code")
            self._op(
                "create_agency",
                "agency",
                None,
                agency,
                None,
                ("agency", code),
                _copy(
                    agency,
                    {
                        "code": "code",
                        "name": "name",
                        "kind": "kind",
                        "external_id": "external_id",
                        "synthetic": "synthetic",
                    },
                ),
                _apply_agency,
            )
            seen_teams: dict[str, Rec] = {}
            for team in agency.get("teams", []):
                self._define(seen_teams, team["code"], team, "code", "team code")
                self.teams.add(f"{code}/{team['code']}")
                self._op(
                    "create_team",
                    "team",
                    None,
                    team,
                    None,
                    ("team", f"{code}/{team['code']}"),
                    {
                        "agency": code,
                        "code": team["code"],
                        "name": team["name"],
                        "front_door": bool(team.get("front_door")),
                    },
                    _apply_team,
                )
        for prof in rec.get("professionals", []):
            username = prof["username"]
            self._define(self.professionals, username, prof, "username", "username")
            self._ref(prof, "agency", "agency")
            data = _copy(
                prof,
                {
                    "username": "username",
                    "given_name": "first_name",
                    "family_name": "last_name",
                    "agency": "agency",
                    "team": "team",
                    "job_title": "job_title",
                    "role": "role",
                    "email": "email",
                    "phone": "phone",
                    "password": "password",
                },
            )
            self._op(
                "create_professional",
                "professional",
                None,
                prof,
                None,
                ("professional", username),
                data,
                _apply_professional,
                {"first_name": "given_name", "last_name": "family_name"},
            )

    # -- children
    def child(self, rec: Rec):
        local_id = rec["local_id"]
        self._define(self.children, local_id, rec, "local_id", "child local_id")
        self._ref(rec, "local_authority", "agency")
        # An unborn child has no date of birth but an expected date of delivery (the
        # service's validation says which one is missing or that both were given).
        dob = rec.get("date_of_birth") or rec.get("expected_date_of_delivery")
        self._check_order(rec, "date_of_birth", "date_of_death")
        first_op = len(self.ops)
        identity = _copy(
            rec,
            {
                "local_id": "local_id",
                "given_name": "given_name",
                "family_name": "family_name",
                "preferred_name": "preferred_name",
                "date_of_birth": "date_of_birth",
                "date_of_birth_precision": "date_of_birth_precision",
                "age_assessed": "age_assessed",
                "age_assessment_note": "age_assessment_note",
                "expected_date_of_delivery": "expected_date_of_delivery",
                "sex": "sex",
                "ethnicity": "ethnicity",
                "nhs_number": "nhs_number",
                "upn": "upn",
                "postcode": "postcode",
                "restricted": "restricted",
                "synthetic": "synthetic",
            },
        )
        register = self._op(
            "register_child",
            "register_child",
            rec.get("registered"),
            rec,
            local_id,
            ("child", local_id),
            identity,
            _apply_register_child,
        )
        la = rec["local_authority"]
        undated: list[Operation] = []

        for i, person in enumerate(rec.get("people", [])):
            undated += self._person(local_id, person, i)
        for inv in rec.get("involvements", []):
            self._ref(inv, "professional", "professional")
            self._check_order(inv, "start", "end")
            key = ("involvement", f"{local_id}/{inv.path}")
            self._dated_pair(
                inv,
                local_id,
                key,
                "record_involvement",
                "start",
                {
                    "professional": inv["professional"],
                    "role": inv["role"],
                    "start_date": inv["start"],
                },
                _apply_involvement,
                "end_involvement",
                "end",
                _apply_end_involvement,
                {"start_date": "start", "end_date": "end"},
            )
        grants = self._restricted_to(local_id, rec)
        for ep in rec.get("episodes", []):
            self._check_order(ep, "start", "end")
            if "agency" in ep:
                self._ref(ep, "agency", "agency")
            data = _copy(
                ep,
                {
                    "kind": "kind",
                    "start": "start_date",
                    "legal_status": "legal_status",
                    "cp_category": "cp_category",
                    "primary_need": "primary_need",
                    "notes": "notes",
                    "synthetic": "synthetic",
                },
            )
            data["agency"] = ep.get("agency", la)
            if "end" not in ep and "reason_ended" in ep:
                # Known before the end date is (an export of a record written that way).
                data["reason_ended"] = ep["reason_ended"]
            self._dated_pair(
                ep,
                local_id,
                ("episode", f"{local_id}/{ep.path}"),
                "record_episode",
                "start_episode",
                data,
                _apply_episode,
                "end_episode",
                "end",
                _apply_end_episode,
                {"start_date": "start", "end_date": "end"},
                end_extra={"reason_ended": ep.get("reason_ended", "")},
            )
        for pl in rec.get("placements", []):
            self._check_order(pl, "start", "end")
            if "agency" in pl:
                self._ref(pl, "agency", "agency")
            data = _copy(
                pl,
                {
                    "type": "placement_type",
                    "start": "start_date",
                    "provider_type": "provider_type",
                    "provider_name": "provider_name",
                    "postcode": "postcode",
                    "area": "area",
                    "urn": "urn",
                    "intended_until_18": "intended_until_18",
                    "distance_miles": "distance_miles",
                    "out_of_area": "out_of_area",
                    "siblings": "siblings",
                    "provider_registration": "provider_registration",
                    "notes": "notes",
                    "synthetic": "synthetic",
                },
            )
            data["agency"] = pl.get("agency", la)
            notified = pl.get("host_authority_notified")
            if notified is not None and notified < pl["start"]:
                raise pl.error("host_authority_notified", f"{notified} is before the start")
            if notified is not None and notified == pl["start"]:
                data["host_authority_notified_on"] = notified
            if "end" not in pl and "reason_changed" in pl:
                data["reason_changed"] = pl["reason_changed"]
            self._dated_pair(
                pl,
                local_id,
                ("placement", f"{local_id}/{pl.path}"),
                "record_placement",
                "start_placement",
                data,
                _apply_placement,
                "end_placement",
                "end_placement",
                _apply_end_placement,
                {"start_date": "start", "end_date": "end", "placement_type": "type"},
                end_extra={"reason_changed": pl.get("reason_changed", "")},
            )
            if notified is not None and notified > pl["start"]:
                self._op(
                    "host_authority_notified",
                    "start",
                    notified,
                    pl,
                    local_id,
                    ("placement", f"{local_id}/{pl.path}"),
                    {"notified_on": notified},
                    _apply_host_notified,
                    {"host_authority_notified_on": "host_authority_notified"},
                ).source = pl.src("host_authority_notified")
        health = rec.get("health")
        if health is not None:
            self._health(local_id, health)
        for ref in rec.get("referrals", []):
            self._referral(local_id, ref)
        # The entries the exploitation lists write, named first so that an event (a
        # correction or withdrawal) can amend one.
        exploitation_scenario.register_entries(self, local_id, rec)
        for ev in rec.get("events", []):
            self._event(local_id, rec, ev)
        # Exploitation and missing lists (safeguard/scenarios/exploitation_format.py).
        exploitation_scenario.child_operations(
            self,
            local_id,
            rec,
            lambda kind, effective, r, key, data, handler: self._op(
                kind, "event", effective, r, local_id, key, data, handler
            ),
        )
        # Contacts, assessments, the household, injuries, closures (scenarios/frontdoor_format).
        frontdoor_format.child(self, local_id, rec)
        if "date_of_death" in rec:
            self._op(
                "record_date_of_death",
                "death",
                rec["date_of_death"],
                rec,
                local_id,
                ("child", local_id),
                {"date_of_death": rec["date_of_death"]},
                _apply_death,
            ).source = rec.src("date_of_death")
        # Placement plans, capacity, disputes, education, leaving care, appointments, death.
        care_format.build_care(self, local_id, rec)

        # The record opens on the first day anything about the child is known.
        child_ops = self.ops[first_op + 1 :]
        dated = [op.effective for op in child_ops if op.effective is not None]
        if register.effective is None:
            register.effective = min(dated, default=dob)
        elif dated and min(dated) < register.effective:
            raise rec.error(
                "registered",
                f"{register.effective} is after the first dated fact about the child "
                f"({min(dated)})",
            )
        # A person is known from `recorded`, else from the relationship's start, but never
        # before the record opens (a parent's relationship starts at birth).
        for op in undated:
            known = op.record.get("recorded") or op.record.get("start") or register.effective
            op.effective = max(known, register.effective)
        for op in grants:
            op.effective = register.effective

    def _restricted_to(self, local_id: str, rec: Rec) -> list[Operation]:
        """Operations naming professionals on a restricted record (dated by the caller)."""
        if "restricted_to" in rec and not rec.get("restricted"):
            raise rec.error(
                "restricted_to",
                "only allowed on a restricted record (add `restricted: true` to the child)",
            )
        named: dict[str, Rec] = {}
        grants = []
        for entry in rec.get("restricted_to", []):
            username = entry["professional"]
            if username in named:
                first = named[username]
                raise entry.error(
                    "professional",
                    f"{_quote(username)} is already named on this record (line "
                    f"{first.key_lines['professional']})",
                )
            named[username] = entry
            self._ref(entry, "professional", "professional")
            grants.append(
                self._op(
                    "name_on_restricted_record",
                    "name_on_record",
                    None,  # the day the record opens, known once the child's facts are read
                    entry,
                    local_id,
                    ("restricted_grant", f"{local_id}/{entry.path}"),
                    {"professional": username, "reason": entry["reason"]},
                    _apply_restricted_grant,
                    {"user": "professional"},
                )
            )
        return grants

    def _dated_pair(
        self,
        rec,
        local_id,
        key,
        kind,
        phase,
        data,
        handler,
        end_kind,
        end_phase,
        end_handler,
        field_keys,
        start_key="start",
        end_key="end",
        end_extra=None,
    ):
        start, end = rec[start_key], rec.get(end_key)
        if end is not None and end == start:
            # Starts and ends the same day: one operation (an end cannot precede its start).
            data = {**data, field_keys_inv(field_keys)[end_key]: end, **(end_extra or {})}
            self._op(kind, phase, start, rec, local_id, key, data, handler, field_keys)
            return
        self._op(kind, phase, start, rec, local_id, key, data, handler, field_keys)
        if end is not None:
            op = self._op(
                end_kind,
                end_phase,
                end,
                rec,
                local_id,
                key,
                {field_keys_inv(field_keys)[end_key]: end, **(end_extra or {})},
                end_handler,
                field_keys,
            )
            op.source = rec.src(end_key)

    def _person(self, local_id: str, rec: Rec, index: int) -> list[Operation]:
        self._check_order(rec, "start", "end")
        relationship = _copy(
            rec,
            {
                "relationship": "relationship",
                "parental_responsibility": "parental_responsibility",
                "pr_basis": "pr_basis",
                "start": "start_date",
                "end": "end_date",
                "relationship_notes": "notes",
            },
        )
        data: dict[str, Any] = {"relationship": relationship}
        if "person" in rec:
            for key in ("id", "given_name", "family_name", "known_as", "date_of_birth", "sex"):
                if key in rec:
                    raise rec.error(
                        key, "not allowed with `person` (the person is defined elsewhere)"
                    )
            self._ref(rec, "person", "person")
            data["person_id"] = rec["person"]
        else:
            if "given_name" not in rec:
                raise ScenarioError(
                    SourceRef(rec.file, rec.line, rec.sub("given_name")),
                    "missing (required unless `person` refers to someone defined elsewhere)",
                )
            person_id = rec.get("id") or f"{local_id}/people[{index}]"
            if "id" in rec:
                self._define(self.people, person_id, rec, "id", "person id")
            else:
                self.people[person_id] = rec
            data["person_id"] = person_id
            data["person_fields"] = self._person_fields(rec)
        op = self._op(
            "record_relationship",
            "person",
            None,  # set once the child's registration date is known
            rec,
            local_id,
            ("relationship", f"{local_id}/{rec.path}"),
            data,
            _apply_person,
            {"start_date": "start", "end_date": "end", "notes": "relationship_notes"},
        )
        return [op]

    @staticmethod
    def _person_fields(rec: Rec) -> dict[str, Any]:
        return _copy(
            rec,
            {
                "given_name": "given_name",
                "family_name": "family_name",
                "known_as": "known_as",
                "date_of_birth": "date_of_birth",
                "sex": "sex",
                "notes": "notes",
                "synthetic": "synthetic",
            },
        )

    def _health(self, local_id: str, rec: Rec):
        # Condition ids are the file's: records read later (care_format: appointments,
        # transition plans) may refer to one before the day it was diagnosed, as medicines
        # can (below).
        condition_ops = self.condition_ops
        for cond in rec.get("conditions", []):
            if "agency" in cond:
                self._ref(cond, "agency", "agency")
            moment = cond["diagnosed"]
            try:  # health.models.Condition.clean's rule, named at the line
                check_date_order(moment.date, cond.get("resolved"))
            except ValidationError:
                raise cond.error(
                    "resolved", f"{cond['resolved']} is before the diagnosis"
                ) from None
            cond_id = cond.get("id") or f"{local_id}/{cond.path}"
            if "id" in cond:
                self._define(self.conditions, cond_id, cond, "id", "condition id")
            data = _copy(
                cond,
                {
                    "name": "name",
                    "snomed_code": "snomed_code",
                    "chronic": "chronic",
                    "notes": "notes",
                    "synthetic": "synthetic",
                },
            )
            data.update(
                diagnosed_on=moment.date,
                diagnosed_precision=moment.precision,
                agency=cond.get("agency"),
            )
            # Resolved the day it was diagnosed: one operation (an end op would run first).
            same_day = cond.get("resolved") == moment.date
            if same_day:
                data["resolved_on"] = cond["resolved"]
            key = ("condition", cond_id)
            condition_ops[cond_id] = self._op(
                "record_condition",
                "start",
                moment.date,
                cond,
                local_id,
                key,
                data,
                _apply_condition,
                {"diagnosed_on": "diagnosed", "resolved_on": "resolved"},
            )
            if "resolved" in cond and not same_day:
                self._op(
                    "resolve_condition",
                    "end",
                    cond["resolved"],
                    cond,
                    local_id,
                    key,
                    {"resolved_on": cond["resolved"]},
                    _apply_resolve_condition,
                    {"resolved_on": "resolved"},
                ).source = cond.src("resolved")
        for med in rec.get("medicines", []):
            self._check_order(med, "start", "end")
            if "condition" in med:
                self._ref(med, "condition", "condition")
                treated = condition_ops.get(med["condition"])
                if treated is not None and med["start"] < treated.effective:
                    # Treated before the diagnosis was recorded: the condition is known
                    # from the medicine's start, so the medicine can refer to it.
                    treated.effective = med["start"]
            if "prescriber" in med:
                self._ref(med, "prescriber", "professional")
            data = _copy(
                med,
                {
                    "name": "name",
                    "dose": "dose",
                    "prescriber_name": "prescriber_name",
                    "dmd_code": "dmd_code",
                    "start": "start_date",
                    "long_term": "long_term",
                    "synthetic": "synthetic",
                },
            )
            data.update(condition=med.get("condition"), prescriber=med.get("prescriber"))
            self._dated_pair(
                med,
                local_id,
                ("medicine", f"{local_id}/{med.path}"),
                "record_medicine",
                "start",
                data,
                _apply_medicine,
                "end_medicine",
                "end",
                _apply_end_medicine,
                {"start_date": "start", "end_date": "end"},
            )
        for ha in rec.get("assessments", []):
            for key in ("agency", "assessor"):
                if key in ha:
                    self._ref(ha, key, "agency" if key == "agency" else "professional")
            data = _copy(
                ha,
                {
                    "kind": "kind",
                    "date": "date",
                    "assessor_name": "assessor_name",
                    "outcome": "outcome",
                    "by_medical_practitioner": "by_medical_practitioner",
                    "refused": "refused",
                    "refusal_reason": "refusal_reason",
                    "recommendations": "recommendations",
                    "health_plan_updated": "health_plan_updated_on",
                    "synthetic": "synthetic",
                },
            )
            data.update(agency=ha.get("agency"), assessor=ha.get("assessor"))
            self._op(
                "record_health_assessment",
                "start",
                ha["date"],
                ha,
                local_id,
                ("health_assessment", f"{local_id}/{ha.path}"),
                data,
                _apply_health_assessment,
            )
            # Its recommendations as actions for named people, and their follow-up.
            care_format.build_health_actions(
                self, local_id, ha, ("health_assessment", f"{local_id}/{ha.path}")
            )

    def _referral(self, local_id: str, rec: Rec):
        """A referral is known from the day it is made; its outcome from the outcome date."""
        for key, kind in (("from_agency", "agency"), ("to_agency", "agency")):
            if key in rec:
                self._ref(rec, key, kind)
        if "referred_by" in rec:
            self._ref(rec, "referred_by", "professional")
        self._check_order(rec, "date", "outcome_date")
        if ("outcome" in rec) != ("outcome_date" in rec):
            missing = "outcome_date" if "outcome" in rec else "outcome"
            raise rec.error(missing, "give the outcome and its date together")
        data = _copy(
            rec,
            {
                "service": "service",
                "date": "date",
                "reason": "reason",
                "referred_by_name": "referred_by_name",
                "synthetic": "synthetic",
            },
        )
        data.update(
            from_agency=rec.get("from_agency"),
            to_agency=rec.get("to_agency"),
            referred_by=rec.get("referred_by"),
        )
        key = ("referral", f"{local_id}/{rec.path}")
        same_day = rec.get("outcome_date") == rec["date"]
        if same_day or ("outcome_note" in rec and "outcome" not in rec):
            # One operation (an outcome op would run before the referral on the same day);
            # a note with no outcome yet is part of the referral.
            data.update(_copy(rec, {k: k for k in ("outcome", "outcome_date", "outcome_note")}))
        self._op("record_referral", "start", rec["date"], rec, local_id, key, data, _apply_referral)
        if "outcome" in rec and not same_day:
            self._op(
                "record_referral_outcome",
                "end",
                rec["outcome_date"],
                rec,
                local_id,
                key,
                {
                    "outcome": rec["outcome"],
                    "outcome_date": rec["outcome_date"],
                    "note": rec.get("outcome_note", ""),
                },
                _apply_referral_outcome,
            ).source = rec.src("outcome")

    def _event(self, local_id: str, child: Rec, ev: Rec):
        amends = "corrects" if "corrects" in ev else "withdraws" if "withdraws" in ev else None
        if "corrects" in ev and "withdraws" in ev:
            raise ev.error("withdraws", "an entry either corrects or withdraws, not both")
        original = None
        if amends:
            target = ev[amends]
            if target not in self.events:
                raise ev.error(
                    amends,
                    f"no event with id {_quote(target)} earlier in the files (an entry can "
                    "only amend one recorded before it)",
                )
            original = self.events[target]
            if original[0] != local_id:
                raise ev.error(amends, f"event {_quote(target)} belongs to another child")
            if "reason" not in ev:
                done = "corrected" if amends == "corrects" else "withdrawn"
                raise ScenarioError(
                    SourceRef(ev.file, ev.line, ev.sub("reason")),
                    f"missing (say why the entry is {done})",
                )
            if amends == "withdraws":
                for key in ev.values:
                    if key not in {
                        "id",
                        "withdraws",
                        "reason",
                        "recorded",
                        "recorded_by",
                        "synthetic",
                    }:
                        raise ev.error(key, "not allowed when withdrawing an entry")
        else:
            if "reason" in ev:
                raise ev.error("reason", "only a correction or withdrawal has a reason")
            for key in ("type", "occurred", "source", "summary"):
                if key not in ev:
                    raise ScenarioError(
                        SourceRef(ev.file, ev.line, ev.sub(key)), "missing (this key is required)"
                    )
        for key in ("source", "recorded_by"):
            if key in ev:
                self._ref(ev, key, "agency" if key == "source" else "professional")
        for ref, line, path in ev.get("related", []):
            self.pending_refs.append((ev, "related", "person", (ref, line, path)))

        event_type = ev.get("type") or (original[3] if original else None)
        if "details" in ev:
            details, lines = ev["details"]
            try:
                cleaned = clean_details(event_type, details)
            except ValidationError as exc:
                message = exc.message_dict.get("details", exc.messages)[0]
                name, _, rest = message.partition(": ")
                detail_key = name.removeprefix("details.")
                path = ev.sub(name)
                line = lines.get(detail_key, ev.key_lines.get("details", ev.line))
                raise ScenarioError(SourceRef(ev.file, line, path), rest) from None
        elif original is None:
            try:
                cleaned = clean_details(event_type, {})
            except ValidationError as exc:
                message = exc.message_dict.get("details", exc.messages)[0]
                name, _, rest = message.partition(": ")
                raise ScenarioError(SourceRef(ev.file, ev.line, ev.sub(name)), rest) from None
        else:
            cleaned = None

        occurred: FuzzyMoment | None = ev.get("occurred")
        recorded = ev.get("recorded")
        base = occurred or (original and FuzzyMoment(original[2][0], original[2][1]))
        if recorded is None:
            recorded_at = base.start if not original else original[2][2]
        elif isinstance(recorded, dt.datetime):
            recorded_at = recorded
        else:
            # A recorded date with no time: the start of that day, or the moment it
            # happened if that was later the same day.
            recorded_at = timezone.make_aware(dt.datetime.combine(recorded, dt.time()))
            if base and base.start > recorded_at and base.date == recorded:
                recorded_at = base.start
        try:  # the service's rule (chronology.services), named at the line while reading
            if base:
                chronology_services.check_recorded_after_occurred(base, recorded_at)
        except ValidationError:
            raise ev.error(
                "recorded",
                f"{timezone.localtime(recorded_at):%Y-%m-%d %H:%M} is before the event occurred "
                f"({timezone.localtime(base.start):%Y-%m-%d %H:%M})",
            ) from None
        if original and recorded_at < original[2][2]:
            raise ev.error(
                "recorded", "a correction cannot be recorded before the entry it corrects"
            )
        event_id = ev.get("id") or f"{local_id}/{ev.path}"
        if "id" in ev and event_id in self.events:
            first = self.events[event_id][1]
            raise ev.error(
                "id",
                f"duplicate event id {_quote(event_id)} (first defined in {first.file}, "
                f"line {first.key_lines.get('id', first.line)})",
            )
        moment_of_new = occurred or base
        self.events[event_id] = (
            local_id,
            ev,
            (moment_of_new.start, moment_of_new.precision, recorded_at),
            event_type,
        )
        data: dict[str, Any] = {"recorded_at": recorded_at}
        for key, target in (
            ("source", "source"),
            ("recorded_by", "recorded_by"),
            ("recorded_by_name", "recorded_by_name"),
            ("summary", "summary"),
            ("synthetic", "synthetic"),
            ("reason", "reason"),
            ("corrects", "corrects"),
            ("withdraws", "withdraws"),
        ):
            if key in ev:
                data[target] = ev[key]
        if "type" in ev:
            data["event_type"] = ev["type"]
        if occurred is not None:
            data["occurred"] = occurred
        if cleaned is not None:
            data["details"] = cleaned
        if "related" in ev:
            data["related"] = [ref for ref, _, _ in ev["related"]]
        kind, handler = {
            None: ("record_event", _apply_event),
            "corrects": ("correct_event", _apply_correct_event),
            "withdraws": ("withdraw_event", _apply_withdraw_event),
        }[amends]
        # Amending an entry an exploitation record writes: after that record's own
        # operation on the same day (they are read after the events).
        phase = "concern" if amends and ev[amends] in self.derived_entries else "event"
        if phase == "concern":
            self.derived_entries.add(event_id)  # an amendment of it comes later still
        self._op(
            kind,
            phase,
            timezone.localtime(recorded_at).date(),
            ev,
            local_id,
            ("event", event_id),
            data,
            handler,
            {
                "occurred_at": "occurred",
                "event_type": "type",
                "correction_reason": "reason",
                "source_agency": "source",
            },
        )

    # -- references and ordering
    def resolve(self):
        tables = {
            "agency": self.agencies,
            "professional": self.professionals,
            "person": self.people,
            "condition": self.conditions,
        }
        missing_agencies = {
            v for _, _, kind, v in self.pending_refs if kind == "agency" and v not in self.agencies
        }
        missing_users = {
            v
            for _, _, kind, v in self.pending_refs
            if kind == "professional" and v not in self.professionals
        }
        if missing_agencies:
            self.db_agencies = set(
                Agency.objects.filter(code__in=missing_agencies).values_list("code", flat=True)
            )
        if missing_users:
            self.db_users = set(
                User.objects.filter(username__in=missing_users).values_list("username", flat=True)
            )
        for rec, key, kind, value in self.pending_refs:
            if kind == "person" and isinstance(value, tuple):
                ref, line, path = value
                where = SourceRef(rec.file, line, path)
            else:
                ref, where = value, rec.src(key)
            if ref in tables[kind]:
                continue
            if kind == "agency" and ref in self.db_agencies:
                continue
            if kind == "professional" and ref in self.db_users:
                continue
            what = {
                "agency": "agency code",
                "professional": "professional username",
                "person": "person id",
                "condition": "condition id",
            }[kind]
            known = sorted(tables[kind])
            close = difflib.get_close_matches(ref, known, n=1)
            hint = f" (did you mean {_quote(close[0])}?)" if close else ""
            raise ScenarioError(where, f"unknown {what} {_quote(ref)}{hint}")
        for op in self.ops:
            if op.kind == "record_relationship" and "person_fields" not in op.data:
                definition = self.people[op.data["person_id"]]
                op.data["person_fields"] = self._person_fields(definition)
        for rec in self.professionals.values():
            if (
                "team" in rec
                and f"{rec['agency']}/{rec['team']}" not in self.teams
                and not (
                    rec["agency"] in self.db_agencies
                    and Team.objects.filter(agency__code=rec["agency"], code=rec["team"]).exists()
                )
            ):
                raise rec.error(
                    "team", f"agency {_quote(rec['agency'])} has no team {_quote(rec['team'])}"
                )

    def finish(self) -> list[Operation]:
        child_dates = [op.effective for op in self.ops if op.effective is not None]
        start = min(child_dates, default=timezone.localdate())
        for op in self.ops:
            if op.effective is None:  # the partnership exists before anything happens
                op.effective = start
        for i, op in enumerate(self.ops):
            op.seq = i
        return sorted(self.ops, key=lambda op: op.sort_key)


def field_keys_inv(field_keys: dict[str, str]) -> dict[str, str]:
    return {v: k for k, v in field_keys.items()}


# --------------------------------------------------------------------------- public API


def parse_files(paths: Iterable[str | Path]) -> Scenario:
    """Read and check scenario files; return their operations in the order to apply them.

    Raises ScenarioError at the first problem, naming the file, line and path.
    """
    paths = [str(p) for p in paths]
    if not paths:
        raise ScenarioError(SourceRef("(no files)", None), "give at least one scenario file")
    builder = _Builder()
    tops = [_read_file(path) for path in paths]
    # Every file's partnership first, so any file may refer to agencies and professionals
    # defined in another; then the children, in file order.
    for top in tops:
        if "partnership" in top:
            builder.partnership(top["partnership"])
    for top in tops:
        for child in top.get("children", []):
            builder.child(child)
    # Concerns and meetings may be about several children: after every file's children.
    meetings_format.build(builder, tops)
    # Workers' absences name professionals, not children: after every file's children.
    frontdoor_format.build(builder, tops)
    builder.resolve()
    return Scenario(paths=paths, operations=builder.finish())


def apply_operations(ops: Iterable[Operation], ctx: ApplyContext) -> ApplyContext:
    """Apply operations in the order given (callers pass them sorted by effective date)."""
    for op in ops:
        op.apply(ctx)
    return ctx


class _DryRun(Exception):
    pass


def load(paths: Iterable[str | Path], *, actor=None, dry_run: bool = False) -> LoadResult:
    """Parse and apply scenario files all-or-nothing (one transaction).

    dry_run: apply everything, then roll back (every check runs; nothing is kept).
    """
    scenario = parse_files(paths)
    ctx = ApplyContext(actor=actor)
    try:
        # Writes made here are audited as the system, via the scenario loader.
        with transaction.atomic(), audit_context(via="scenario-loader"):
            apply_operations(scenario.operations, ctx)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    order = [
        "agencies",
        "agencies_reused",
        "teams",
        "professionals",
        "professionals_reused",
        "passwords_ignored",
        "children",
        "people",
        "relationships",
        "involvements",
        "restricted_grants",
        "episodes",
        "placements",
        "conditions",
        "medicines",
        "health_assessments",
        "referrals",
        *care_format.COUNTS,
        "missing_episodes",
        "exploitation_assessments",
        "safety_plan_actions",
        "justice_records",
        "bail",
        "protective_measures",
        "events",
        "corrections",
        "withdrawals",
        "concerns",
        "meetings",
        "actions",
        "s47_enquiries",
        "milestones",
        "contacts",
        "assessments",
        "household",
        "adult_checks",
        "injuries",
        "closures",
        "worker_absences",
    ]
    counts = {k: ctx.counts[k] for k in order if ctx.counts[k]}
    # A kind not placed above is still reported (last), never silently left out.
    counts.update((k, n) for k, n in ctx.counts.items() if n and k not in counts)
    return LoadResult(counts=counts, scenario=scenario)
