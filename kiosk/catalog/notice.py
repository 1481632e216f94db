"""一次性告知单: everything a citizen must bring, on the ticket printer, so
they come back once with the right papers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from common.matters import Matter
from drivers.printer.receipt import QR, Feed, Receipt, Rule, Text
from kiosk.catalog.guide import case_kind, material_counts, time_limit


def notice_receipt(
    matter: Matter,
    _: Callable[[str], str],
    *,
    hall_name: str,
    guide_url: str,
    kiosk_name: str = "",
    now: datetime | None = None,
) -> Receipt:
    now = now or datetime.now()
    blocks: list = [
        Text(hall_name, bold=True, align="center"),
        Text(_("One-time notice"), size=2, bold=True, align="center"),
        Rule(),
        Text(_("Matter: {name}").format(name=matter.name), bold=True),
        Text(_("Department: {name}").format(name=matter.department)),
        Text(_("{kind}, {limit}").format(kind=case_kind(matter, _), limit=time_limit(matter.promised_limit, _))),
        Rule(),
        Text(_("Materials to bring ({n}):").format(n=len(matter.materials)), bold=True),
    ]
    for i, m in enumerate(matter.materials, 1):
        blocks.append(Text(f"{i}. {m.name}"))
        blocks.append(Text("   " + material_counts(m, _)))
        if m.condition:
            blocks.append(Text("   " + _("Needed if: {condition}").format(condition=m.condition)))
    if not matter.materials:
        blocks.append(Text(_("No materials needed")))
    fee = (
        _("Free of charge")
        if not matter.fees.charged
        else "；".join(f"{f.name}：{f.standard}" for f in matter.fees.items)
    )
    loc = matter.location
    blocks += [
        Rule(),
        Text(_("Where: {place}").format(place=" ".join(x for x in (loc.hall, loc.window) if x))),
        Text(_("Address: {address}").format(address=loc.address)),
        Text(_("Hours: {hours}").format(hours=loc.hours)),
        Text(_("Fees: {fees}").format(fees=fee)),
        Text(_("Enquiries: {phone}").format(phone=matter.consult_phone)),
        Feed(),
        QR(guide_url.format(code=matter.code), size=6, caption=_("Scan for the full guide")),
        Rule(),
        Text(
            _("Printed {time}").format(time=now.strftime("%Y-%m-%d %H:%M")) + (f"  {kiosk_name}" if kiosk_name else ""),
            align="center",
        ),
        Text(_("For reference; the window's check of your papers decides."), align="center"),
    ]
    if matter.sample_data:
        blocks.append(Text(_("Sample data, not legal advice."), align="center"))
    blocks.append(Feed(2))
    return Receipt(tuple(blocks), title="notice")
