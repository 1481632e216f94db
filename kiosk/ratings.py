"""好差评 at the kiosk: five levels (domain.md §3), reasons for a bad rating,
optional text.

- The kiosk's own service (a guide, a ticket, a certificate, the hall): the
  rating carries only what was rated, never the card holder, and goes to
  central through the outbox.
- A case (办件) handled at a window, found by ticket number or by the ID card
  on the reader: rated once (一次一评) straight at central, which refuses a
  second rating; when central cannot be reached the rating waits in the
  outbox under the same key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from common.privacy import scrub
from common.ratings import BAD_LEVELS, RATING_REASONS, CaseInfo, CaseQuery, KioskCaseRating, RatingRequest
from common.ratings import RatingSubject as RatedKind
from kiosk.i18n import N_
from kiosk.sync.client import CentralError
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


class CaseProblem(Exception):
    """Why cases cannot be found or rated now: `reason` picks the citizen's words."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason  # offline, already_rated, rating_closed, refused, no_card


def _reason(exc: CentralError) -> str:
    if exc.kind in ("network", "garbled") or exc.status in (502, 503, 504):
        return "offline"
    return exc.code if exc.code in ("already_rated", "rating_closed", "card_not_present") else "refused"


class RatingService:
    def __init__(self, outbox: Outbox, worker: OutboxWorker | None = None, central=None, session=None):
        self.outbox = outbox
        self.worker = worker
        self.central = central  # None when the kiosk is not enrolled: cases cannot be looked up
        self.session = session

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

    # -- cases handled at a window ------------------------------------------
    def find_cases(self, number: str = "", by_card: bool = False) -> list[CaseInfo]:
        """Today's cases of a ticket number here, or the card holder's recent cases (on a worker thread)."""
        if self.central is None:
            raise CaseProblem("offline", "this kiosk is not enrolled")
        try:
            query = CaseQuery(number=number.upper())
            if by_card:
                token = self.session.citizen_token(self.central.present_card) if self.session else None
                if token is None:
                    raise CaseProblem("no_card", "read the ID card first")
                query = CaseQuery(citizen=token)
            return list(self.central.find_cases(query).cases)
        except CentralError as exc:
            raise CaseProblem(_reason(exc), str(exc)) from None

    def rate_case(
        self, case_number: str, level: int, reasons: tuple[str, ...] = (), text: str = "", by_card: bool = False
    ) -> str:
        """Rate a case at central (on a worker thread): "rated", or "queued"
        when central is away (the outbox sends it later; a second rating it
        then refuses is only logged). CaseProblem when central refuses."""
        if level not in LEVELS:
            raise ValueError(f"level is 1-5, got {level}")
        token = ""
        if by_card and self.session is not None and self.central is not None:
            try:
                token = self.session.citizen_token(self.central.present_card) or ""
            except CentralError:
                token = ""  # rated without the card's link: still one rating, counted at this site
        rating = KioskCaseRating(
            key=f"case-{uuid.uuid4().hex}",
            level=level,
            reasons=tuple(r for r in reasons if r in REASONS) if self.is_bad(level) else (),
            text=scrub(text.strip())[:500],
            citizen=token,
        )
        if self.central is not None:
            try:
                self.central.rate_case(case_number, rating)
                return "rated"
            except CentralError as exc:
                if _reason(exc) != "offline":
                    raise CaseProblem(_reason(exc), str(exc)) from None
        # the citizen's token would expire before delivery: the queued rating counts at this site
        queued = rating.model_copy(update={"citizen": ""})
        self.outbox.put(
            "case_rating", rating.key, {"case_number": case_number, "rating": queued.model_dump(mode="json")}
        )
        if self.worker:
            self.worker.kick()
        return "queued"
