"""好差评 on the wire: the kiosk's rating of its own service, the case (办件)
a counter handled and its one rating (一次一评, GB/T 39734-2020), and the form
a rating takes on its way to the provincial 好差评 system.

Levels follow GB/T 39046: 1 very satisfied ... 5 very dissatisfied; 4 and 5
are bad reviews. Codes sent onwards are mapped per deployment
([ratings] level_codes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from common.wire import WireModel

RatingSubject = Literal["ticket", "certificate", "guide", "hall", "case"]
RATING_LEVELS = (1, 2, 3, 4, 5)
BAD_LEVELS = (4, 5)
RATING_REASONS = ("attitude", "slow", "unclear_guide", "too_many_materials", "device_fault", "other")
LEVEL_NAMES = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
REASON_NAMES = {
    "attitude": "服务态度差",
    "slow": "办理时间长",
    "unclear_guide": "办事指南不清晰",
    "too_many_materials": "材料要求多",
    "device_fault": "设备故障",
    "other": "其他",
}

# What a counter records when it finishes a ticket (the case's outcome)
CaseOutcome = Literal["accepted", "completed", "correction", "rejected"]
OUTCOME_NAMES = {"accepted": "受理", "completed": "办结", "correction": "补正", "rejected": "不予受理"}
# Channels of GB/T 39734: window evaluator, QR code (the ticket's phone page), self-service terminal
RatingChannel = Literal["window", "qr", "terminal"]
CHANNEL_NAMES = {"window": "窗口评价器", "qr": "二维码", "terminal": "政务大厅其他终端"}
# A bad review's follow-up: contact the citizen, resolve (rectify), close
FollowUpState = Literal["open", "contacted", "resolved", "closed"]
FOLLOW_UP_STEPS = ("contacted", "resolved", "closed")
MATTER_CODE = r"^[0-9A-Za-z._-]{1,24}$"


class RatingRequest(WireModel):
    """A kiosk's rating of its own service (a guide, a ticket, a certificate,
    the hall). Never carries who rated (domain.md §3)."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    level: int = Field(ge=1, le=5, description="GB/T 39046: 1 very satisfied ... 5 very dissatisfied")
    subject: RatingSubject
    subject_ref: str = Field(default="", max_length=64, description="matter code, ticket type or certificate kind")
    reasons: tuple[str, ...] = ()
    text: str = Field(default="", max_length=500)
    at: datetime


class HandledMatter(WireModel):
    code: str = Field(pattern=MATTER_CODE, description="the matter's code in the catalog")
    outcome: CaseOutcome


class FinishRequest(WireModel):
    """What the counter handled for the ticket it finishes: each matter becomes a case."""

    matters: tuple[HandledMatter, ...] = Field(default=(), max_length=10)


class CaseInfo(WireModel):
    """A case as the citizen and the evaluator see it: nothing about who the citizen is."""

    case_number: str
    site: str
    site_name: str
    counter: int
    counter_name: str
    staff_name: str
    matter_code: str
    matter_name: str
    outcome: CaseOutcome
    finished_at: datetime
    rate_until: datetime
    rateable: bool = Field(description="not rated yet and still within the rating period")
    level: int | None = Field(default=None, description="the rating given, once rated")
    follow_up: FollowUpState | None = Field(default=None, description="a bad review's follow-up state")


class CasesReply(WireModel):
    cases: tuple[CaseInfo, ...]


class CaseRating(WireModel):
    level: int = Field(ge=1, le=5)
    reasons: tuple[str, ...] = Field(default=(), max_length=len(RATING_REASONS))
    text: str = Field(default="", max_length=500)


class CaseQuery(WireModel):
    """A kiosk looks for cases to rate: today's cases of a ticket number at its
    site, or the recent cases of the card holder in front of it (`citizen`:
    the token central gave for the card)."""

    number: str = Field(default="", pattern=r"^([A-Za-z][A-Za-z0-9]{0,3}[0-9]{2,4})?$")
    citizen: str = Field(default="", max_length=64)


class KioskCaseRating(CaseRating):
    """A case rated at a kiosk; `citizen`: the token of the card read there,
    when the citizen found the case by their ID card."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    citizen: str = Field(default="", max_length=64)


class RatedCase(WireModel):
    case_number: str
    level: int
    follow_up: FollowUpState | None = None


class ProvinceRating(WireModel):
    """One rating as the provincial 好差评 interfaces take it (camelCase on the
    wire). A kiosk's rating of its own service has its own case number and no
    matter, counter or staff."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    idempotency_key: str
    case_number: str
    matter_code: str = ""
    matter_name: str = ""
    channel: RatingChannel
    channel_name: str
    level: str = Field(description="the deployment's code for the level")
    level_name: str
    reasons: tuple[str, ...] = ()
    reason_names: tuple[str, ...] = ()
    comment: str = ""
    rated_at: str = Field(description="local time, ISO 8601 with offset")
    region_code: str
    site_code: str
    department_code: str = ""
    counter: str = ""
    staff_id: str = ""
    rater_hash: str = Field(default="", description="keyed hash of the rater; empty when not known")
