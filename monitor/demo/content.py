"""What the demo site publishes: a provincial education department (江南省教育厅, a made-up
province) with a news column and a notice column, and the three changes made between crawls.

Dates are relative to the day the demo runs (Asia/Shanghai), so the site always looks alive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUTHORITY = "江南"
SITE_NAME = "江南省教育厅"
SITE_ID = "jiangnan"
NEWS, NOTICE = "新闻动态", "通知公告"
COLUMNS = {  # name -> (path, category, charset of its pages)
    NEWS: ("/xwzx/xwdt/", "news", "utf-8"),
    NOTICE: ("/xwzx/tzgg/", "notice", "gb18030"),
}
SOURCE = "江南省教育厅"


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One page (or, with ``is_file``, one PDF a list item links to straight)."""

    column: str
    serial: int  # the CMS's document id, part of the URL
    title: str
    published: datetime
    paragraphs: tuple[str, ...] = ()
    source: str = SOURCE
    document_number: str | None = None
    attachments: tuple[str, ...] = ()  # file names of PDF attachments
    is_file: bool = False

    @property
    def folder(self) -> str:
        return f"{COLUMNS[self.column][0]}{self.published:%Y%m}/"

    @property
    def path(self) -> str:
        if self.is_file:
            return f"{self.folder}P0{self.published:%Y%m%d}{self.serial:06d}.pdf"
        return f"{self.folder}t{self.published:%Y%m%d}_{self.serial}.html"

    def attachment_path(self, index: int) -> str:
        return f"{self.folder}W0{self.published:%Y%m%d}{self.serial:06d}{index:02d}.pdf"


def _day(today: datetime, days_ago: int, hour: int, minute: int) -> datetime:
    moment = today - timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)


def admissions_notice(
    today: datetime, edition: int, days_ago: int, serial: int, *, updated: bool = False
) -> DemoArticle:
    """The yearly 招生 notice; ``edition`` is the admissions year it is about; ``updated``: the
    new edition's text (dates moved, a clause added, one reworded)."""
    y = edition
    paragraphs = [
        "各设区市教育局，各普通高等学校：",
        f"为做好{y}年普通高等学校招生工作，根据教育部有关文件精神，结合我省实际，现将有关事项通知如下。",
        f"一、报名时间。{y}年普通高校招生考试报名时间为{y - 1}年11月1日至11月10日，考生通过"
        "江南省教育考试院网站进行网上报名。",
        "二、报名条件。符合下列条件的人员均可报名：遵守中华人民共和国宪法和法律；高级中等教育"
        "学校毕业或具有同等学力；身体状况符合相关要求。",
        "三、考试安排。全国统一考试于6月7日至6月8日举行，各地要提前做好考点设置和考务人员培训。",
        "四、志愿填报。考生在高考成绩公布后按规定时间网上填报志愿，各地要加强志愿填报指导。",
        "五、工作要求。各地各校要高度重视招生工作，严格执行招生政策，确保招生工作公平公正。",
    ]
    number = f"江教考〔{y - 1}〕{serial % 100}号"
    if updated:
        paragraphs[2] = (
            f"一、报名时间。{y}年普通高校招生考试报名时间为{y - 1}年11月1日至11月15日，考生通过"
            "江南省教育考试院网站或“江南招考”手机应用进行网上报名。"
        )
        paragraphs.insert(
            6,
            "六、诚信管理。建立考生诚信档案，对考试作弊等违规行为依法依规严肃处理。",
        )
        paragraphs[-1] = "七、工作要求。各地各校要高度重视招生工作，严格执行招生政策，"
        paragraphs[-1] += "主动接受社会监督，确保招生工作公平公正。"
    day = _day(today, days_ago, 0, 0)
    paragraphs.append(f"江南省教育厅 {day.year}年{day.month}月{day.day}日")
    return DemoArticle(
        column=NOTICE,
        serial=serial,
        title=f"关于做好{y}年普通高等学校招生工作的通知",
        published=_day(today, days_ago, 9, 30),
        paragraphs=tuple(paragraphs),
        document_number=number,
    )


