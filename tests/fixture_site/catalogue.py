"""The authorities, columns and site presets the fixture sites are built from (data, not code).

Column paths, ids and list styles copy the real sites of research/gov-sites.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fixture_site.model import ColumnSpec


@dataclass(frozen=True, slots=True)
class Authority:
    """An education authority: its names, the prefix of its document numbers, its web identity."""

    name: str
    province: str
    city: str
    doc_prefix: str
    domain: str
    site_code: str
    phone_area: str


AUTHORITIES: dict[str, Authority] = {
    "shanxi": Authority(
        "山西省教育厅", "山西", "太原", "晋教", "jyt.shanxi.gov.cn", "1400000108", "0351"
    ),
    "zhejiang": Authority(
        "浙江省教育厅", "浙江", "杭州", "浙教", "jyt.zj.gov.cn", "3300000071", "0571"
    ),
    "heilongjiang": Authority(
        "黑龙江省教育厅", "黑龙江", "哈尔滨", "黑教", "jyt.hlj.gov.cn", "2300000040", "0451"
    ),
    "hebei": Authority(
        "河北省教育厅", "河北", "石家庄", "冀教", "jyt.hebei.gov.cn", "1300000057", "0311"
    ),
    "fujian": Authority(
        "福建省教育厅", "福建", "福州", "闽教", "jyt.fujian.gov.cn", "3500000063", "0591"
    ),
    "hainan": Authority(
        "海南省教育厅", "海南", "海口", "琼教", "edu.hainan.gov.cn", "4600000014", "0898"
    ),
    "tianjin": Authority(
        "天津市教育委员会", "天津", "天津", "津教委", "jy.tj.gov.cn", "1200000026", "022"
    ),
}

_TRS_COLUMNS = (
    ColumnSpec("gzdt", "工作动态", "news", "/xwzx/gzdt/", style="moe", number=18871),
    ColumnSpec("tzgg", "通知公告", "notice", "/xwzx/tzgg/", style="moe", number=18872),
    ColumnSpec("zcwj", "政策文件", "policy", "/zwgk/zcwj/", style="moe", number=18901),
    # 天津: the URL sits in onclick="isDownLoad(this,'…')", the href is javascript:.
    ColumnSpec("tjtz", "通知公告", "notice", "/ZWGK_52172/TZGG/", style="onclick", number=52180),
    # 山西 公告通知: many items link straight to P0….pdf files.
    ColumnSpec(
        "ggtz", "公告通知", "notice", "/xwzx/ggtz/", style="shanxi", number=18873, file_ratio=0.5
    ),
)
_HANWEB_COLUMNS = (
    ColumnSpec("jyyw", "教育要闻", "news", "/col/col1543974/", "zjeg", 1543974, 4729348),
    ColumnSpec("tzgg", "通知公告", "notice", "/col/col1229266336/", "zoom", 1229266336, 4735063),
    ColumnSpec("zcwj", "政策文件", "policy", "/col/col1229106823/", "zoom", 1229106823, 4735064),
)
_JSON_COLUMNS = (
    ColumnSpec(
        "jytdt",
        "教育厅动态",
        "news",
        "/jyt/c110481/",
        number=110481,
        channel="d9459b0a5b814070974bee87b113b6a1",
    ),
    ColumnSpec(
        "tzgg",
        "通知公告",
        "notice",
        "/jyt/c110487/",
        number=110487,
        channel="bffa5a0ba13c428bb95799f87aa2e9fe",
    ),
    ColumnSpec(
        "sxq",
        "市县区动态",
        "news",
        "/jyt/c110482/",
        number=110482,
        channel="443c0ba9d1a74f709497959900a6025e",
    ),
)
_CSS_COLUMNS = (
    ColumnSpec("zxdt", "最新动态", "news", "/edu/zxdt/", style="dl"),
    ColumnSpec("gsgg", "公示公告", "notice", "/edu/gsgg/", style="dl", date_format="%m-%d"),
)

COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "trs": _TRS_COLUMNS,
    "hanweb": _HANWEB_COLUMNS,
    "json_search": _JSON_COLUMNS,
    "css": _CSS_COLUMNS,
}


@dataclass(frozen=True, slots=True)
class Preset:
    """A named kind of site: a layout, its authority, default columns and site options."""

    layout: str
    authority: str
    columns: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "trs": Preset("trs", "shanxi", ("gzdt", "tzgg", "zcwj")),
    "trs_index2": Preset("trs", "shanxi", ("gzdt", "tzgg"), {"first_index": 2}),
    "tianjin": Preset("trs", "tianjin", ("tjtz",)),
    "hanweb": Preset("hanweb", "zhejiang", ("jyyw", "tzgg", "zcwj")),
    "json_search": Preset("json_search", "heilongjiang", ("jytdt", "tzgg", "sxq")),
    "gbk": Preset("trs", "hebei", ("gzdt", "tzgg"), {"encoding": "gbk", "charset_lie": True}),
    "challenge": Preset("trs", "fujian", ("gzdt", "tzgg"), {"challenge": True}),
    "pdf_list": Preset("trs", "shanxi", ("ggtz",)),
    "css": Preset("css", "hainan", ("zxdt", "gsgg")),
}
FAMILIES = tuple(PRESETS)


def column_specs(layout: str, keys: tuple[str, ...]) -> tuple[ColumnSpec, ...]:
    """The specs of the named columns of a layout; an unknown key is a clear error."""
    known = {spec.key: spec for spec in COLUMNS[layout]}
    missing = [key for key in keys if key not in known]
    if missing:
        raise KeyError(f"unknown {layout} column(s) {missing}; known: {sorted(known)}")
    return tuple(known[key] for key in keys)
