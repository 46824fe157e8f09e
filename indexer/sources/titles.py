"""Headlines from what a page says: og:title, JSON-LD, <h1> and <title>.

Each source fails in its own way on real pages: an og:title cut at an
unescaped quote, a <title> carrying the site's name ('_某某网', '| Site',
'- 新浪新闻'), an <h1> that is the channel's name ('要闻', 'News'). The
choice here takes the most specific source that is not one of those. A page
that declares no title at all has its headline found in its text blocks
(`headline_before`).
"""

from __future__ import annotations

import re

from indexer.sources.boilerplate import is_info_line
from indexer.sources.markup import Block, text_key
from indexer.sources.text import shorten

_TITLE_SEPARATORS = re.compile(r"\s+[|｜\-–—·»:]\s+|\s*(?:[|｜_]|--|——|-(?=[\u4e00-\u9fff]))\s*")
_SITE_WORDS = re.compile(
    r"网|报|新闻|频道|电视|日报|时报|在线|客户端|资讯|中心|政府|门户|"
    r"\b(?:News|Times|Post|Daily|Herald|Guardian|Journal|Tribune|Telegraph|Online|BBC|CNN|"
    r"Reuters|Xinhua|Bloomberg|Press|Media|Magazine|Gazette|Independent|Observer|Wire)\b|"
    r"\.(?:com|cn|net|org)\b",
    re.IGNORECASE,
)
_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def choose_title(og, ld, page, h1, site) -> str | None:
    """og:title, then the JSON-LD headline, then the <h1> if the <title> contains it,
    then the <title> without its site-name suffix, then any <h1>.

    A section label ('要闻', 'News') is never the headline, and an og:title cut
    short at an unescaped quote (`content="专家解读"双减"…"` gives '专家解读')
    gives way to the <h1> or <title> it is the start of.
    """
    if h1 and is_section_label(h1):
        h1 = None
    page_clean = _strip_label(clean_title(page, site)) if page else ""
    for candidate in (og, ld):
        cleaned = clean_title(candidate, site) if candidate else ""
        if len(cleaned) < 2 or (site and cleaned.lower() == site.lower()):
            continue
        if is_section_label(cleaned):
            continue
        longer = [t for t in (h1, page_clean) if t and len(t) > len(cleaned)]
        # Cut at a quote: the fuller text goes on with the quote itself.
        fuller = next(
            (t for t in longer if t.startswith(cleaned) and t[len(cleaned)] in _QUOTES), None
        )
        return fuller or cleaned
    if h1 and page and h1 in page:
        return h1
    if page_clean and (not site or page_clean != site) and not is_section_label(page_clean):
        return page_clean
    return h1 or None


_QUOTES = "\"'“”‘’「」"


# Channel names that portals put in <h1>, og:title or the <title>'s first part.
_SECTION_LABELS = frozenset(
    (
        *("要闻", "新闻", "国内", "国际", "社会", "财经", "体育", "娱乐", "科技", "正文", "首页"),
        *("时政", "军事", "教育", "文化", "健康", "汽车", "房产", "评论", "图片", "视频", "本地"),
        *(
            "通知公告",
            "政务公开",
            "本地新闻",
            "新闻中心",
            "新闻动态",
            "工作动态",
            "今日要闻",
            "头条",
        ),
        *("news", "home", "world", "business", "sport", "sports", "politics", "opinion"),
        *("technology", "tech", "culture", "latest", "top stories", "breaking news", "local"),
        *("us news", "uk news", "world news", "entertainment", "lifestyle", "science"),
    )
)


def is_section_label(text: str) -> bool:
    """'要闻', '通知公告', 'News': a channel's name, not a headline."""
    text = " ".join(text.split()).strip(" >»|:：")
    return text.lower() in _SECTION_LABELS


def _strip_label(title: str) -> str:
    """'News - Wuxi chip plant opens' -> 'Wuxi chip plant opens'."""
    parts = _TITLE_SEPARATORS.split(title, maxsplit=1)
    if len(parts) == 2 and is_section_label(parts[0]) and len(parts[1]) >= 4:
        return parts[1].strip()
    return title


def clean_title(title: str, site: str | None = None) -> str:
    """Strip ' - 新华网', '_新闻频道_新华网', '--经济·科技--人民网', ' | The Guardian'.

    A trailing segment goes when it names the site (og:site_name), looks like
    a site name (网, 报, News, .com…), or hangs off a separator headlines
    rarely use ('|', '_', '--'); a ' - ' segment that is just words stays,
    because headlines use ' - ' too.
    """
    title = " ".join(title.split())
    for _ in range(3):
        parts = list(_TITLE_SEPARATORS.finditer(title))
        if not parts:
            break
        last = parts[-1]
        head, tail = title[: last.start()].strip(), title[last.end() :].strip()
        if len(head) < 4 or len(tail) > 30:
            break
        sep = last.group().strip()
        if not (
            (site and tail.lower() in site.lower())
            or _SITE_WORDS.search(tail)
            or sep in ("|", "｜", "_", "--", "——")
            or (sep == "-" and _CJK_CHAR.search(tail))
            or (sep in ("·", "»") and len(tail) <= 12)
        ):
            break
        title = head
    if site and title.lower().startswith(site.lower() + " | "):
        title = title[len(site) + 3 :]
    return title


def title_site(page_title: str) -> str | None:
    """The site name at the end of a <title>, when it looks like one."""
    page_title = " ".join(page_title.split())
    parts = list(_TITLE_SEPARATORS.finditer(page_title))
    if not parts:
        return None
    tail = page_title[parts[-1].end() :].strip()
    return tail if tail and len(tail) <= 30 and _SITE_WORDS.search(tail) else None


def headline_before(page_blocks: list[Block], paras: list[str]) -> str | None:
    """A page with no title metadata: the short line right above the first paragraph."""
    first_key = text_key(paras[0])
    for i, block in enumerate(page_blocks):
        key = text_key(block.text)
        if key == first_key or (len(key) >= 10 and first_key.startswith(key)):
            for prev in reversed(page_blocks[max(0, i - 3) : i]):
                text = prev.text
                if (
                    4 <= len(text) <= 150
                    and text[-1] not in ".。"
                    and not is_info_line(text)
                    and prev.link_chars < 0.5 * len(text)
                ):
                    return shorten(text, 150)
            break
    return None
