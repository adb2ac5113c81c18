"""The Chinese words the pages and feeds show for the store's codes."""

from __future__ import annotations

KIND_LABELS = {
    "new": "新发布",
    "revised": "修订",
    "withdrawn": "撤回",
    "site_failing": "站点故障",
    "site_recovered": "站点恢复",
    "site_stale": "站点久未更新",
}
RESULT_LABELS = {"ok": "正常", "partial": "部分失败", "failed": "失败", "running": "运行中"}
DELIVERY_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "失败待重试", "dead": "已放弃"}
CATEGORY_LABELS = {"news": "新闻", "notice": "通知公告", "policy": "政策文件"}
RENDER_LABELS = {"http": "直接抓取", "browser": "浏览器渲染", "playwright": "浏览器渲染"}
ARTICLE_LABELS = {"active": "在线", "withdrawn": "已撤回"}
MODE_LABELS = {"immediate": "即时", "digest": "摘要"}
