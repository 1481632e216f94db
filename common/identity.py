"""The person on a card, and what may be shown of them.

Full values live only in memory for the length of a citizen session
(kiosk.session wipes them); screens, paper and logs get the masked forms, and
central gets a keyed hash where it must count per person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

# GB 3304: codes of China's 56 ethnic groups, 97 other, 98 foreign origin
NATIONS = dict(
    enumerate(
        (
            "汉",
            "蒙古",
            "回",
            "藏",
            "维吾尔",
            "苗",
            "彝",
            "壮",
            "布依",
            "朝鲜",
            "满",
            "侗",
            "瑶",
            "白",
            "土家",
            "哈尼",
            "哈萨克",
            "傣",
            "黎",
            "傈僳",
            "佤",
            "畲",
            "高山",
            "拉祜",
            "水",
            "东乡",
            "纳西",
            "景颇",
            "柯尔克孜",
            "土",
            "达斡尔",
            "仫佬",
            "羌",
            "布朗",
            "撒拉",
            "毛南",
            "仡佬",
            "锡伯",
            "阿昌",
            "普米",
            "塔吉克",
            "怒",
            "乌孜别克",
            "俄罗斯",
            "鄂温克",
            "德昂",
            "保安",
            "裕固",
            "京",
            "塔塔尔",
            "独龙",
            "鄂伦春",
            "赫哲",
            "门巴",
            "珞巴",
            "基诺",
        ),
        1,
    )
)
NATIONS.update({97: "其他", 98: "外国血统中国籍人士"})
GENDERS = {"0": "unknown", "1": "male", "2": "female", "9": "unstated"}


class InvalidIdentity(ValueError):
    """The card's data cannot be a real document (bad check digit, impossible date)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def id_check_char(first17: str) -> str:
    """GB 11643-1999: weighted sum of the first 17 digits, mod 11."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def validate_id_number(number: str) -> str:
    number = number.strip().upper()
    if not ID_PATTERN.match(number):
        raise InvalidIdentity("invalid_id", "an ID number is 17 digits and a check digit or X")
    if id_check_char(number[:17]) != number[17]:
        raise InvalidIdentity("invalid_id", "the ID number's check digit is wrong")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentity("invalid_id", "the ID number holds no valid birth date") from None
    return number


def keyed_hash(key: bytes, number: str, document_type: str = "resident_id") -> str:
    """What central sees of a person when it must count per person (HMAC-SHA256)."""
    return hmac.new(key, f"{document_type}:{number}".encode(), hashlib.sha256).hexdigest()


def keyed_parts(key: bytes, *parts: str) -> str:
    """A keyed hash of other personal keys (a phone number, a one-time code with its phone, a
    message address), so central can match and count them without keeping them (HMAC-SHA256
    over the parts joined by "|")."""
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def mask_id(number: str) -> str:
    """1101**********123X: region start and last four, as on tickets and screens."""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """张*三, 张*, 欧阳**; Latin names keep the first letter of each part."""
    name = name.strip()
    if not name:
        return ""
    if re.search(r"[A-Za-z]", name):
        return " ".join(p[0] + "*" * (len(p) - 1) for p in name.split())
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if len(name) == 3:
        return name[0] + "*" + name[2]
    return name[:2] + "*" * (len(name) - 2)


@dataclass(frozen=True)
class Identity:
    """What a card says. `id_number` is a Chinese resident ID (validated);
    other documents carry `document_number` instead."""

    name: str
    birth_date: date
    gender: str = "unknown"  # male, female, unknown, unstated
    id_number: str = ""
    document_type: str = "resident_id"  # resident_id, eid, ...
    document_number: str = ""
    nation: str = ""
    nationality: str = "CHN"
    address: str = field(default="", repr=False)
    authority: str = ""
    valid_from: date | None = None
    valid_to: date | None = None  # None: 长期 (no expiry)

    def __post_init__(self):
        if self.id_number:
            object.__setattr__(self, "id_number", validate_id_number(self.id_number))

    def __repr__(self) -> str:  # never the full number, even in a traceback
        return f"Identity({self.masked_name!r}, {self.masked_number!r}, {self.document_type})"

    __str__ = __repr__

    @property
    def number(self) -> str:
        return self.id_number or self.document_number

    @property
    def masked_number(self) -> str:
        return mask_id(self.number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def expired_on(self, day: date) -> bool:
        return self.valid_to is not None and self.valid_to < day

    def keyed_hash(self, key: bytes) -> str:
        return keyed_hash(key, self.number, self.document_type)
