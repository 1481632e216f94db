"""Write assets/backoffice/sample.json: fictional citizens and companies for
the sample back-office adapter (certificates). Every ID number has a valid
GB 11643 check digit and every company a valid GB 32100 credit code, but
none is a real person or company. Deterministic: run again, same file.

    python scripts/build_sample_backoffice.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "assets" / "backoffice" / "sample.json"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=False)) % 11]


def uscc(first17: str) -> str:
    check = 31 - sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=False)) % 31
    return first17 + USCC_CHARS[0 if check == 31 else check]


PEOPLE = [  # name, first 17 digits, employer
    ("张伟明", "11010519491231002", "北京示例退休人员服务中心"),  # the demo card (GB 11643's worked example)
    ("李晓红", "11010819850612004", "示例科技有限公司"),
    ("王建国", "11010219720304001", "示例建设工程有限公司"),
    ("陈思雨", "11010519930918006", "示例文化传媒有限公司"),
    ("刘海涛", "11010619801125003", "示例物流有限公司"),
    ("赵敏", "11010719880207008", "示例餐饮管理有限公司"),
]
COMPANIES = [  # name, first 17 of the credit code, legal representative (index), kind, capital, founded
    ("示例科技有限公司", "91110108MA01ABCD1", 1, "有限责任公司（自然人投资或控股）", "500万元人民币", "2016-05-20"),
    ("示例文化传媒有限公司", "91110105MA02EFGH3", 3, "有限责任公司（自然人独资）", "100万元人民币", "2019-09-02"),
    (
        "示例建设工程有限公司",
        "91110102MA03JKLM5",
        2,
        "有限责任公司（自然人投资或控股）",
        "2000万元人民币",
        "2008-03-15",
    ),
    ("北京示例便民超市", "92110102MA04NPQR7", 2, "个体工商户", "10万元人民币", "2012-07-01"),
]


def months(rng: random.Random, count: int, base: int) -> list[dict]:
    out = []
    for i in range(count):
        year, month = 2026 - (1 if 10 - i <= 0 else 0), ((10 - i - 1) % 12) + 1
        out.append(
            {
                "month": f"{year}-{month:02d}",
                "base": base,
                "pension": round(base * 0.08, 2),
                "medical": round(base * 0.02 + 3, 2),
                "unemployment": round(base * 0.005, 2),
                "paid": True,
            }
        )
    return out


def main() -> None:
    rng = random.Random(20261121)
    people = []
    for index, (name, first17, employer) in enumerate(PEOPLE):
        base = rng.choice([6326, 7500, 9800, 12000, 15600])
        income = base * 1.3
        people.append(
            {
                "name": name,
                "id_number": id_number(first17),
                "social_insurance": {
                    "employer": employer,
                    "since": f"{2005 + index}-0{1 + index % 9}",
                    "insured_types": ["养老保险", "医疗保险", "失业保险", "工伤保险"],
                    "months": months(rng, 12, base),
                },
                "tax": {
                    "withholding_agent": employer,
                    "months": [
                        {
                            "month": m["month"],
                            "income": round(income, 2),
                            "tax": round(max(0.0, (income - 5000) * 0.03), 2),
                        }
                        for m in months(rng, 12, base)
                    ],
                },
                "real_estate": []
                if index % 3 == 2
                else [
                    {
                        "certificate": f"京(2018)朝阳区不动产权第00{31000 + index * 7}号",
                        "location": f"北京市示例区示例路{10 + index}号院{index + 1}号楼{index + 2}0{index + 1}",
                        "use": "住宅",
                        "area_m2": 60 + index * 17.5,
                        "ownership": "单独所有" if index % 2 else "共同共有",
                        "registered": f"2018-0{1 + index}-1{index}",
                        "mortgage": "有" if index % 2 else "无",
                        "seizure": "无",
                    }
                ],
            }
        )
    companies = []
    for name, first17, rep, kind, capital, founded in COMPANIES:
        companies.append(
            {
                "name": name,
                "credit_code": uscc(first17),
                "legal_representative": people[rep]["id_number"],
                "legal_representative_name": people[rep]["name"],
                "type": kind,
                "registered_capital": capital,
                "founded": founded,
                "address": f"北京市示例区示例大街{rng.randint(1, 200)}号",
                "scope": "技术开发、技术咨询、技术服务；销售日用品。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
                "authority": "北京市示例区市场监督管理局",
            }
        )
    OUT.write_text(
        json.dumps(
            {
                "_note": "fictional sample data for the sample back-office adapter: no real person or company",
                "people": people,
                "companies": companies,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT}: {len(people)} people, {len(companies)} companies")


if __name__ == "__main__":
    main()
