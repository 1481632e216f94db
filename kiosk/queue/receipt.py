"""The printed queue ticket: hall, business type, the big number, people
ahead, estimated wait, counters, time, the masked name on real-name tickets,
and a QR code to follow the queue on a phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from common.tickets import TicketReply
from drivers.printer.receipt import QR, Feed, Receipt, Rule, Text


def ticket_receipt(
    ticket: TicketReply,
    _: Callable[[str], str],
    *,
    hall_name: str,
    header: str = "",
    footer: str = "",
    masked_name: str = "",
    english: bool = False,
    now: datetime | None = None,
) -> Receipt:
    issued = (now or ticket.issued_at.astimezone()).strftime("%Y-%m-%d %H:%M")
    type_name = ticket.type_name_en if english and ticket.type_name_en else ticket.type_name
    blocks: list = []
    if header:
        blocks.append(Text(header, align="center"))
    blocks += [Text(hall_name, bold=True, align="center"), Text(type_name, size=2, bold=True, align="center"), Rule()]
    if ticket.ticket_class == "priority":
        blocks.append(Text(_("Green channel"), bold=True, align="center"))
    elif ticket.ticket_class == "appointment":
        blocks.append(Text(_("Appointment"), bold=True, align="center"))
    elif ticket.ticket_class == "remote":
        blocks.append(Text(_("Remote queue place"), bold=True, align="center"))
    blocks += [
        Text(ticket.number, size=3, bold=True, align="center"),
        Text(_("{n} people ahead of you").format(n=ticket.people_ahead), align="center"),
        Text(
            _("Estimated wait {low}-{high} min").format(low=ticket.wait_low_min, high=ticket.wait_high_min),
            align="center",
        ),
        Text(_("Served at: {counters}").format(counters="、".join(ticket.counters)), align="center"),
    ]
    if masked_name:
        blocks.append(Text(_("Ticket holder: {name}").format(name=masked_name), align="center"))
    if ticket.offline:  # staff know it joined the queue by issue time; the wait is the kiosk's last guess
        blocks.append(Text(_("Issued offline: your place is kept by the time on this ticket"), align="center"))
    blocks += [
        Feed(),
        QR(ticket.url, size=5, caption=_("Scan to follow the queue")),
        Rule(),
        Text(_("Taken {time}").format(time=issued), align="center"),
    ]
    if footer:
        blocks.append(Text(footer, align="center"))
    blocks.append(Feed(2))
    return Receipt(tuple(blocks), title="ticket")
