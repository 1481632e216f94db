#!/usr/bin/env python3
"""Build assets/catalog/sample_catalog.json from the seed list and
scripts/sample_catalog_spec.py. SAMPLE DATA: plausible, complete guides for a
fictional district, not legal advice. Run again after editing the spec."""

from __future__ import annotations

import csv
import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from sample_catalog_spec import DEPARTMENTS, SPEC, THEMES

from common.matters import MATTER_TYPES, Catalog

SEED = Path(__file__).resolve().parents[2] / "shared" / "design" / "data" / "seed_matters.csv"
OUT = ROOT / "assets" / "catalog" / "sample_catalog.json"
REGION = "990102"  # fictional: 示例市示例区
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HALL = "示例区政务服务中心"
ADDRESS = "示例市示例区人民路100号 示例区市民中心"
HOURS = "周一至周五 9:00-12:00，13:30-17:00（法定节假日除外）；周六上午 9:00-12:00 提供身份证、社保、医保、不动产查询等高频事项"
COMPLAINT = "12345（政务服务便民热线）"

LAWS = {
    "发展和改革局": "《企业投资项目核准和备案管理条例》",
    "公安分局": "《中华人民共和国居民身份证法》《中华人民共和国户口登记条例》",
    "民政局": "《社会救助暂行办法》《社会团体登记管理条例》",
    "司法局": "《法律援助法》《人民调解法》",
    "财政局": "《中华人民共和国会计法》《代理记账管理办法》",
    "人力资源和社会保障局": "《中华人民共和国社会保险法》《劳动争议调解仲裁法》",
    "自然资源和规划局": "《中华人民共和国土地管理法》《中华人民共和国城乡规划法》",
    "生态环境分局": "《中华人民共和国环境保护法》《排污许可管理条例》",
    "住房和城乡建设局": "《中华人民共和国建筑法》《城市房地产管理法》",
    "交通运输局": "《中华人民共和国道路运输条例》",
    "水务局": "《中华人民共和国水法》《城镇排水与污水处理条例》",
    "农业农村局": "《中华人民共和国农村土地承包法》《中华人民共和国土地管理法》",
    "林业局": "《中华人民共和国森林法》",
    "文化和旅游局": "《营业性演出管理条例》《娱乐场所管理条例》",
    "卫生健康局": "《中华人民共和国人口与计划生育法》",
    "市场监督管理局": "《中华人民共和国市场主体登记管理条例》",
    "医疗保障局": "《医疗保障基金使用监督管理条例》",
    "税务局": "《中华人民共和国税收征收管理法》",
    "教育局": "《中华人民共和国民办教育促进法》《教师资格条例》",
    "体育局": "《全民健身条例》",
    "城市管理局": "《城市绿化条例》《城市市容和环境卫生管理条例》",
    "退役军人事务局": "《退役军人保障法》",
    "不动产登记中心": "《不动产登记暂行条例》",
    "住房公积金管理中心": "《住房公积金管理条例》",
}
TYPE_LAW = {
    "01": "《中华人民共和国行政许可法》",
    "04": "《中华人民共和国税收征收管理法》",
    "05": "《社会救助暂行办法》",
}
CITIZEN_TOO = {
    "教师资格认定及资格审查",
    "会计从业资格证书核发",
    "农村村民宅基地审批",
    "林木采伐许可",
    "执业兽医注册",
    "收养登记",
    "个体工商户登记",
    "机动车及所有权转移、抵押登记",
    "国有土地范围内房屋所有权、抵押权、房屋更正登记",
    "土地及使用权抵押登记",
    "计划生育家庭特别扶助对象确定",
    "法律援助机构执业机构确定",
}
SCOPE = {
    "居民身份证办理": "cross_province",
    "临时身份证办理": "cross_province",
    "社会保障卡": "cross_city",
    "职工养老保险、工伤保险、生育保险、失业保险核定": "cross_province",
    "城镇居民医保的参保、续保": "cross_city",
    "职工医保的参保、续保": "cross_city",
    "个体工商户登记": "cross_county",
    "企业登记": "cross_county",
    "技能人员职业资格证书查询": "nationwide",
    "政府信息公开查询": "cross_county",
    "社会保险费征收": "cross_city",
    "营业税、企业所得税、个人所得税、印花税、资源税、房产税征收": "cross_city",
}


