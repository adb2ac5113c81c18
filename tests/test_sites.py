"""Site YAML -> SiteConfig: the shipped files, all errors of a broken folder at once, overrides."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crawler.adapters.css import CssOptions
from crawler.adapters.hanweb import HanwebOptions
from crawler.adapters.json_search import JsonSearchOptions
from crawler.adapters.trs import TrsOptions
from crawler.normalize.model import ExtractionRules
from crawler.sites import (
    ConfigError,
    Schedule,
    SiteConfig,
    SiteConfigError,
    load_site,
    load_sites,
)
from tests.paths import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVINCES = (
    *("beijing", "tianjin", "hebei", "shanxi", "neimenggu", "liaoning", "jilin", "heilongjiang"),
    *("shanghai", "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi", "shandong", "henan"),
    *("hubei", "hunan", "guangdong", "guangxi", "hainan", "chongqing", "sichuan", "guizhou"),
    *("yunnan", "xizang", "shaanxi", "gansu", "qinghai", "ningxia", "xinjiang"),
)

GOOD = """\
id: good
name: 山西省教育厅
authority: 山西
adapter: trs
columns:
  - name: 公告通知
    url: http://jyt.shanxi.gov.cn/xwzx/ggtz/
    category: notice
"""


def write_site(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / "sites" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return path


def site_from(text: str, tmp_path: Path) -> SiteConfig:
    write_site(tmp_path, "good.yaml", text)
    return load_site(tmp_path, "good")


# --- the shipped configuration ------------------------------------------------------------------


def test_every_shipped_site_file_loads() -> None:
    result = load_sites(ROOT / "config")
    assert result.errors == ()
    assert {site.id for site in result.sites} == {"moe", *PROVINCES}
    assert len(result.files) == 32
    for site in result.sites:
        categories = {column.category for column in site.columns}
        assert categories & {"news", "notice"}, site.id
        assert site.render == "auto"


def test_shipped_files_say_they_are_unverified_at_the_top() -> None:
    for path in sorted((ROOT / "config" / "sites").glob("*.yaml")):
        head = path.read_text("utf-8").split("\nid:")[0]
        assert head.startswith("# ") and "UNVERIFIED" in head, path.name


def test_shipped_families_match_the_research() -> None:
    sites = {site.id: site for site in load_sites(ROOT / "config").sites}
    assert {sid for sid, site in sites.items() if site.adapter == "hanweb"} >= {
        "jiangsu",
        "zhejiang",
        "shandong",
    }
    assert sites["heilongjiang"].adapter == sites["gansu"].adapter == "json_search"
    assert sites["moe"].adapter == "trs"
    assert sites["moe"].name == "中华人民共和国教育部" and sites["moe"].authority == "教育部"
    # TRS-style static lists page like TRS: by the page's own links, index_N as the family does
    for sid in ("henan", "guangxi", "guizhou", "shaanxi", "ningxia", "neimenggu", "chongqing"):
        assert sites[sid].adapter == "trs", sid
    # pages linked by a.pagination-index: auto follows them, no file name is guessed
    assert sites["sichuan"].adapter == sites["xinjiang"].adapter == "auto"
    # the disclosure platform may answer JSON with upper-case keys: auto reads it
    hubei = {column.name: column.adapter for column in sites["hubei"].effective_columns()}
    assert hubei["规范性文件"] == hubei["政策解读"] == "auto"
    tianjin = sites["tianjin"].column("通知公告")
    assert tianjin.list_selectors.link_attr == "onclick"
    assert tianjin.list_selectors.link_pattern is not None


# --- one broken folder, every error ------------------------------------------------------------


def broken_folder(root: Path) -> None:
    write_site(root, "good.yaml", GOOD)
    write_site(
        root,
        "beijing.yaml",
        """\
        id: beijing
        name: 北京市教育委员会
        authority: 北京
        adapter: trs
        colour: red
        schedule: "61 * * * *"
        columns:
          - name: 通知公告
            url: https://jw.beijing.gov.cn/tzgg/
            category: notice
          - name: 教育新闻
            url: jw.beijing.gov.cn/jyzx/jyxw/
            category: news
            schedule: 15x
        """,
    )
    write_site(root, "copy.yaml", GOOD)  # id good: duplicate, and not its file name
    write_site(root, "renamed.yaml", GOOD.replace("id: good", "id: hebei"))
    write_site(root, "syntax.yaml", "id: syntax\nname: 天津\nauthority: 天津\n  adapter: trs\n")
    write_site(root, "browser.yaml", GOOD.replace("id: good", "id: browser") + "render: always\n")
    write_site(
        root, "nocolumns.yml", "id: nocolumns\nname: 河北省教育厅\nauthority: 河北\nadapter: css\n"
    )
    write_site(root, "empty.yaml", "# nothing here yet\n")
    write_site(root, "gbk.yaml", GOOD.replace("id: good", "id: gbk"), encoding="gbk")
    write_site(root, "twice.yaml", GOOD.replace("id: good", "id: twice") + "name: 又一个名字\n")
    write_site(
        root,
        "css.yaml",
        GOOD.replace("id: good", "id: css").replace("adapter: trs", "adapter: css"),
    )
    write_site(
        root, "options.yaml", GOOD.replace("id: good", "id: options") + "options:\n  webid: 3\n"
    )
    write_site(root, "alist.yaml", "- id: alist\n- name: x\n")
    (root / "sites" / "notes.txt").write_text("not a site", "utf-8")


EXPECTED_ERRORS = [
    # file, line, key, words of the message
    ("alist.yaml", 1, "(file)", "expected a mapping of site settings"),
    ("beijing.yaml", 5, "colour", "unknown key; expected one of: id, name, authority"),
    ("beijing.yaml", 6, "schedule", "'61 * * * *'"),
    ("beijing.yaml", 12, "columns[1].url", "expected an absolute http:// or https:// URL"),
    ("beijing.yaml", 14, "columns[1].schedule", "interval such as 30s, 15m, 2h or 1d, got '15x'"),
    ("browser.yaml", 9, "render", "expected 'http', 'browser' or 'auto', got 'always'"),
    ("copy.yaml", 1, "id", "expected 'copy' (the file name without .yaml), got 'good'"),
    ("copy.yaml", 1, "id", "expected a unique site id; 'good' is already the id in"),
    ("css.yaml", 6, "columns[0].list", "expected list.item"),
    ("empty.yaml", 1, "(file)", "the file is empty"),
    ("gbk.yaml", 2, "(file)", "expected UTF-8 text"),
    ("nocolumns.yml", 1, "columns", "missing: this key is required"),
    ("options.yaml", 10, "options.webid", "unknown key; expected one of: first_index"),
    ("renamed.yaml", 1, "id", "expected 'renamed' (the file name without .yaml), got 'hebei'"),
    ("syntax.yaml", 4, "(file)", "expected valid YAML: mapping values are not allowed here"),
    ("twice.yaml", 9, "name", "expected each key once"),
]


def test_a_broken_folder_gives_every_error_in_one_run(tmp_path: Path) -> None:
    broken_folder(tmp_path)
    result = load_sites(tmp_path)
    found = [(e.file.name, e.line, e.key) for e in result.errors]
    assert found == [(name, line, key) for name, line, key, _ in EXPECTED_ERRORS]
    for error, (*_, words) in zip(result.errors, EXPECTED_ERRORS, strict=True):
        assert words in error.message, error
    assert [site.id for site in result.sites] == ["good"]
    assert len(result.files) == 13  # notes.txt is not a site file
    assert result.summary() == "1 site, 1 column, 1 enabled"


def test_an_error_renders_file_line_key_and_what_was_expected(tmp_path: Path) -> None:
    broken_folder(tmp_path)
    url_error = next(e for e in load_sites(tmp_path).errors if e.key == "columns[1].url")
    assert str(url_error) == (
        f"{tmp_path}/sites/beijing.yaml:12: columns[1].url: expected an absolute http:// or "
        "https:// URL, got 'jw.beijing.gov.cn/jyzx/jyxw/'"
    )
    assert ConfigError(Path("x.yaml"), None, "(file)", "gone").render() == "x.yaml: (file): gone"


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", GOOD + "schedul: 2h\n")
    [error] = load_sites(tmp_path).errors
    assert (error.line, error.key) == (9, "schedul")
    assert "did you mean schedule?" in error.message


def test_nested_errors_point_at_their_own_line(tmp_path: Path) -> None:
    text = GOOD + textwrap.dedent(
        """\
        list:
          item: "ul li["
          link_attr: "on click"
        article:
          remove:
            - div.ok
            - "p::text"
        headers:
          Referer: "a\\nb"
        encoding: klingon
        max_pages: 0
        """
    )
    write_site(tmp_path, "good.yaml", text)
    errors = {(e.line, e.key): e.message for e in load_sites(tmp_path).errors}
    assert set(errors) == {
        (10, "list.item"),
        (11, "list.link_attr"),
        (15, "article.remove[1]"),
        (17, "headers.Referer"),
        (18, "encoding"),
        (19, "max_pages"),
    }
    assert "CSS selector" in errors[(10, "list.item")]
    assert "expected a known text encoding" in errors[(18, "encoding")]
    assert errors[(19, "max_pages")] == "expected a number >= 1, got 0"


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    text = GOOD.replace("category: notice", "category: blog") + "enabled: maybe\ndelay: soon\n"
    text += "columns_extra: 1\n"
    write_site(tmp_path, "good.yaml", text.replace("name: 山西省教育厅", "name: [a, b]"))
    errors = {e.key: e.message for e in load_sites(tmp_path).errors}
    assert errors["name"] == "expected text, got a list"
    assert errors["columns[0].category"] == "expected 'news', 'notice' or 'policy', got 'blog'"
    assert errors["enabled"] == "expected true or false, got 'maybe'"
    assert errors["delay"] == "expected a number, got 'soon'"
    assert "unknown key" in errors["columns_extra"]


def test_duplicate_column_names_and_urls(tmp_path: Path) -> None:
    column = (
        "  - name: 公告通知\n    url: http://jyt.shanxi.gov.cn/xwzx/ggtz/\n    category: news\n"
    )
    write_site(tmp_path, "good.yaml", GOOD + column)
    errors = [(e.line, e.key, e.message) for e in load_sites(tmp_path).errors]
    assert errors == [
        (9, "columns[1].name", "expected a unique name; columns[0] has it"),
        (10, "columns[1].url", "expected a unique URL; columns[0] has it"),
    ]


def test_a_yaml_syntax_error_gives_the_parser_line(tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", GOOD + "list:\n  item: [ul li\nmax_pages: 2\n")
    [error] = load_sites(tmp_path).errors
    assert (error.line, error.key) == (11, "(file)")
    assert "from line 10" in error.message


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    anchored = "list: &base\n  item: ul li\n  date: span\n"
    text = anchored + GOOD.replace(
        "    category: notice\n",
        "    category: notice\n    list:\n      <<: *base\n      date: em\n",
    )
    site = site_from(text, tmp_path)
    assert site.effective_columns()[0].list_selectors.date == "em"
    assert site.list_selectors is not None and site.list_selectors.date == "span"


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = load_sites(tmp_path / "nowhere")
    [error] = result.errors
    assert error.file == tmp_path / "nowhere" / "sites" and error.line is None
    assert "expected a folder of site files" in error.message


# --- load_site for the spider ---------------------------------------------------------------------


def test_load_site_gives_one_site_with_its_chinese_names(tmp_path: Path) -> None:
    site = site_from(GOOD, tmp_path)
    assert (site.id, site.name, site.authority) == ("good", "山西省教育厅", "山西")
    assert site.columns[0].name == "公告通知"


def test_load_site_errors_name_the_file(tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", GOOD.replace("category: notice", "category: 通知"))
    with pytest.raises(SiteConfigError) as raised:
        load_site(tmp_path, "good")
    assert f"{tmp_path}/sites/good.yaml:8: columns[0].category: expected" in str(raised.value)
    assert raised.value.errors[0].key == "columns[0].category"
    with pytest.raises(SiteConfigError, match=r"no such site file: expected .*sites/absent\.yaml"):
        load_site(tmp_path, "absent")
    with pytest.raises(SiteConfigError, match="expected a site id"):
        load_site(tmp_path, "../good")


def test_load_site_refuses_two_files_for_one_id(tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", GOOD)
    write_site(tmp_path, "good.yml", GOOD)
    with pytest.raises(SiteConfigError, match=r"found good\.yaml and good\.yml"):
        load_site(tmp_path, "good")


def test_chinese_names_round_trip_through_yaml(tmp_path: Path) -> None:
    site = load_site(ROOT / "config", "jiangxi")
    dumped = yaml.safe_dump(
        site.model_dump(by_alias=True, exclude_none=True), allow_unicode=True, sort_keys=False
    )
    assert "name: 江西省教育厅" in dumped and "name: 通知公告" in dumped
    write_site(tmp_path, "jiangxi.yaml", dumped)
    assert load_site(tmp_path, "jiangxi") == site


# --- defaults, overrides, options -------------------------------------------------------------


def test_defaults_of_a_minimal_site(tmp_path: Path) -> None:
    site = site_from(GOOD, tmp_path)
    assert site.enabled and site.obey_robots
    assert (site.max_pages, site.delay, site.concurrency) == (3, 1.0, 2)
    assert (site.render, site.encoding, site.headers) == ("auto", None, {})
    assert (site.schedule.kind, site.schedule.seconds) == ("interval", 1800)
    assert site.options == TrsOptions()
    assert site.article_selectors is None and site.list_selectors is None


def test_columns_override_the_site(tmp_path: Path) -> None:
    text = GOOD.replace("adapter: trs", "adapter: hanweb") + textwrap.dedent(
        """\
          - name: 政策文件
            url: https://jyt.jiangsu.gov.cn/col/col77615/index.html
            category: policy
            max_pages: 7
            schedule: 2h
            options: {unitid: 396302}
            list: {date: em}
            article: {body: div.article_zoom}
          - name: 检索
            url: https://jyt.hlj.gov.cn/common/search/bffa5a0ba13c428bb95799f87aa2e9fe?page=1
            category: notice
            adapter: json_search
            options: {page_size: 30}
        options: {webid: 3, perpage: 20}
        list: {item: div.default_pgContainer li, date: span}
        article: {title: h1, body: "#zoom", remove: [.share]}
        max_pages: 2
        schedule: "*/30 7-22 * * *"
        encoding: GBK
        """
    )
    site = site_from(text, tmp_path)
    first, policy, search = site.effective_columns()
    assert (first.adapter, first.max_pages, first.schedule.expression) == (
        "hanweb",
        2,
        "*/30 7-22 * * *",
    )
    assert first.options == HanwebOptions(webid=3, perpage=20)
    assert policy.options == HanwebOptions(webid=3, perpage=20, unitid=396302)
    assert isinstance(policy.options, HanwebOptions)
    assert policy.options.column_id(policy.url) == 77615
    assert (policy.max_pages, policy.schedule.seconds) == (7, 7200)
    assert (policy.list_selectors.item, policy.list_selectors.date) == (
        "div.default_pgContainer li",
        "em",
    )
    assert policy.extraction_rules() == ExtractionRules(
        title="h1", body="div.article_zoom", remove=(".share",)
    )
    assert search.adapter == "json_search"
    assert search.options == JsonSearchOptions(page_size=30)
    assert site.encoding == "gbk"
    assert site.column("检索") == search
    with pytest.raises(KeyError, match="公告通知, 政策文件, 检索"):
        site.column("通知")


def test_options_are_checked_by_the_column_adapter(tmp_path: Path) -> None:
    text = (
        GOOD
        + "    adapter: css\n    list: {item: li}\n"
        + "    options: {page_url: 'index_{page}.html', webid: 1}\n"
    )
    write_site(tmp_path, "good.yaml", text)
    [error] = load_sites(tmp_path).errors
    assert (error.line, error.key) == (11, "columns[0].options.webid")
    assert error.message.endswith("expected one of: page_url, page_offset")
    fixed = text.replace(", webid: 1", ", page_offset: -1")
    column = site_from(fixed, tmp_path).effective_columns()[0]
    assert column.options == CssOptions(page_url="index_{page}.html", page_offset=-1)


def test_a_bad_adapter_is_one_error_not_many(tmp_path: Path) -> None:
    write_site(
        tmp_path,
        "good.yaml",
        GOOD.replace("adapter: trs", "adapter: wordpress") + "options: {x: 1}\n",
    )
    [error] = load_sites(tmp_path).errors
    assert (error.line, error.key) == (4, "adapter")
    assert (
        error.message == "expected 'trs', 'hanweb', 'json_search', 'css' or 'auto', got 'wordpress'"
    )


def test_page_templates_and_patterns_are_checked(tmp_path: Path) -> None:
    text = GOOD.replace("adapter: trs", "adapter: css") + textwrap.dedent(
        """\
        list: {item: li, link_pattern: "isDownLoad"}
        options: {page_url: "index_{n}.html"}
        """
    )
    write_site(tmp_path, "good.yaml", text)
    errors = {e.key: e.message for e in load_sites(tmp_path).errors}
    assert "with a (group)" in errors["list.link_pattern"]
    assert "one {page} placeholder" in errors["options.page_url"]


# --- schedules --------------------------------------------------------------------------------


def fires_after(expression: str, moment: datetime) -> datetime:
    next_fire: datetime = Schedule.parse(expression).trigger().get_next_fire_time(None, moment)
    return next_fire


def test_cron_weekdays_count_like_crontab() -> None:
    sunday_night = datetime(2023, 12, 31, 23, 0, tzinfo=SHANGHAI)
    assert fires_after("0 9 * * 1-5", sunday_night) == datetime(2024, 1, 1, 9, 0, tzinfo=SHANGHAI)
    monday_noon = datetime(2024, 1, 1, 12, 0, tzinfo=SHANGHAI)
    assert fires_after("0 9 * * 0", monday_noon).date().isoformat() == "2024-01-07"
    assert fires_after("0 9 * * 7", monday_noon).date().isoformat() == "2024-01-07"
    assert fires_after("0 9 * * 5-7", monday_noon).date().isoformat() == "2024-01-05"
    after_noon = datetime(2024, 1, 1, 12, 1, tzinfo=SHANGHAI)
    assert fires_after("*/30 7-22 * * *", after_noon) == datetime(
        2024, 1, 1, 12, 30, tzinfo=SHANGHAI
    )
    late = datetime(2024, 1, 1, 22, 31, tzinfo=SHANGHAI)
    assert fires_after("*/30 7-22 * * *", late) == datetime(2024, 1, 2, 7, 0, tzinfo=SHANGHAI)


def test_intervals() -> None:
    assert [Schedule.parse(text).seconds for text in ("30s", "15m", "2h", "1d")] == [
        30,
        900,
        7200,
        86400,
    ]
    trigger = Schedule.parse("15m").trigger()
    assert trigger.interval.total_seconds() == 900


@pytest.mark.parametrize(
    "text", ["15x", "61 * * * *", "* * * *", "0 9 * * 8", "0s", "0 9 * * 3-1", "0 0 31 2 *"]
)
def test_bad_schedules_are_refused(text: str, tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", GOOD + f"schedule: '{text}'\n")
    [error] = load_sites(tmp_path).errors
    assert (error.line, error.key) == (9, "schedule")
    assert error.message.startswith("expected")


# --- bad input never crashes ------------------------------------------------------------------

FIELDS = (
    *("list.item", "list.link_pattern", "list.title_attr", "article.body", "options.page_url"),
    *("top.schedule", "top.encoding", "top.id", "column.url", "column.schedule", "headers.x"),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELDS), st.text())
def test_any_text_in_any_field_is_valid_or_a_validation_error(field: str, value: str) -> None:
    data = yaml.safe_load(GOOD.replace("adapter: trs", "adapter: css")) | {"list": {"item": "li"}}
    part, key = field.split(".")
    if part == "column":
        data["columns"][0][key] = value
    elif part == "headers":
        data["headers"] = {value: value}
    elif part == "top":
        data[key] = value
    else:
        data[part] = {**data.get(part, {}), key: value}
    try:
        site = SiteConfig.model_validate(data)
    except ValidationError as error:
        assert all(detail["msg"] for detail in error.errors())
    else:
        site.schedule.trigger()
        assert site.effective_columns()[0].url.startswith("http")


def test_allowed_hosts_are_hosts_with_an_optional_port(tmp_path: Path) -> None:
    text = GOOD + "allowed_hosts:\n  - Files.Shanxi-Edu.CN\n  - 10.1.2.3:8080\n"
    site = site_from(text, tmp_path)
    assert site.allowed_hosts == ("files.shanxi-edu.cn", "10.1.2.3:8080")
    text = GOOD + "allowed_hosts:\n  - http://files.shanxi-edu.cn/\n  - a.cn:0x50\n"
    write_site(tmp_path, "good.yaml", text)
    errors = {(e.line, e.key): e.message for e in load_sites(tmp_path).errors}
    assert set(errors) == {(10, "allowed_hosts[0]"), (11, "allowed_hosts[1]")}
    assert "expected a host name or IP, optionally :port" in errors[(10, "allowed_hosts[0]")]
