"""The citizen's phone on the wire: slots and their free places, the
verified mobile number, bookings and remote queue places (线上取号), and the
subscriptions that bring messages (SMS, WeChat, Web Push)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from common.tickets import TYPE_CODE
from common.wire import SITE_CODE, WireModel

MOBILE = r"^1[3-9][0-9]{9}$"  # a mainland mobile number, 11 digits
BookingKind = Literal["slot", "remote"]
BookingState = Literal["booked", "checked_in", "missed", "cancelled"]


def mask_phone(phone: str) -> str:
    """138****5678: as on every page and message."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_name(name: str) -> str:
    """张*, 欧阳** : the family name's first character, then stars."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


class Slot(WireModel):
    start: datetime
    end: datetime
    quota: int
    free: int
    bookable: bool = Field(description="false once the cutoff before the slot has passed")


class DaySlots(WireModel):
    site: str
    type: str
    day: date
    open: bool = Field(description="false on a closed weekday or a holiday of the site")
    slots: list[Slot]
    remote: bool = Field(description="the site offers a remote queue place (线上取号) for this type today")


class CodeRequest(WireModel):
    phone: str = Field(pattern=MOBILE)


class CodeSent(WireModel):
    phone_masked: str
    expires_in_s: int
    resend_after_s: int


class VerifyRequest(WireModel):
    phone: str = Field(pattern=MOBILE)
    code: str = Field(pattern=r"^[0-9]{6}$")


class PhoneSession(WireModel):
    token: str
    phone_masked: str
    expires_at: datetime


class Identity(WireModel):
    """Who the booking is for: the name and the resident ID number (central
    keeps a keyed hash and the masked forms only)."""

    name: str = Field(min_length=1, max_length=20)
    id_number: str = Field(min_length=15, max_length=18)


class PhoneBookingRequest(Identity):
    site: str = Field(pattern=SITE_CODE)
    type: str = Field(pattern=TYPE_CODE)
    slot_start: AwareDatetime
    matter_code: str | None = Field(default=None, max_length=64)


class RemoteRequest(Identity):
    site: str = Field(pattern=SITE_CODE)
    type: str = Field(pattern=TYPE_CODE)
    matter_code: str | None = Field(default=None, max_length=64)


class ChangeRequest(WireModel):
    slot_start: AwareDatetime


class BookingCard(WireModel):
    """A booking as its holder sees it (masked), with what may still be done."""

    code: str
    kind: BookingKind
    state: BookingState
    site: str
    site_name: str
    type: str
    type_name: str
    matter_code: str | None
    matter_name: str
    slot_start: datetime
    slot_end: datetime = Field(description="a remote place: the check-in deadline")
    name_masked: str
    id_masked: str
    changeable_until: datetime | None = Field(description="cancel or change until then; null: no longer")
    ticket_id: str | None = None


class PushKeys(WireModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=60)


class PushSubscription(WireModel):
    """What the browser's PushSubscription.toJSON() gives."""

    endpoint: str = Field(pattern=r"^https?://", max_length=1000)
    keys: PushKeys
    expirationTime: float | None = None


class Subscribed(WireModel):
    channel: Literal["sms", "wechat", "webpush"]
    id: int


class WeChatSubscription(WireModel):
    openid: str = Field(pattern=r"^[A-Za-z0-9_-]{10,64}$")


class VapidKey(WireModel):
    public_key: str = Field(description="the application server key, base64url (for pushManager.subscribe)")


class OptOut(WireModel):
    phone: str | None = Field(default=None, pattern=MOBILE)
    endpoint: str | None = Field(default=None, max_length=1000)