def uscc(index: int) -> str:
    """A fictional but well-formed unified social credit code (GB 32100)."""
    body8 = f"{57600000 + index * 137:08d}"
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum(int(d) * w for d, w in zip(body8, weights, strict=False)) % 11
    org = body8 + {10: "X", 11: "0"}.get(c, str(c))
    first17 = "11" + REGION + org
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_CHARS.index(ch) * wi for ch, wi in zip(first17, w, strict=False))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def material(spec: str) -> dict:
    parts = spec.split("|")
    name, originals, copies = parts[0], int(parts[1]), int(parts[2])
    flag = parts[3] if len(parts) > 3 else ""
    m = {
        "name": name,
        "originals": originals,
        "copies": copies,
        "required": not flag.startswith("c:"),
        "form": "paper_or_electronic" if flag == "e" else "paper",
    }
    if flag.startswith("c:"):
        m["condition"] = flag[2:]
    if "申请表" in name or "申请书" in name or "登记表" in name:
        m["issuer"] = "申请人自备（窗口可领取）"
        m["blank_form"] = f"https://zwfw.example.gov.cn/forms/{zlib.crc32(name.encode()):08x}"
        m["notes"] = "如实填写并签字（盖章）；窗口提供填写样例"
    elif "身份证" in name or "户口簿" in name:
        m["issuer"] = "公安机关"
        m["notes"] = "原件核验后退还；可使用电子证照（亮证）代替纸质原件"
    elif "营业执照" in name:
        m["issuer"] = "市场监督管理部门"
        m["notes"] = "可通过电子营业执照核验，免交复印件"
    elif "照片" in name:
        m["issuer"] = "现场采集或照相馆"
        m["notes"] = "近6个月内正面免冠彩色照片；服务中心可免费现场采集"
    else:
        m["issuer"] = "申请人自备或相关单位出具"
    return m


def process(case_kind: int, type_code: str) -> list[dict]:
    steps = [
        ("申请", "申请人通过窗口、网上办事大厅或移动端提交申请材料"),
        ("受理", "窗口人员当场核验材料：齐全且符合法定形式的予以受理，不齐全的一次性告知需补正的全部内容"),
    ]
    if case_kind == 1:
        steps += [("审查决定", "窗口当场审查，符合条件的当场作出决定"), ("办结", "当场发放结果或出具办理凭证")]
    else:
        steps += [
            ("审查", "承办科室对材料进行审查，需要现场核查的组织核查"),
            ("决定", "在承诺时限内作出准予或不予办理的决定；不予办理的书面说明理由并告知救济途径"),
            ("送达", "窗口领取、免费邮寄送达或电子证照推送"),
        ]
    if type_code == "04":
        steps[2:] = [
            ("核定", "核定应缴金额并开具缴款通知"),
            ("缴款", "通过窗口、银行或线上支付缴纳"),
            ("出具凭证", "出具完税（缴费）凭证"),
        ]
    return [{"name": n, "description": d} for n, d in steps]


def conditions(name: str, type_code: str, legal_person: bool) -> list[str]:
    who = "依法设立的法人或其他组织" if legal_person else "具有完全民事行为能力的自然人（未成年人由监护人代为申请）"
    c = [f"申请人为{who}", "申请材料齐全、真实、有效，符合法定形式"]
    if type_code == "01":
        c.append("符合法律、法规规定的许可条件和相关技术标准")
    elif type_code == "07":
        c.append("登记（确认）事项真实、合法，不存在权属争议")
    elif type_code == "05":
        c.append("家庭收入、财产状况符合本地救助（待遇）标准")
    elif type_code == "04":
        c.append("属于法定缴纳义务人")
    elif type_code == "10":
        c.append("已取得前置审批或相关资质")
    else:
        c.append("属于本中心服务范围的事项")
    if "调解" in name:
        c.append("双方当事人自愿调解")
    return c