def baseline(today: datetime) -> list[DemoArticle]:
    """The site as the first crawl finds it."""
    return [
        DemoArticle(
            NEWS,
            381201,
            "全省教育系统召开安全工作会议",
            _day(today, 1, 16, 20),
            (
                "近日，全省教育系统安全工作会议在临江市召开，总结前一阶段校园安全工作，部署下一阶段重点任务。",
                "会议指出，各地各校要压紧压实安全责任，常态化开展隐患排查，守牢校园安全底线。",
                "会议要求，要加强食品安全、消防安全和交通安全管理，做好学生心理健康教育工作。",
                "各设区市教育局分管负责同志约200人参加会议。",
            ),
        ),
        DemoArticle(
            NEWS,
            381177,
            "江南省第十届大学生创新创业大赛决赛举行",
            _day(today, 3, 10, 5),
            (
                "由省教育厅主办的江南省第十届大学生创新创业大赛决赛在江南大学举行。",
                "本届大赛共有来自全省86所高校的3200余个项目报名参赛，最终150个项目进入决赛。",
                "经过激烈角逐，大赛共评出金奖30项、银奖50项、铜奖70项。",
            ),
        ),
        DemoArticle(
            NEWS,
            381150,
            "省教育厅赴山区县调研乡村学校建设",
            _day(today, 6, 15, 40),
            (
                "省教育厅调研组赴青川县、云岭县调研乡村学校建设和教师队伍建设情况。",
                "调研组实地察看了寄宿制学校食堂、宿舍和功能教室，与校长、教师代表座谈交流。",
                "调研组强调，要持续改善乡村学校办学条件，让乡村孩子在家门口上好学。",
            ),
        ),
        DemoArticle(
            NEWS,
            381102,
            "全省中小学课后服务工作推进会召开",
            _day(today, 9, 14, 0),
            (
                "全省中小学课后服务工作推进会日前召开，交流各地课后服务经验做法。",
                "会议要求，课后服务要坚持学生自愿参加，丰富服务内容，提升服务质量。",
                "临江市、青川县等地作了交流发言。",
            ),
        ),
        DemoArticle(
            NEWS,
            381066,
            "全省高校毕业生就业工作视频会议召开",
            _day(today, 13, 9, 0),
            (
                "全省高校毕业生就业工作视频会议召开，部署做好高校毕业生就业创业工作。",
                "会议强调，各高校要拓展就业渠道，加强就业指导，做好困难群体毕业生帮扶。",
            ),
        ),
        DemoArticle(
            NOTICE,
            381190,
            "关于公布第三批江南省智慧教育示范区名单的通知",
            _day(today, 2, 11, 15),
            (
                "各设区市教育局：",
                "经各地申报、专家评审和网上公示，确定临江市滨江区等12个县（市、区）为第三批江南省"
                "智慧教育示范区，名单见附件。",
                "请各示范区按照建设方案扎实推进各项工作，省教育厅将适时组织中期评估。",
                "附件：第三批江南省智慧教育示范区名单",
            ),
            document_number=f"江教技〔{today.year}〕15号",
            attachments=("第三批江南省智慧教育示范区名单.pdf",),
        ),
        DemoArticle(
            NOTICE,
            381160,
            f"关于开展{today.year}年全省中小学教师培训工作的通知",
            _day(today, 5, 17, 30),
            (
                "各设区市教育局，有关高等学校：",
                "为提升中小学教师专业素质，省教育厅决定开展全省中小学教师培训工作，现将有关事项通知如下。",
                "一、培训对象为全省中小学、幼儿园教师，重点面向乡村学校教师。",
                "二、培训采取集中研修与网络研修相结合的方式，培训时间不少于5天。",
                "三、请各地于本月底前将参训教师名单报省教育厅教师工作处，联系人：王喆。",
            ),
        ),
        DemoArticle(
            NOTICE,
            381121,
            "江南省教育厅关于全省教育统计数据的公告",
            _day(today, 8, 9, 45),
            is_file=True,
        ),
        DemoArticle(
            NOTICE,
            381088,
            "关于征集全省教育科学规划课题的通知",
            _day(today, 11, 10, 30),
            (
                "各设区市教育局，各高等学校：",
                "为发挥教育科学研究的支撑作用，现面向全省征集教育科学规划课题，申报材料请于规定时间内报送。",
                "课题分为重点课题和一般课题，研究周期一般为两年。",
            ),
        ),
        admissions_notice(today, today.year, 364, 371905),
    ]


def next_edition(today: datetime) -> DemoArticle:
    """Next year's edition of the admissions notice, published today."""
    return admissions_notice(today, today.year + 1, 0, 381230, updated=True)


def revised(article: DemoArticle) -> DemoArticle:
    """The safety-meeting news corrected in place: a figure fixed and a sentence added."""
    paragraphs = list(article.paragraphs)
    paragraphs[-1] = "各设区市教育局分管负责同志、省属高校分管负责同志约260人参加会议。"
    paragraphs.append("会后，各地将对照会议部署开展为期一个月的校园安全专项检查。")
    return replace(article, paragraphs=tuple(paragraphs))


REVISED_SERIAL = 381201  # 全省教育系统召开安全工作会议
WITHDRAWN_SERIAL = 381150  # 省教育厅赴山区县调研乡村学校建设
