"""A small sample city for the demo, benchmarks and `catalog generate --city`:
a city hall, two district halls, a street 便民服务中心 and two 24-hour
self-service points (a community centre, a bank lobby), each with kiosks.
Coordinates are made up but consistent, so "nearest hall" means something."""

from __future__ import annotations

import random

CITY_TYPES = [
    {"code": "A", "name": "综合业务", "name_en": "General services", "avg_minutes": 6.0},
    {"code": "B", "name": "社保医保", "name_en": "Social insurance and medical insurance", "avg_minutes": 8.0},
    {"code": "C", "name": "不动产登记", "name_en": "Real estate registration", "avg_minutes": 15.0},
    {"code": "D", "name": "企业开办", "name_en": "Starting a business", "avg_minutes": 12.0},
    {"code": "E", "name": "户籍证件", "name_en": "Household registration and ID cards", "avg_minutes": 7.0},
    {"code": "GJJ", "name": "住房公积金", "name_en": "Housing provident fund", "avg_minutes": 10.0},
]
WEEKDAYS = {"open": "09:00", "close": "17:00", "days": [1, 2, 3, 4, 5], "holidays": ["2026-10-01", "2026-10-02"]}
SIX_DAYS = {"open": "08:30", "close": "18:00", "days": [1, 2, 3, 4, 5, 6], "holidays": ["2026-10-01"]}
ALWAYS = {"open": "00:00", "close": "24:00", "days": [1, 2, 3, 4, 5, 6, 7], "holidays": []}


def _counters(plan: list[tuple[int, list[str]]]) -> list[dict]:
    return [{"number": n, "name": f"{n}号窗口", "types": types} for n, types in plan]


def sample_city(matter_codes: list[str] | None = None, seed: int = 20261201) -> dict:
    """The city as `kiosk-central sites import` reads it. With `matter_codes`,
    the 便民服务中心 handles a fifth of them (事项进驻); the halls list none, so
    they handle every matter."""
    rng = random.Random(seed)
    centre_matters = {}
    if matter_codes:
        chosen = sorted(rng.sample(matter_codes, max(1, len(matter_codes) // 5)))
        centre_matters = {code: str(rng.choice([1, 2])) for code in chosen}
    return {
        "sites": [
            {
                "code": "city-hall",
                "kind": "hall",
                "name": "示例市政务服务中心",
                "name_en": "Sample City Government Service Center",
                "address": "示例市人民大道1号",
                "latitude": 39.9042,
                "longitude": 116.4074,
                "hours": SIX_DAYS,
                "types": CITY_TYPES,
                "counters": _counters(
                    [(1, []), (2, ["A", "E"]), (3, ["B"]), (4, ["B"]), (5, ["C"]), (6, ["D", "A"]), (7, ["GJJ"])]
                ),
                "kiosks": ["city-hall-kiosk-1", "city-hall-kiosk-2"],
            },
            {
                "code": "dongcheng-hall",
                "kind": "hall",
                "name": "示例市东城区政务服务中心",
                "name_en": "Dongcheng District Government Service Center",
                "address": "东城区和平路88号",
                "latitude": 39.9289,
                "longitude": 116.4160,
                "hours": WEEKDAYS,
                "types": CITY_TYPES[:5],
                "counters": _counters([(1, []), (2, ["B"]), (3, ["C"]), (4, ["D", "E"])]),
                "kiosks": ["dongcheng-kiosk-1"],
            },
            {
                "code": "xicheng-hall",
                "kind": "hall",
                "name": "示例市西城区政务服务中心",
                "name_en": "Xicheng District Government Service Center",
                "address": "西城区长安街200号",
                "latitude": 39.9123,
                "longitude": 116.3660,
                "hours": WEEKDAYS,
                "types": CITY_TYPES[:3] + CITY_TYPES[4:5],
                "counters": _counters([(1, []), (2, ["A", "E"]), (3, ["B", "C"])]),
                "kiosks": ["xicheng-kiosk-1"],
            },
            {
                "code": "heping-centre",
                "kind": "centre",
                "name": "和平街道便民服务中心",
                "name_en": "Heping Street Citizen Service Centre",
                "address": "东城区和平街道办事处一层",
                "latitude": 39.9350,
                "longitude": 116.4200,
                "hours": WEEKDAYS,
                "types": [
                    {"code": "A", "name": "综合受理", "name_en": "General intake", "avg_minutes": 7.0},
                    {"code": "B", "name": "社保医保", "name_en": "Social insurance", "avg_minutes": 8.0},
                ],
                "counters": _counters([(1, ["A"]), (2, ["A", "B"])]),
                "matters": centre_matters,
                "kiosks": ["heping-kiosk-1"],
            },
            {
                "code": "guanghua-247",
                "kind": "self_service",
                "name": "光华社区24小时自助服务点",
                "name_en": "Guanghua Community 24-hour Self-service Point",
                "address": "西城区光华社区服务站门厅",
                "latitude": 39.9180,
                "longitude": 116.3720,
                "hours": ALWAYS,
                "matters": {},
                "kiosks": ["guanghua-kiosk-1"],
            },
            {
                "code": "bank-lobby-247",
                "kind": "self_service",
                "name": "示例银行人民路支行自助服务点",
                "name_en": "Sample Bank Renmin Road Branch Self-service Point",
                "address": "示例市人民路66号 示例银行大厅",
                "latitude": 39.9000,
                "longitude": 116.4300,
                "hours": ALWAYS,
                "matters": {},
                "kiosks": ["bank-lobby-kiosk-1"],
            },
        ]
    }
