"""Logging filters (generic: no domain app here)."""

import logging


class OneLineBelow500(logging.Filter):
    """On `django.request`: a 4xx answer raised as an exception (PermissionDenied, BadRequest) is
    logged as one line, its reason appended, without the traceback; a 5xx keeps its traceback."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and status < 500 and record.exc_info:
            reason = " ".join(str(record.exc_info[1] or "").split())[:300]  # one line, whatever it holds
            if reason and isinstance(record.args, tuple):
                record.msg = f"{record.msg} — %s"
                record.args = (*record.args, reason)
            record.exc_info = None
            record.exc_text = None
        return True
