"""Where certificate data comes from. A deployment plugs its real systems
(social insurance, tax, real estate, market regulation) in behind
`BackOffice`; `SampleBackOffice` serves the bundled dataset of fictional
citizens and companies. Both are asked by keyed hash only: central never
needs the ID number, and a card holder only ever gets their own records (or
their company's, as its legal representative)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from central.config import CertificateKind
from common.assets import asset_path
from common.certificates import CertificateContent, CertificateField, CertificateTable
from common.identity import keyed_hash, mask_id, mask_name

SAMPLE = "backoffice/sample.json"


@dataclass(frozen=True)
class Subject:
    kind: str
    subject_ref: str  # "self", or a company's credit code
    label: str  # masked, for the kiosk's screen


class BackOffice(Protocol):
    def subjects(self, kinds: tuple[CertificateKind, ...], person_key: str) -> list[Subject]:
        """What this card holder may print."""
        ...

    def content(self, kind: CertificateKind, person_key: str, subject_ref: str) -> CertificateContent | None:
        """The certified content, or None when this person has no such record."""
        ...


def _mask_code(code: str) -> str:
    return code[:6] + "*" * 8 + code[-4:]


class SampleBackOffice:
    def __init__(self, id_hash_key: bytes, path: Path | None = None):
        data = json.loads((path or asset_path(SAMPLE)).read_text(encoding="utf-8"))
        self.people = {keyed_hash(id_hash_key, p["id_number"]): p for p in data["people"]}
        self.companies = data["companies"]

    def _companies_of(self, person: dict) -> list[dict]:
        return [c for c in self.companies if c["legal_representative"] == person["id_number"]]

    def subjects(self, kinds, person_key):
        person = self.people.get(person_key)
        if person is None:
            return []
        out = []
        for kind in kinds:
            if kind.subject == "company":
                out += [
                    Subject(kind.code, c["credit_code"], f"{c['name']}（{_mask_code(c['credit_code'])}）")
                    for c in self._companies_of(person)
                ]
            elif kind.code != "real_estate" or person.get("real_estate"):
                out.append(Subject(kind.code, "self", f"{mask_name(person['name'])} {mask_id(person['id_number'])}"))
        return out

    def content(self, kind, person_key, subject_ref):
        person = self.people.get(person_key)
        if person is None:
            return None
        if kind.subject == "company":
            company = next((c for c in self._companies_of(person) if c["credit_code"] == subject_ref), None)
            return _license(kind, company) if company else None
        build = {"social_insurance": _social_insurance, "tax": _tax, "real_estate": _real_estate}.get(kind.code)
        return build(kind, person) if build else None


def _who(kind: CertificateKind, person: dict, **extra) -> dict:
    return dict(title=kind.name, subject_name=person["name"], subject_id=mask_id(person["id_number"]), **extra)


def _social_insurance(kind, person):
    si = person["social_insurance"]
    rows = tuple(
        (
            m["month"],
            f"{m['base']:.2f}",
            f"{m['pension']:.2f}",
            f"{m['medical']:.2f}",
            f"{m['unemployment']:.2f}",
            "已缴" if m["paid"] else "欠缴",
        )
        for m in si["months"]
    )
    return CertificateContent(
        **_who(
            kind,
            person,
            fields=(
                CertificateField(label="参保单位", value=si["employer"]),
                CertificateField(label="首次参保年月", value=si["since"]),
                CertificateField(label="参保险种", value="、".join(si["insured_types"])),
            ),
            table=CertificateTable(
                columns=("缴费年月", "缴费基数", "养老(个人)", "医疗(个人)", "失业(个人)", "状态"), rows=rows
            ),
            statement=f"兹证明{person['name']}在本市参加社会保险，近{len(rows)}个月缴费情况如上。",
        )
    )


def _tax(kind, person):
    tax = person["tax"]
    rows = tuple((m["month"], f"{m['income']:.2f}", f"{m['tax']:.2f}", tax["withholding_agent"]) for m in tax["months"])
    total = sum(m["tax"] for m in tax["months"])
    return CertificateContent(
        **_who(
            kind,
            person,
            fields=(
                CertificateField(label="税款所属期", value=f"{rows[-1][0]} 至 {rows[0][0]}"),
                CertificateField(label="实缴(退)金额合计", value=f"{total:.2f} 元"),
            ),
            table=CertificateTable(columns=("所属期", "收入额", "实缴税额", "扣缴义务人"), rows=rows),
            statement="兹证明上述纳税人在上述期间缴纳税款如上（个人所得税）。",
        )
    )


def _real_estate(kind, person):
    rows = tuple(
        (
            r["certificate"],
            r["location"],
            r["use"],
            f"{r['area_m2']:.2f}",
            r["ownership"],
            r["registered"],
            r["mortgage"],
            r["seizure"],
        )
        for r in person["real_estate"]
    )
    return CertificateContent(
        **_who(
            kind,
            person,
            fields=(CertificateField(label="查询结果", value=f"名下登记不动产 {len(rows)} 处"),),
            table=CertificateTable(
                columns=("不动产权证号", "坐落", "用途", "面积(㎡)", "共有情况", "登记日期", "抵押", "查封"), rows=rows
            ),
            statement="以上信息为不动产登记簿记载的信息，查询结果仅反映查询时点的登记情况。",
        )
    )


def _license(kind, company):
    return CertificateContent(
        title=kind.name,
        subject_name=company["name"],
        subject_id=company["credit_code"],
        fields=tuple(
            CertificateField(label=k, value=v)
            for k, v in (
                ("统一社会信用代码", company["credit_code"]),
                ("名称", company["name"]),
                ("类型", company["type"]),
                ("法定代表人", company["legal_representative_name"]),
                ("注册资本", company["registered_capital"]),
                ("成立日期", company["founded"]),
                ("住所", company["address"]),
                ("经营范围", company["scope"]),
                ("登记机关", company["authority"]),
            )
        ),
        statement="本副本由法定代表人在政务服务自助终端打印，信息以国家企业信用信息公示系统为准。",
    )