def build() -> dict:
    with SEED.open(encoding="utf-8") as fh:
        seed = list(csv.DictReader(fh))
    missing = [r["name"] for r in seed if r["name"] not in SPEC]
    if missing:
        raise SystemExit(f"spec lacks: {missing}")
    dept_names = sorted({SPEC[r["name"]][0] for r in seed} | set(DEPARTMENTS), key=list(DEPARTMENTS).index)
    departments = [{"code": uscc(i + 1), "name": n, "name_en": DEPARTMENTS[n]} for i, n in enumerate(dept_names)]
    dept_code = {d["name"]: d["code"] for d in departments}
    window_of = {n: f"{i + 1}号窗口" for i, n in enumerate(dept_names)}
    codes: dict[str, str] = {}
    matters = []
    per_type_seq: dict[str, int] = {}
    for row in seed:
        name = row["name"]
        dept, pop, kind, promised, statutory, aliases, materials, result, fee = SPEC[name]
        type_code = row["type_code"]
        per_type_seq[type_code] = per_type_seq.get(type_code, 0) + 1
        basic = f"{type_code}{dept_names.index(dept) + 1:02d}{per_type_seq[type_code]:03d}000"
        code = f"11{REGION}{basic}0001"
        codes[name] = code
        legal_person = any("营业执照" in m and "|c:" not in m for m in materials) or (
            row["category"] in ("行政审批许可类", "备案审核类") and name not in CITIZEN_TOO
        )
        objects = ["legal_person"] if legal_person else ["citizen"]
        if name in CITIZEN_TOO or name in (
            "社会保险费征收",
            "营业税、企业所得税、个人所得税、印花税、资源税、房产税征收",
            "社会保障卡",
        ):
            objects = ["citizen", "legal_person"] if legal_person or "征收" in name else ["citizen"]
        fees = {"charged": False, "basis": "依法不收费"}
        if fee:
            fees = {
                "charged": True,
                "basis": "依据国家和省定收费标准",
                "items": [{"name": fee[0], "standard": fee[1], "reducible": "低保" in fee[1] or "资助" in fee[1]}],
            }
        online = pop >= 500 or type_code in ("04", "20")
        popular = pop >= 1000
        matters.append(
            {
                "code": code,
                "basic_code": basic,
                "name": name,
                "type_code": type_code,
                "group": row["group"],
                "category": row["category"],
                "department": dept,
                "department_code": dept_code[dept],
                "handling_office": f"{dept}行政审批科" if type_code in ("01", "10") else f"{dept}服务窗口",
                "level": "区级",
                "legal_basis": list(
                    dict.fromkeys(
                        ([TYPE_LAW[type_code]] if type_code in TYPE_LAW else [])
                        + LAWS[dept].replace("》《", "》|《").split("|")
                    )
                ),
                "summary": f"{name}由{dept}实施，属于{MATTER_TYPES[type_code]}类事项。"
                f"{'当场办结' if kind == 1 else f'受理后{promised}个工作日内办结'}，办理结果为：{result}。",
                "service_objects": objects,
                "aliases": aliases,
                "conditions": conditions(name, type_code, legal_person),
                "materials": [material(m) for m in materials],
                "process": process(kind, type_code),
                "statutory_limit": {
                    "value": statutory,
                    "unit": "working_days",
                    "note": "" if statutory else "即时办结",
                },
                "promised_limit": {
                    "value": promised,
                    "unit": "working_days",
                    "note": "材料齐全当场办结" if kind == 1 else "不含现场核查、公示和专家评审时间",
                },
                "case_kind": kind,
                "quantity_limit": "无数量限制",
                "fees": fees,
                "result": result,
                "result_sample": f"https://zwfw.example.gov.cn/samples/{code}.pdf",
                "scope": SCOPE.get(name, "local"),
                "channels": [1, 2, 3] if popular else ([1, 2] if online else [1]),
                "bookable": popular,
                "online_payment": bool(fee) and online,
                "delivery": kind == 2 and type_code not in ("04", "20"),
                "online_url": f"https://zwfw.example.gov.cn/guide/{code}",
                "visits": 0 if type_code == "20" and "咨询" in name else (1 if kind == 1 or online else 2),
                "location": {
                    "address": ADDRESS,
                    "hall": f"{HALL}一楼综合受理区" if popular else f"{HALL}二楼{dept}专窗",
                    "window": window_of[dept] + ("、综合窗口" if popular else ""),
                    "hours": HOURS,
                    "transport": "地铁2号线市民中心站B口；公交8路、36路市民中心站",
                },
                "consult_phone": f"0000-8{dept_names.index(dept) + 1:02d}00{per_type_seq[type_code]:03d}",
                "complaint_phone": COMPLAINT,
                "faq": [
                    {
                        "question": "可以委托他人代办吗？",
                        "answer": "可以。受托人需携带授权委托书和本人身份证件原件。"
                        if "身份证办理" not in name
                        else "首次申领和换领需本人到场采集人像和指纹；行动不便的可预约上门服务。",
                    },
                    {
                        "question": "材料不齐怎么办？",
                        "answer": "窗口将一次性告知需补正的全部材料；您也可以在自助终端打印本事项的一次性告知单。",
                    },
                ],
                "popularity": pop,
                "sample_data": True,
            }
        )
    themes = [
        {"id": tid, "name": n, "name_en": en, "audience": aud, "description": desc, "matters": [codes[m] for m in ms]}
        for tid, n, en, aud, desc, ms in THEMES
    ]
    by_code = {m["code"]: m for m in matters}
    for theme in themes:
        for code in theme["matters"]:
            by_code[code].setdefault("themes", []).append(theme["id"])
    catalog = {"departments": departments, "themes": themes, "matters": matters}
    Catalog.model_validate(catalog)  # the shipped sample must pass the same schema as any import
    return catalog


if __name__ == "__main__":
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: {len(data['matters'])} matters, {len(data['departments'])} departments, "
        f"{len(data['themes'])} themes"
    )
