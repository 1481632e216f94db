"""Wire formats between kiosk and central, imported by both sides.

Central uses these models for its request and response bodies (so they appear
in /openapi.json); the kiosk validates every answer against the same models,
so a garbled reply is caught at the edge with a precise message.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(WireModel):
    code: str = Field(description="stable machine-readable code, e.g. 'bad_signature'")
    message: str = Field(description="what went wrong and what to do, for an operator")


class ErrorReply(WireModel):
    error: ErrorBody


class EnrollRequest(WireModel):
    code: str = Field(min_length=4, max_length=64, description="one-time enrollment code")
    version: str = Field(max_length=40)
    hostname: str = Field(default="", max_length=120)


class EnrollReply(WireModel):
    kiosk_id: str
    name: str
    secret: str = Field(description="per-kiosk HMAC secret, base64; shown once")
    id_hash_key: str = Field(description="per-deployment key (base64) for keyed hashes of ID numbers")
    server_time: datetime


DeviceState = Literal["ok", "warning", "fault", "absent", "unknown"]


class DeviceStatus(WireModel):
    state: DeviceState
    detail: str = Field(default="", max_length=300)


class HeartbeatRequest(WireModel):
    version: str = Field(max_length=40)
    uptime_s: float = Field(ge=0)
    sent_at: datetime
    devices: dict[str, DeviceStatus] = Field(default_factory=dict, max_length=32)


class HeartbeatReply(WireModel):
    server_time: datetime
    kiosk_name: str


class Health(WireModel):
    status: Literal["ok"]
    version: str
    database: str
