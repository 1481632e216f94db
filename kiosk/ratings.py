"""好差评 at the kiosk: five levels (domain.md §3), reasons for a bad rating,
optional text. The rating is never linked to the card holder: it carries only
what was rated (a matter, a ticket type, a certificate kind) and goes to
central through the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from common.privacy import scrub
from common.ratings import BAD_LEVELS, RATING_REASONS, RatingRequest
from common.ratings import RatingSubject as RatedKind
from kiosk.i18n import N_
from kiosk.sync.outbox import Outbox, OutboxWorker

LEVELS = {
    1: N_("Very satisfied"),
    2: N_("Satisfied"),
    3: N_("Basically satisfied"),
    4: N_("Dissatisfied"),
    5: N_("Very dissatisfied"),
}
REASONS = {
    "attitude": N_("Staff attitude"),
    "slow": N_("Took too long"),
    "unclear_guide": N_("Guide unclear"),
    "too_many_materials": N_("Too many materials"),
    "device_fault": N_("Kiosk or printer fault"),
    "other": N_("Other"),
}
assert set(REASONS) == set(RATING_REASONS)


@dataclass(frozen=True)
class RatingSubject:
    kind: RatedKind  # ticket, certificate, guide, hall
    ref: str  # business type letter, certificate kind, matter code
    title: str  # what the screen says is being rated


class RatingService:
    def __init__(self, outbox: Outbox, worker: OutboxWorker | None = None):
        self.outbox = outbox
        self.worker = worker

    @staticmethod
    def is_bad(level: int) -> bool:
        return level in BAD_LEVELS

    def submit(self, subject: RatingSubject, level: int, reasons: tuple[str, ...] = (), text: str = "") -> str:
        if level not in LEVELS:
            raise ValueError(f"level is 1-5, got {level}")
        rating = RatingRequest(
            key=f"rating-{uuid.uuid4().hex}",
            level=level,
            subject=subject.kind,
            subject_ref=subject.ref[:64],
            reasons=tuple(r for r in reasons if r in REASONS) if self.is_bad(level) else (),
            text=scrub(text.strip())[:500],  # never send an ID number typed into the comment
            at=datetime.now(UTC),
        )
        self.outbox.put("rating", rating.key, rating.model_dump(mode="json"))
        if self.worker:
            self.worker.kick()
        return rating.key
