"""Outbox senders: an item's payload back into its wire model, sent to
central; central's refusals that will never change become `Permanent`."""
from __future__ import annotations

from typing import Callable

from pydantic import BaseModel

from kiosk.sync.client import CentralError
from kiosk.sync.outbox import Permanent

RETRY_CODES = {"bad_signature", "stale_request", "replayed_request"}  # clock skew, races: try again


def send(call: Callable[[BaseModel], object], model: type[BaseModel]):
    def sender(payload: dict) -> None:
        try:
            call(model.model_validate(payload))
        except CentralError as exc:
            if exc.kind == "rejected" and exc.status not in (401, 408, 429) and exc.code not in RETRY_CODES:
                raise Permanent(f"{exc.code}: {exc}") from None
            raise
    return sender


def senders_for(central) -> dict:
    from common.certificates import PrintAudit, RatingRequest

    return {"print": send(central.record_print, PrintAudit), "rating": send(central.rate, RatingRequest)}
