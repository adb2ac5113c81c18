"""Predecessor linking: title folding, MinHash sketches, band keys, choosing a predecessor."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from monitor.similarity import (
    BANDS,
    NUM_PERM,
    Candidate,
    band_keys,
    choose_predecessor,
    estimate_jaccard,
    fold_text,
    fold_title,
    pack_signature,
    shingle_hashes,
    sketch,
    title_key,
    unpack_signature,
)

REPO = Path(__file__).resolve().parents[1]
MOE = "教育部"


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


HEADER = (
    "各省、自治区、直辖市教育厅（教委）、招生考试委员会，新疆生产建设兵团教育局、招生考试委员会，"
    "有关部门（单位）教育司（局），部属各高等学校：\n"
)
CLOSING = "\n请各地各校将本通知精神及时传达到相关单位和人员。\n教育部\n"


def admissions_notice(year: int, deadline: str, extra: str = "", epidemic: bool = False) -> str:
    body = (
        f"为做好{year}年普通高等学校招生工作，现将有关事项通知如下。\n"
        "一、坚持正确方向。各地各校要深入贯彻落实党的二十大精神，坚持为党育人、为国育才。"
        "要把招生工作作为重大政治任务，切实加强组织领导。\n"
        f"二、统一考试时间。{year}年全国统一高考于6月7日开始举行，具体科目考试时间安排为："
        "6月7日9:00至11:30语文；15:00至17:00数学。\n"
        "三、严格报名资格审查。各省级招生考试机构要会同公安等部门，严格审核考生报名资格；"
        "对不符合条件的，一律取消报名资格。\n"
        "四、加强考试安全管理。各地要落实考试安全责任制，严厉打击组织考试作弊等违法犯罪行为。"
        f"要做好试题试卷的命制、印刷、运送、保管等环节的安全保密工作。{extra}\n"
        "五、规范招生录取。高校要严格执行招生计划，不得擅自调整。"
        f"招生章程须于{deadline}前在学校网站公布。\n"
        + ("六、做好疫情防控。各地要按照当地疫情防控要求，做好考点防疫工作。\n" if epidemic else "")
        + "七、加强信息公开。各地各校要按照“十公开”要求，及时公开招生信息，接受社会监督。\n"
        "八、做好宣传服务。各地要通过多种渠道向考生和家长宣传招生政策；要关心关爱特殊困难考生。"
    )
    return nfkc(HEADER + body + CLOSING + f"{year}年3月15日")


ADMISSIONS = "关于做好{year}年普通高校招生工作的通知"
NOTICE_2022 = admissions_notice(2022, "5月31日", epidemic=True)
NOTICE_2023 = admissions_notice(2023, "5月31日", epidemic=True)
NOTICE_2024 = admissions_notice(2024, "5月25日", extra="要严防利用人工智能等新技术手段作弊。")

# Unrelated directives of the same authority, with the same salutation and closing.
UNRELATED = {
    "关于做好2024届全国普通高校毕业生就业创业工作的通知": (
        "为深入贯彻落实党中央、国务院关于稳就业的决策部署，做好2024届高校毕业生就业创业工作，"
        "现就有关事项通知如下。一、拓宽就业渠道。各地要积极开发政策性岗位，稳定机关事业单位招录规模。"
        "二、强化就业指导。高校要将就业指导课程纳入必修课，加强职业生涯教育。"
        "三、加强困难帮扶。对脱贫家庭、低保家庭毕业生实施“一人一策”精准帮扶。"
    ),
    "关于开展2024年全国学生资助工作专项检查的通知": (
        "为确保各项学生资助政策落实到位，决定于2024年下半年开展全国学生资助工作专项检查。"
        "检查内容包括资助资金管理使用、家庭经济困难学生认定、资助育人工作开展情况等。"
        "各地要认真开展自查，于10月底前将自查报告报送全国学生资助管理中心。"
    ),
    "关于加强2024年中小学春季学期开学安全工作的通知": (
        "春季学期开学在即，为切实做好中小学安全工作，现就有关事项通知如下。"
        "各地教育部门要全面排查校舍、消防、食堂等安全隐患，严防溺水、交通等事故发生。"
        "学校要开好“开学第一课”，加强学生安全教育和心理健康教育。"
    ),
    "关于印发《中小学教材管理办法》实施细则的通知": (
        "为进一步规范中小学教材编写、审核、出版发行、选用使用等工作，现将实施细则印发给你们，"
        "请结合实际认真贯彻执行。各地要建立健全教材选用委员会，严格执行教材选用程序。"
        "严禁以任何形式向学生推销教辅材料。"
    ),
}
NEW_UNRELATED_TITLE = "关于组织开展2024年全国中小学生安全教育日活动的通知"
NEW_UNRELATED = nfkc(
    HEADER + "今年3月25日是第29个全国中小学生安全教育日，主题为“强化安全意识，提升安全素养”。"
    "各地要围绕防溺水、防欺凌、防电信诈骗等重点内容，组织开展形式多样的安全教育活动。"
    "要开展应急疏散演练，提高师生避险自救能力。" + CLOSING + "2024年3月1日"
)

CHARS = "的一是在不了有和人这中大为上个国以要时来用们生到作地于出就分对成会可主发年动同工也能下过"


def random_notice(rng: random.Random) -> tuple[str, str]:
    words = ["".join(rng.choices(CHARS, k=rng.choice((2, 3)))) for _ in range(400)]
    sentences = ["".join(rng.choices(words, k=rng.randint(5, 12))) + "。" for _ in range(20)]
    title = "关于" + "".join(rng.choices(words, k=3)) + "工作的通知"
    return title, nfkc(HEADER + "".join(sentences) + CLOSING)


# --- title folding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("关于做好2024年普通高校招生工作的通知", "关于做好2023年普通高校招生工作的通知"),
        ("关于做好二〇二四年普通高校招生工作的通知", "关于做好2023年普通高校招生工作的通知"),
        ("关于做好２０２４年普通高校招生工作的通知", "关于做好 2023 年普通高校招生工作的通知"),
        ("关于举办第十三届全国学生运动会的通知", "关于举办第十四届全国学生运动会的通知"),
        ("关于举办第9届全国学生运动会的通知", "关于举办第十届全国学生运动会的通知"),
        (
            "关于印发《工作要点》的通知（教基〔2024〕12号）",
            "关于印发工作要点的通知(教基〔2023〕5号)",
        ),
        ("关于2023—2024学年第一学期开学工作的通知", "关于2024-2025学年第二学期开学工作的通知"),
        ("关于公布2024年度第一批认定名单的通知", "关于公布2023年度第三批认定名单的通知"),
        ("关于做好2024年3月15日前报送工作的通知", "关于做好2023年12月1日前报送工作的通知"),
        ("关于印发“十四五”规划的通知", "关于印发“十三五”规划的通知"),
    ],
)
def test_titles_of_yearly_reissues_fold_equal(first: str, second: str) -> None:
    assert fold_title(first) == fold_title(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("关于做好2024年普通高校招生工作的通知", "关于做好2024年普通高校毕业生就业创业工作的通知"),
        ("关于做好2024年普通高校招生工作的通知", "关于做好2024年成人高校招生工作的通知"),
        ("关于做好2024年中考工作的通知", "关于做好2024年高考工作的通知"),
        ("关于做好2024年暑期安全教育工作的通知", "关于做好2024年寒假安全教育工作的通知"),
        ("关于公布2024年普通高校招生章程的通知", "关于公布2024年普通高校招生计划的通知"),
    ],
)
def test_titles_of_different_directives_stay_apart(first: str, second: str) -> None:
    assert fold_title(first) != fold_title(second)


def test_folding_keeps_numerals_that_are_words() -> None:
    folded = fold_title("关于进一步加强中小学生统一着装管理的通知")
    assert "进一步" in folded and "统一" in folded
    assert fold_title("关于做好2024年普通高校招生工作的通知") == "关于做好#年普通高校招生工作的通知"


# --- sketches and keys ---------------------------------------------------------------------


def true_jaccard(first: str, second: str) -> float:
    a, b = set(shingle_hashes(fold_text(first))), set(shingle_hashes(fold_text(second)))
    return len(a & b) / len(a | b)


def test_the_minhash_estimate_follows_the_true_jaccard_similarity() -> None:
    rng = random.Random(3)
    _, unrelated = random_notice(rng)
    pairs = [(NOTICE_2023, NOTICE_2024), (NOTICE_2022, NOTICE_2024), (NOTICE_2023, unrelated)]
    for first, second in pairs:
        estimate = estimate_jaccard(sketch("", first).signature, sketch("", second).signature)
        assert abs(estimate - true_jaccard(first, second)) < 0.15
    assert true_jaccard(NOTICE_2023, NOTICE_2024) > 0.6
    assert true_jaccard(NOTICE_2023, unrelated) < 0.15


def test_years_and_punctuation_do_not_change_the_sketch() -> None:
    plain = sketch(ADMISSIONS.format(year=2023), NOTICE_2023)
    shifted = sketch(ADMISSIONS.format(year=2031), NOTICE_2023.replace("2023", "2031"))
    spaced = sketch("", NOTICE_2023.replace(",", "，").replace("。", "。 "))
    assert plain.signature == shifted.signature == spaced.signature
    assert plain.title_fold == shifted.title_fold
    assert len(plain.signature) == NUM_PERM and plain.comparable


def test_band_keys_are_signed_64_bit_and_scoped_to_the_authority() -> None:
    item = sketch(ADMISSIONS.format(year=2023), NOTICE_2023)
    moe, zhejiang = band_keys(MOE, item), band_keys("浙江省教育厅", item)
    assert len(moe) == BANDS == len(set(moe))
    assert all(-(2**63) <= key < 2**63 for key in moe)
    assert not set(moe) & set(zhejiang)
    near = band_keys(MOE, sketch("", NOTICE_2024))
    assert set(moe) & set(near)  # a yearly reissue shares bands: an index lookup finds it
    assert band_keys(MOE, sketch("通知", "附件: 名单")) == []  # too short to compare
    assert title_key(MOE, fold_title("通知")) is None
    assert title_key(MOE, item.title_fold) == title_key(
        f" {MOE} ", fold_title("关于做好2019年普通高校招生工作的通知")
    )


def test_signatures_pack_for_a_database_column() -> None:
    signature = sketch("", NOTICE_2023).signature
    packed = pack_signature(signature)
    assert len(packed) == 4 * NUM_PERM and unpack_signature(packed) == signature
    with pytest.raises(ValueError, match="multiple of 4"):
        unpack_signature(packed[:-1])


SKETCH_SCRIPT = """
import json, sys
from monitor.similarity import band_keys, sketch
item = sketch(sys.argv[1], sys.argv[2])
print(json.dumps({"signature": item.signature, "bands": band_keys("教育部", item)}))
"""


def test_sketches_are_the_same_in_every_process() -> None:
    title = ADMISSIONS.format(year=2024)
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", SKETCH_SCRIPT, title, NOTICE_2024],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        )
        outputs.append(json.loads(result.stdout))
    here = sketch(title, NOTICE_2024)
    assert outputs[0] == outputs[1]
    assert outputs[0]["signature"] == list(here.signature)
    assert outputs[0]["bands"] == band_keys(MOE, here)


# --- choosing ------------------------------------------------------------------------------


def candidate(
    name: str, year: int, title: bool, jaccard: float, comparable: bool = True
) -> Candidate:
    published = datetime(year, 3, 1).timestamp()
    return Candidate(name, published, title, comparable, jaccard)


def test_equal_titles_with_decent_content_win_over_content_alone() -> None:
    match = choose_predecessor(
        [candidate("content", 2023, False, 0.9), candidate("title", 2022, True, 0.3)]
    )
    assert match is not None and match.article_id == "title" and match.title_match


def test_near_ties_go_to_the_most_recent_and_clear_winners_stay() -> None:
    tied = [candidate("2021", 2021, True, 0.80), candidate("2023", 2023, True, 0.78)]
    assert (match := choose_predecessor(tied)) is not None and match.article_id == "2023"
    apart = [candidate("2021", 2021, True, 0.80), candidate("2023", 2023, True, 0.60)]
    assert (match := choose_predecessor(apart)) is not None and match.article_id == "2021"


def test_thresholds_keep_weak_candidates_out() -> None:
    assert choose_predecessor([candidate("t", 2023, True, 0.10)]) is None
    assert choose_predecessor([candidate("c", 2023, False, 0.40)]) is None
    short = choose_predecessor([candidate("s", 2023, True, 0.0, comparable=False)])
    assert short is not None and "too short" in short.reason
    assert choose_predecessor([]) is None
