"""The matter (事项) and its service guide (办事指南), after GB/T 39046-2020
(政务服务平台基础数据规范, data set 事项管理). One schema: central stores and
serves it, kiosks keep a local copy and render guides from it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from common.wire import WireModel

# GB/T 39046 appendix A
MATTER_TYPES: dict[str, str] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}
CHANNELS: dict[int, str] = {1: "窗口办理", 2: "电脑端", 3: "移动端", 4: "快递"}
SCOPES: dict[str, str] = {
    "nationwide": "全国通办",
    "cross_province": "跨省通办",
    "cross_city": "全省通办",
    "cross_county": "全市通办",
    "local": "属地办理",
}
TypeCode = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"]
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_uscc(value: str) -> str:
    """GB 32100 unified social credit code: 18 characters from its alphabet."""
    if not USCC.match(value):
        raise ValueError("expected an 18-character unified social credit code")
    return value


class TimeLimit(WireModel):
    value: int = Field(ge=0, le=3650)
    unit: Literal["working_days", "natural_days"] = "working_days"
    note: str = Field(default="", max_length=300)


class Material(WireModel):
    name: str = Field(min_length=1, max_length=200)
    issuer: str = Field(default="", max_length=100, description="who issues it (来源渠道)")
    form: Literal["paper", "electronic", "paper_or_electronic"] = "paper"
    originals: int = Field(default=1, ge=0, le=20)
    copies: int = Field(default=0, ge=0, le=20)
    required: bool = True
    condition: str = Field(default="", max_length=200, description="when a conditional material is needed")
    notes: str = Field(default="", max_length=500)
    blank_form: str = Field(default="", max_length=300, description="URL of the blank form")
    sample: str = Field(default="", max_length=300, description="URL of a filled-in sample")


class ProcessStep(WireModel):
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=500)


class FeeItem(WireModel):
    name: str = Field(max_length=100)
    standard: str = Field(max_length=200)
    reducible: bool = False


class Fees(WireModel):
    charged: bool = False
    basis: str = Field(default="", max_length=300)
    items: tuple[FeeItem, ...] = ()


class Location(WireModel):
    address: str = Field(max_length=200)
    hall: str = Field(default="", max_length=100)
    window: str = Field(default="", max_length=60)
    hours: str = Field(default="", max_length=200)
    transport: str = Field(default="", max_length=200)


class Faq(WireModel):
    question: str = Field(max_length=300)
    answer: str = Field(max_length=2000)


class Department(WireModel):
    code: str = Field(description="unified social credit code (18 chars)")
    name: str = Field(max_length=60)
    name_en: str = Field(default="", max_length=120)

    _uscc = field_validator("code")(classmethod(lambda cls, v: check_uscc(v)))


class Matter(WireModel):
    """One administrative matter with its complete service guide."""

    code: str = Field(pattern=r"^[0-9A-Z]{6,24}$", description="implementation code (实施编码)")
    basic_code: str = Field(pattern=r"^[0-9A-Z]{4,10}$", description="basic code (基本编码)")
    name: str = Field(min_length=2, max_length=100)
    type_code: TypeCode
    group: str = Field(max_length=40, description="e.g. 行政职权事项, 便民服务事项")
    category: str = Field(max_length=40, description="e.g. 行政审批许可类")
    department: str = Field(max_length=60, description="implementing body (实施主体) name")
    department_code: str = Field(description="implementing body's unified social credit code")
    co_departments: tuple[str, ...] = ()
    handling_office: str = Field(default="", max_length=60, description="承办机构")
    level: str = Field(default="区级", max_length=20, description="行使层级")
    legal_basis: tuple[str, ...] = Field(default=(), max_length=20)
    summary: str = Field(default="", max_length=1000, description="what the matter is, in plain words")
    service_objects: tuple[Literal["citizen", "legal_person"], ...] = ("citizen",)
    themes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = Field(default=(), max_length=20)
    conditions: tuple[str, ...] = Field(default=(), max_length=30)
    materials: tuple[Material, ...] = Field(default=(), max_length=60)
    process: tuple[ProcessStep, ...] = Field(default=(), max_length=20)
    special_procedures: str = Field(default="", max_length=500)
    statutory_limit: TimeLimit
    promised_limit: TimeLimit
    case_kind: Literal[1, 2] = Field(description="1 即办件 (on the spot), 2 承诺件 (within the promised limit)")
    quantity_limit: str = Field(default="无数量限制", max_length=200)
    fees: Fees = Fees()
    result: str = Field(default="", max_length=200, description="result name, e.g. the licence issued")
    result_sample: str = Field(default="", max_length=300)
    scope: Literal["nationwide", "cross_province", "cross_city", "cross_county", "local"] = "local"
    channels: tuple[Literal[1, 2, 3, 4], ...] = (1,)
    bookable: bool = False
    online_payment: bool = False
    delivery: bool = False
    online_url: str = Field(default="", max_length=300)
    visits: int = Field(default=1, ge=0, le=10, description="到办事现场次数")
    location: Location
    consult_phone: str = Field(max_length=40)
    complaint_phone: str = Field(max_length=40)
    faq: tuple[Faq, ...] = Field(default=(), max_length=30)
    popularity: int = Field(default=0, ge=0, description="cases per year; ranks search and 常办事项")
    sample_data: bool = Field(default=False, description="marked sample data, not legal advice")

    _uscc = field_validator("department_code")(classmethod(lambda cls, v: check_uscc(v)))

    @model_validator(mode="after")
    def _limits(self) -> Matter:
        if (
            self.case_kind == 2
            and self.promised_limit.unit == self.statutory_limit.unit
            and self.promised_limit.value > self.statutory_limit.value
        ):
            raise ValueError("promised_limit is longer than statutory_limit")
        return self

    @property
    def type_name(self) -> str:
        return MATTER_TYPES[self.type_code]


class Theme(WireModel):
    """A life-event or business-event bundle (场景式主题服务)."""

    id: str = Field(pattern=r"^[a-z0-9_-]{2,40}$")
    name: str = Field(max_length=40)
    name_en: str = Field(default="", max_length=80)
    audience: Literal["citizen", "legal_person"] = "citizen"
    description: str = Field(default="", max_length=500)
    matters: tuple[str, ...] = Field(description="matter codes, in the order they are usually done")


class Catalog(WireModel):
    """A whole catalog: what `catalog import` reads and the sample ships as."""

    departments: tuple[Department, ...]
    themes: tuple[Theme, ...] = ()
    matters: tuple[Matter, ...]


class CatalogDelta(WireModel):
    """GET /api/v1/catalog?since=V: what changed after version V (everything when V=0)."""

    version: int = Field(ge=0, description="the catalog version this brings the kiosk to")
    full: bool = Field(description="true: replace the local copy; false: apply on top of it")
    departments: tuple[Department, ...]
    themes: tuple[Theme, ...]
    matters: tuple[Matter, ...]
    removed: tuple[str, ...] = Field(default=(), description="codes of matters withdrawn since V")


def catalog_etag(version: int) -> str:
    """The ETag of catalog version `version`; a kiosk sends its own as If-None-Match."""
    return f'"catalog-{version}"'


class MatterSite(WireModel):
    """A site where a matter is handled (事项进驻)."""

    site: str
    name: str
    name_en: str = ""
    address: str = ""
    windows: tuple[int, ...] = Field(default=(), description="counter numbers; empty: any counter")
    distance_km: float | None = None


class MatterAvailability(WireModel):
    """Where a matter of the city-wide catalog can be done, seen from one site."""

    code: str
    here: bool = Field(description="the asking kiosk's site handles it")
    here_windows: tuple[int, ...] = ()
    elsewhere: tuple[MatterSite, ...] = Field(default=(), description="other sites handling it, nearest first")
