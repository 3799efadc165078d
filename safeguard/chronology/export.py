"""The chronology as CSV, for analysis in a spreadsheet or a review panel's own tools."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from safeguard.core.dates import Precision

from .selectors import TimelineEntry

COLUMNS = [
    "occurred",
    "precision",
    "agency",
    "type_code",
    "type_label",
    "summary",
    "recorded_at",
    "recorded_by",
    "status",
    "details",
]

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets:
# "=HYPERLINK(...)" typed into a summary must not run when a reviewer opens the export
# (OWASP "CSV injection"). Tab and carriage return are included as OWASP advises.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def entry_status(entry: TimelineEntry) -> str:
    if entry.withdrawn:
        return "withdrawn"
    if entry.superseded:
        return "superseded"
    return "current"


def occurred_iso(entry: TimelineEntry) -> str:
    """ISO 8601 at the entry's own precision: 2019, 2019-06, 2019-06-16 or a date-time."""
    local = timezone.localtime(entry.when)
    if entry.precision == Precision.YEAR:
        return f"{local.year:04d}"
    if entry.precision == Precision.MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    if entry.precision == Precision.DAY:
        return local.date().isoformat()
    return local.isoformat(timespec="minutes")


def timeline_csv(entries: list[TimelineEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        recorded_at = timezone.localtime(e.recorded_at).isoformat() if e.recorded_at else ""
        row = [
            occurred_iso(e),
            e.precision,
            e.agency_name,
            e.entry_type,
            e.type_label,
            e.summary,
            recorded_at,
            e.recorded_by,
            entry_status(e),
            e.details_text,
        ]
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
