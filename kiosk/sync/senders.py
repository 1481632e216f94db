"""Outbox senders: an item's payload back into its wire model, sent to
central; central's refusals that will never change become `Permanent`."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from kiosk.sync.client import CentralError
from kiosk.sync.outbox import Permanent

RETRY_CODES = {"bad_signature", "stale_request", "replayed_request"}  # clock skew, races: try again


def send(call: Callable[[BaseModel], object], model: type[BaseModel], *, retry_codes: frozenset[str] = frozenset()):
    """`retry_codes`: refusals that mean "not yet" for this kind (a print
    record whose ticket is still on its way)."""

    def sender(payload: dict) -> None:
        try:
            call(model.model_validate(payload))
        except CentralError as exc:
            if (
                exc.kind == "rejected"
                and exc.status not in (401, 408, 429)
                and exc.code not in RETRY_CODES | retry_codes
            ):
                raise Permanent(f"{exc.code}: {exc}") from None
            raise

    return sender


def senders_for(central) -> dict:
    from common import wire
    from common.certificates import PrintAudit
    from common.ratings import RatingRequest
    from common.tickets import AbandonRequest, OfflineTicket, TicketPrint

    def abandon(payload: dict) -> None:
        """A held ticket request reaches the worker only when the citizen never
        saw its answer (offline fallback, or a crash): cancel it at central."""
        send(central.abandon_ticket, AbandonRequest)({"request_id": payload["request_id"]})

    def case_rating(payload: dict) -> None:
        from common.ratings import KioskCaseRating

        send(lambda rating: central.rate_case(payload["case_number"], rating), KioskCaseRating)(payload["rating"])

    return {
        "case_rating": case_rating,
        "print": send(central.record_print, PrintAudit),
        "rating": send(central.rate, RatingRequest),
        "ticket": abandon,
        "offline_ticket": send(central.deliver_offline_ticket, OfflineTicket),
        "ticket_print": send(central.record_ticket_print, TicketPrint, retry_codes=frozenset({"unknown_ticket"})),
        "fault": send(central.report_fault, wire.Fault),
        "help": send(central.call_for_help, wire.HelpCall),
        "usage": send(central.report_usage, wire.UsageReport),
    }
