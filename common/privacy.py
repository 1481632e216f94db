"""Defence in depth for PIPL: an ID number is masked wherever text leaves a
person's hands: in every log line and traceback (code should never log one in
the first place) and in free text before it is stored (a rating's comment)."""

from __future__ import annotations

import logging
import re

from common.identity import mask_id

ID_LIKE = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"
)


def scrub(text: str) -> str:
    """`text` with every ID-number-shaped run masked (1101**********002X)."""
    return ID_LIKE.sub(lambda m: mask_id(m.group(0).upper()), text)


class IdNumberScrubber(logging.Filter):
    """Masks the message, the traceback (an exception's text may quote a value)
    and the stack of a record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install() -> None:
    """On every handler of the root logger (filters on a logger do not see
    records that propagate from children; handler filters do)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, IdNumberScrubber) for f in handler.filters):
            handler.addFilter(IdNumberScrubber())
