"""Interface text in English and Chinese, and which of the two a request gets.

The choice is, in order: `?ui=en|zh` on this request (then remembered in a
cookie, so the switch can be a plain link that works without JavaScript),
the cookie, the browser's Accept-Language, English. Only the interface is
translated; articles are shown in the language they were written in.

Messages are plain `str.format` templates and return plain strings, so
Jinja escapes them like any other text: a query quoted inside a message
cannot inject markup.
"""

from __future__ import annotations

from flask import Request

LANGUAGES = ("en", "zh")
DEFAULT = "en"
COOKIE = "ui"
COOKIE_MAX_AGE = 365 * 24 * 3600
HTML_LANG = {"en": "en", "zh": "zh-Hans"}

MESSAGES: dict[str, dict[str, str]] = {
    "colon": {"en": ": ", "zh": "："},
    "site_name": {"en": "newsarchive", "zh": "新闻档案"},
    "site_tagline": {"en": "English and Chinese news", "zh": "中英文新闻检索"},
    "skip_to_results": {"en": "Skip to results", "zh": "跳到搜索结果"},
    "skip_to_content": {"en": "Skip to content", "zh": "跳到正文"},
    "search_label": {"en": "Search the archive", "zh": "搜索档案"},
    "search_button": {"en": "Search", "zh": "搜索"},
    "search_hint": {
        "en": "Words in English or Chinese; place names find both languages.",
        "zh": "可输入中文或英文；地名会同时搜索两种语言。",
    },
    "switch_to": {"en": "中文", "zh": "English"},
    "switch_to_label": {"en": "切换到中文界面", "zh": "Switch to English"},
    # Empty state
    "welcome_heading": {
        "en": "Search English and Chinese news",
        "zh": "搜索中英文新闻",
    },
    "welcome_text": {
        "en": "The archive holds {total} articles. Type words in either language, "
        "or start from one of these searches:",
        "zh": "档案共收录 {total} 篇文章。可以用中文或英文输入关键词，也可以从下面的例子开始：",
    },
    "browse_all": {"en": "Browse all articles, newest first", "zh": "按时间浏览全部文章"},
    "example_place_zh": {
        "en": "a place in Chinese; also finds English articles about Jiangyin",
        "zh": "中文地名，也会找到关于江阴的英文文章",
    },
    "example_words": {"en": "articles with both words", "zh": "同时包含两个词的文章"},
    "example_phrase": {"en": "an exact phrase", "zh": "完整短语"},
    "example_or": {"en": "either word", "zh": "任意一个词"},
    "example_not": {"en": "leave out articles with a word", "zh": "排除含某个词的文章"},
    "example_title": {"en": "a word in the title", "zh": "标题中的词"},
    "example_prefix": {"en": "words that start with semicon…", "zh": "以 semicon 开头的词"},
    # Results
    "results_for": {"en": "Results for “{q}”", "zh": "“{q}”的搜索结果"},
    "all_articles": {"en": "All articles", "zh": "全部文章"},
    "result_count": {"en": "{total} articles", "zh": "共 {total} 篇文章"},
    "result_count_one": {"en": "1 article", "zh": "共 1 篇文章"},
    "showing": {"en": "showing {first}–{last}", "zh": "第 {first}–{last} 篇"},
    "showing_one": {"en": "showing {n}", "zh": "第 {n} 篇"},
    "in_stories": {"en": "in {n} stories", "zh": "归为 {n} 则报道"},
    "in_one_story": {"en": "in 1 story", "zh": "归为 1 则报道"},
    "group_label": {"en": "Copies", "zh": "转载"},
    "group_story": {"en": "one per story", "zh": "每则报道一条"},
    "group_none": {"en": "all copies", "zh": "全部转载"},
    "copies_link": {"en": "{n} copies", "zh": "{n} 篇转载"},
    "copies_title": {
        "en": "The same story as published by other sites",
        "zh": "其他网站刊发的同一则报道",
    },
    "story_chip": {"en": "copies of one story", "zh": "同一则报道的转载"},
    "took": {"en": "{ms} ms", "zh": "用时 {ms} 毫秒"},
    "json_link": {"en": "JSON", "zh": "JSON"},
    "json_title": {
        "en": "The same results as JSON (the search API)",
        "zh": "同样的结果，JSON 格式（搜索接口）",
    },
    "feed_link": {"en": "Atom feed", "zh": "订阅（Atom）"},
    "feed_title": {
        "en": "Follow this search in a feed reader: its 50 newest articles",
        "zh": "用阅读器订阅此搜索：最新的 50 篇文章",
    },
    "export_label": {"en": "Download", "zh": "下载"},
    "export_csv": {"en": "CSV", "zh": "CSV"},
    "export_jsonl": {"en": "JSON lines", "zh": "JSON lines"},
    "export_title": {
        "en": "Up to 10,000 articles of this search, for spreadsheets and notebooks",
        "zh": "下载此搜索的文章（最多 10,000 篇），用于电子表格和数据分析",
    },
    "expanded": {"en": "Also searched for", "zh": "同时搜索了"},
    "relaxed_none": {
        "en": "No article has all {n} of your words; showing articles with {k} of them.",
        "zh": "没有文章包含全部 {n} 个词；以下是包含其中 {k} 个词的文章。",
    },
    "relaxed_some": {
        "en": "Only {complete} of these articles have all {n} of your words; "
        "then come articles with {k} of them.",
        "zh": "只有 {complete} 篇文章包含全部 {n} 个词；其后是包含其中 {k} 个词的文章。",
    },
    "sort_label": {"en": "Sort", "zh": "排序"},
    "sort_relevance": {"en": "Best match", "zh": "相关度"},
    "sort_newest": {"en": "Newest", "zh": "最新"},
    "sort_oldest": {"en": "Oldest", "zh": "最早"},
    "undated": {"en": "undated", "zh": "日期不详"},
    "places": {"en": "Places", "zh": "地点"},
    "jump_to_filters": {"en": "Filters", "zh": "筛选"},
    "active_filters": {"en": "Active filters", "zh": "已选筛选条件"},
    "remove_filter": {"en": "Remove filter", "zh": "移除筛选条件"},
    "clear_filters": {"en": "Clear all filters", "zh": "清除全部筛选"},
    "date_from": {"en": "from {date}", "zh": "{date} 起"},
    "date_to": {"en": "until {date}", "zh": "至 {date}"},
    # No results
    "no_results": {
        "en": "No articles match your search.",
        "zh": "没有找到符合条件的文章。",
    },
    "did_you_mean": {"en": "Did you mean", "zh": "您是不是要找"},
    "without_filters": {
        "en": "Search again without the filters",
        "zh": "去掉筛选条件重新搜索",
    },
    "with_filters_total": {
        "en": "({total} articles without filters)",
        "zh": "（不加筛选时有 {total} 篇）",
    },
    "no_results_tips": {
        "en": "Check the spelling, use fewer words, or try the place name in the other language.",
        "zh": "请检查拼写、减少关键词，或换用另一种语言的地名。",
    },
    # Facets
    "filters": {"en": "Filters", "zh": "筛选"},
    "facet_date": {"en": "Date", "zh": "日期"},
    "facet_location": {"en": "Places", "zh": "地点"},
    "facet_lang": {"en": "Language", "zh": "语言"},
    "facet_source": {"en": "Source", "zh": "来源"},
    "all_years": {"en": "All years", "zh": "全部年份"},
    "selected": {"en": "selected; select again to remove", "zh": "已选，再次点击取消"},
    "more": {"en": "{n} more", "zh": "另外 {n} 项"},
    "nothing_to_filter": {"en": "Nothing to filter by.", "zh": "没有可用的筛选项。"},
    "back_to_results": {"en": "Back to the results", "zh": "返回搜索结果"},
    "lang_en": {"en": "English", "zh": "英文"},
    "lang_zh": {"en": "Chinese", "zh": "中文"},
    "lang_mixed": {"en": "Mixed", "zh": "中英混合"},
    # Timeline
    "timeline_year": {"en": "Articles per year, {period}", "zh": "每年文章数（{period}）"},
    "timeline_month": {"en": "Articles per month, {period}", "zh": "每月文章数（{period}）"},
    "timeline_day": {"en": "Articles per day, {period}", "zh": "每日文章数（{period}）"},
    "timeline_bar": {"en": "{period}: {n} articles", "zh": "{period}：{n} 篇"},
    "timeline_bar_one": {"en": "{period}: 1 article", "zh": "{period}：1 篇"},
    "timeline_period": {"en": "Period", "zh": "时间"},
    "timeline_count": {"en": "Articles", "zh": "文章数"},
    "timeline_up": {"en": "All of {period}", "zh": "{period}全部文章"},
    "timeline_left_out": {"en": "Not in the chart", "zh": "未计入图表"},
    "timeline_no_month": {"en": "{n} without a known month", "zh": "{n} 篇月份不详"},
    "timeline_no_day": {"en": "{n} without a known day", "zh": "{n} 篇具体日期不详"},
    "timeline_undated": {"en": "{n} undated", "zh": "{n} 篇日期不详"},
    # Pagination
    "pagination": {"en": "Result pages", "zh": "结果分页"},
    "previous": {"en": "Previous", "zh": "上一页"},
    "next": {"en": "Next", "zh": "下一页"},
    "page_n": {"en": "Page {n}", "zh": "第 {n} 页"},
    "past_last_page": {
        "en": "This page is past the last result.",
        "zh": "这一页已经超出了结果范围。",
    },
    "first_page": {"en": "Go to the first page", "zh": "回到第一页"},
    # Article
    "article_date": {"en": "Date", "zh": "日期"},
    "article_source": {"en": "Source", "zh": "来源"},
    "article_lang": {"en": "Language", "zh": "语言"},
    "article_places": {"en": "Places", "zh": "地点"},
    "article_original": {"en": "Original", "zh": "原文"},
    "article_file": {"en": "Archive file", "zh": "档案文件"},
    "article_meta": {"en": "About this article", "zh": "文章信息"},
    "related": {"en": "Related articles", "zh": "相关文章"},
    "no_related": {"en": "No related articles.", "zh": "没有相关文章。"},
    "place_search": {"en": "All articles about {place}", "zh": "所有关于{place}的文章"},
    # Errors
    "error_400": {"en": "The search could not be understood", "zh": "无法理解这次搜索"},
    "error_404": {"en": "Page not found", "zh": "找不到页面"},
    "error_405": {"en": "Method not allowed", "zh": "不支持的请求方式"},
    "error_503": {"en": "The archive is not available right now", "zh": "档案暂时无法使用"},
    "error_other": {"en": "Something went wrong", "zh": "出错了"},
    "back_to_search": {"en": "Back to the search page", "zh": "返回搜索页"},
    "footer_api": {"en": "Search API", "zh": "搜索接口"},
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def choose_language(request: Request) -> str:
    asked = request.args.get("ui")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def translate(lang: str, key: str, **values) -> str:
    text = MESSAGES[key].get(lang) or MESSAGES[key][DEFAULT]
    return text.format(**values) if values else text


def format_date(lang: str, iso: str | None) -> str:
    """'2023-10-31' as '31 Oct 2023' or '2023年10月31日'; '2023-10' and '2023' likewise."""
    if not iso:
        return translate(lang, "undated")
    parts = iso.split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return iso
    if lang == "zh":
        return "".join(f"{n}{unit}" for n, unit in zip(numbers, "年月日", strict=False))
    if len(numbers) == 1:
        return str(numbers[0])
    if not 1 <= numbers[1] <= 12:
        return iso
    month = MONTHS_EN[numbers[1] - 1]
    if len(numbers) == 2:
        return f"{month} {numbers[0]}"
    return f"{numbers[2]} {month} {numbers[0]}"


def format_number(n: int | float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"
