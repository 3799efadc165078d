"""Logging filters."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """Drop the traceback Django attaches to a 4xx response's log record (PermissionDenied,
    Http404): the line saying what was refused is enough, and a traceback per refusal
    buries real errors. 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
