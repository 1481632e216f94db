"""A matter's service guide as sections and rows, ready for a screen or
paper. Labels go through the translator; the guide's own content is the
catalog's (published in Chinese)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from common import speech
from common.matters import Material, Matter, TimeLimit
from kiosk.i18n import N_

TYPE_LABELS = {
    "01": N_("Administrative licence"),
    "02": N_("Administrative penalty"),
    "03": N_("Administrative enforcement"),
    "04": N_("Administrative levy"),
    "05": N_("Administrative benefit"),
    "06": N_("Administrative inspection"),
    "07": N_("Administrative confirmation"),
    "08": N_("Administrative award"),
    "09": N_("Administrative ruling"),
    "10": N_("Other administrative power"),
    "20": N_("Public service"),
}
CHANNEL_LABELS = {1: N_("At the window"), 2: N_("Online (computer)"), 3: N_("Mobile app"), 4: N_("By post")}
SCOPE_LABELS = {
    "nationwide": N_("Nationwide"),
    "cross_province": N_("Across provinces"),
    "cross_city": N_("Anywhere in the province"),
    "cross_county": N_("Anywhere in the city"),
    "local": N_("Local office only"),
}


@dataclass(frozen=True)
class Row:
    kind: str  # field, text, material, step, qa
    text: str
    label: str = ""
    detail: str = ""
    badge: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: tuple[Row, ...]


def time_limit(limit: TimeLimit, _: Callable[[str], str]) -> str:
    if limit.value == 0:
        return _("On the spot")
    unit = _("{n} working days") if limit.unit == "working_days" else _("{n} calendar days")
    return unit.format(n=limit.value)


def material_counts(m: Material, _: Callable[[str], str]) -> str:
    parts = []
    if m.originals:
        parts.append(_("Original ×{n}").format(n=m.originals))
    if m.copies:
        parts.append(_("Copies ×{n}").format(n=m.copies))
    if m.form != "paper":
        parts.append(_("Electronic accepted"))
    return " · ".join(parts) or _("Shown or collected on site")


def case_kind(matter: Matter, _: Callable[[str], str]) -> str:
    return _("Done on the spot") if matter.case_kind == 1 else _("Done within the promised time")


def build_guide(matter: Matter, _: Callable[[str], str]) -> list[Section]:
    overview = [
        Row("field", _(TYPE_LABELS[matter.type_code]), _("Type")),
        Row("field", matter.department, _("Department")),
        Row("field", case_kind(matter, _), _("Kind of case")),
        Row(
            "field",
            time_limit(matter.promised_limit, _)
            + "  ("
            + _("statutory: {limit}").format(limit=time_limit(matter.statutory_limit, _))
            + ")",
            _("Time limit"),
        ),
        Row(
            "field",
            _("{n} visit(s)").format(n=matter.visits) if matter.visits else _("No visit needed"),
            _("Visits to the hall"),
        ),
        Row("field", _(SCOPE_LABELS[matter.scope]), _("Where it can be done")),
        Row("field", "、".join(_(CHANNEL_LABELS[c]) for c in matter.channels), _("Channels")),
        Row("field", matter.code, _("Matter code")),
    ]
    if matter.summary:
        overview.insert(0, Row("text", matter.summary))
    materials = [
        Row(
            "material",
            m.name,
            detail="；".join(
                x
                for x in (
                    _("Needed if: {condition}").format(condition=m.condition) if m.condition else "",
                    m.notes,
                    m.issuer,
                )
                if x
            ),
            badge=material_counts(m, _),
            optional=not m.required,
        )
        for m in matter.materials
    ]
    fees = (
        [Row("text", _("Free of charge"))]
        if not matter.fees.charged
        else [
            Row("field", f.standard + ("（" + _("reducible") + "）" if f.reducible else ""), f.name)
            for f in matter.fees.items
        ]
    )
    loc = matter.location
    sections = [
        Section("overview", _("Overview"), tuple(overview)),
        Section("materials", _("Materials to bring"), tuple(materials) or (Row("text", _("No materials needed")),)),
        Section("conditions", _("Who can apply"), tuple(Row("text", c) for c in matter.conditions)),
        Section("process", _("Steps"), tuple(Row("step", s.name, detail=s.description) for s in matter.process)),
        Section("fees", _("Fees"), tuple(fees)),
        Section(
            "where",
            _("Where and when"),
            tuple(
                r
                for r in (
                    Row("field", loc.address, _("Address")),
                    Row("field", loc.hall, _("Hall")),
                    Row("field", loc.window, _("Window")),
                    Row("field", loc.hours, _("Opening hours")),
                    Row("field", loc.transport, _("Getting there")),
                )
                if r.text
            ),
        ),
        Section("result", _("What you receive"), (Row("text", matter.result or "-"),)),
        Section(
            "contact",
            _("Questions and complaints"),
            (Row("field", matter.consult_phone, _("Enquiries")), Row("field", matter.complaint_phone, _("Complaints"))),
        ),
        Section("basis", _("Legal basis"), tuple(Row("text", b) for b in matter.legal_basis)),
        Section("faq", _("Common questions"), tuple(Row("qa", f.question, detail=f.answer) for f in matter.faq)),
    ]
    return [s for s in sections if s.rows]


def spoken_section(section: Section, _: Callable[[str], str]) -> list[str]:
    """A section as it is read aloud: its title, then each row as a person would
    read it (a field with its label, a numbered material with its copies),
    long text cut where a reader pauses."""
    lines = [section.title]
    for number, row in enumerate(section.rows, 1):
        if row.kind == "field":
            lines.append(f"{row.label}：{row.text}")
        elif row.kind in ("material", "step"):
            extra = "，".join(x for x in (row.badge, row.detail) if x)
            lines.append(f"{number}. {row.text}" + (f"，{extra}" if extra else ""))
        elif row.kind == "qa":
            lines.append(f"{_('Q: ')}{row.text} {_('A: ')}{row.detail}")
        else:
            lines.append(row.text)
    return [sentence for line in lines for sentence in speech.sentences(line)]
