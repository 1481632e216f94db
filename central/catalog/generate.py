"""`kiosk-central catalog generate --matters N`: a synthetic catalog of any
size, for benchmarks. Names are built from real service-hall vocabulary so
search sees realistic pinyin, shared words and polyphonic characters."""

from __future__ import annotations

import random

from common.matters import Catalog

QUALIFIERS = ["", "个人", "企业", "农村", "城镇", "涉外", "临时", "特殊"]
OBJECTS = [
    "道路挖掘",
    "户外广告设置",
    "食品经营",
    "药品零售",
    "特种设备使用",
    "出租汽车经营",
    "殡葬设施建设",
    "物业服务",
    "档案查询",
    "残疾人证",
    "老年人优待证",
    "生育登记",
    "就业登记",
    "失业登记",
    "公积金提取",
    "公积金贷款",
    "住房租赁",
    "渔业捕捞",
    "农药经营",
    "兽药经营",
    "种子生产经营",
    "河道采砂",
    "取水",
    "河道管理范围内建设项目",
    "城市道路占用",
    "燃气经营",
    "供热经营",
    "建筑垃圾处置",
    "城市树木砍伐",
    "大型群众性活动",
    "文物修缮",
    "宗教活动场所",
    "出版物零售",
    "印刷经营",
    "互联网上网服务",
    "电影放映",
    "旅行社设立",
    "导游证",
    "医师执业",
    "护士执业",
    "医疗机构执业",
    "母婴保健技术服务",
    "放射诊疗",
    "公共场所卫生",
    "生活饮用水供水单位",
    "职业病诊断",
    "学校卫生",
    "犬只养殖",
    "动物诊疗",
    "动物防疫条件",
    "生猪定点屠宰",
    "农机驾驶证",
    "拖拉机登记",
    "船舶登记",
    "船员适任",
    "港口经营",
    "道路货物运输",
    "危险货物运输",
    "驾驶员培训",
    "客运站经营",
    "城市公交线路",
    "水路运输",
    "建设工程质量检测",
    "房屋建筑施工图审查",
    "建筑业企业资质",
    "监理企业资质",
    "造价咨询",
    "招标代理",
    "商品房预售",
    "房屋租赁登记",
    "住宅专项维修资金",
    "既有住宅加装电梯",
    "人防工程",
    "地名命名",
    "门牌号码",
    "婚姻登记",
    "慈善组织认定",
    "养老机构",
    "社区服务设施",
    "退役士兵安置",
    "优抚对象",
    "烈士褒扬",
    "军人家属优待",
    "法律职业资格",
    "公证",
    "司法鉴定",
    "律师执业",
    "基层法律服务",
    "人民陪审员",
    "户籍证明",
    "居住证",
    "出入境证件",
    "治安保卫",
    "保安服务",
    "民用爆炸物品",
    "烟花爆竹经营",
    "校外培训机构",
    "幼儿园设立",
    "中小学转学",
    "学籍证明",
    "高中招生",
    "职业技能等级",
    "专业技术职称",
    "人才引进",
    "就业创业补贴",
    "稳岗返还",
    "工伤认定",
    "劳动能力鉴定",
    "企业年金",
    "个人权益记录",
    "养老保险关系转移",
    "医保关系转移",
    "异地就医备案",
    "门诊慢特病",
    "生育医疗费",
    "医疗费用报销",
    "税务登记",
    "发票领用",
    "增值税申报",
    "个税汇算",
    "契税缴纳",
    "车船税",
    "印花税申报",
    "纳税信用",
    "出口退税",
    "社保费缴纳",
    "不动产查询",
    "土地出让",
    "林权登记",
    "草原使用",
    "野生动物驯养",
    "矿产勘查",
    "测绘资质",
    "地质灾害治理",
    "环境影响评价",
    "辐射安全",
    "固体废物转移",
    "噪声排放",
    "水土保持方案",
    "洪水影响评价",
    "城市排水接入",
    "节水评价",
    "体育赛事",
    "健身场所",
    "文艺表演团体",
    "演出经纪",
    "艺术品经营",
    "网络文化经营",
    "广播电视设施",
    "卫星接收设施",
]
ACTIONS = [
    "许可",
    "审批",
    "登记",
    "备案",
    "核准",
    "变更",
    "注销",
    "延续",
    "补办",
    "证明开具",
    "查询",
    "年度报告",
    "认定",
    "资格确认",
]
SUFFIXES = ["", "（镇街受理）", "（跨区通办）"]
MATERIAL_POOL = [
    "申请表|1|0",
    "申请人有效身份证件|1|1",
    "营业执照或统一社会信用代码证书|1|1",
    "场所使用证明|1|1",
    "相关资质证书|1|1",
    "技术方案|1|0",
    "安全管理制度|1|0",
    "授权委托书|1|0|c:委托代办的",
    "现场照片|2|0",
    "承诺书|1|0",
    "检测报告|1|0",
    "合同或协议|1|1",
]


def _names(n: int, rng: random.Random) -> list[str]:
    combos = [(q, o, a, s) for s in SUFFIXES for q in QUALIFIERS for o in OBJECTS for a in ACTIONS]
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} distinct synthetic matters")
    rng.shuffle(combos)
    return [f"{q}{o}{a}{s}" for q, o, a, s in combos[:n]]


def generate(n: int, seed: int = 20261121, base: Catalog | None = None) -> dict:
    """A catalog dict of `n` matters (valid against common.matters.Catalog)."""
    import json
    from pathlib import Path

    rng = random.Random(seed)
    if base is None:
        from common.assets import asset_path

        base = Catalog.model_validate_json(Path(asset_path("catalog/sample_catalog.json")).read_text(encoding="utf-8"))
    departments = [d.model_dump() for d in base.departments]
    template = json.loads(base.matters[0].model_dump_json())
    matters = []
    for i, name in enumerate(_names(n, rng)):
        dept = rng.choice(departments)
        type_code = rng.choice(["01", "01", "07", "10", "20", "05", "04"])
        kind = rng.choice([1, 2])
        statutory = rng.choice([5, 10, 20, 30, 60])
        m = dict(template)
        materials = []
        for spec in rng.sample(MATERIAL_POOL, rng.randint(2, 6)):
            parts = spec.split("|")
            mat = {"name": parts[0], "originals": int(parts[1]), "copies": int(parts[2])}
            if len(parts) > 3:
                mat.update(required=False, condition=parts[3][2:])
            materials.append(mat)
        basic = f"{type_code}{i % 100:02d}{i // 100:06d}"[:10]
        m.update(
            code=f"99{i:020d}",
            basic_code=basic,
            name=name,
            type_code=type_code,
            department=dept["name"],
            department_code=dept["code"],
            themes=[],
            aliases=[name[:4]] if rng.random() < 0.1 else [],
            materials=materials,
            statutory_limit={"value": statutory, "unit": "working_days", "note": ""},
            promised_limit={"value": 0 if kind == 1 else max(1, statutory // 2), "unit": "working_days", "note": ""},
            case_kind=kind,
            popularity=int(rng.paretovariate(1.2) * 10),
            summary=f"{name}（合成数据，仅用于性能测试）",
            sample_data=True,
        )
        matters.append(m)
    return {"departments": departments, "themes": [], "matters": matters}
