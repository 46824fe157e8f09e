"""Recognise the lines around an article that are not the article.

Two strengths, because some debris is unmistakable and some is only
suspicious:

- `is_boilerplate` lines are dropped wherever they stand: ICP licences,
  copyright notices, editor credits (【责任编辑：…】), share bars, link debris
  from scraped pages (`getUrls?link=… - …`), newspaper registration numbers,
  retail prices, barcodes.
- `is_footer_line` lines are dropped only in the trailing run of a text
  (see `footer_start`): "地址：…", "热线", "投稿", "Produced by …" can be part of
  an article's own sentences, but a run of them at the very end is the
  newspaper's masthead block.

Also here: bylines like "(王拓)" and the masthead name ("江南晚报"), which the
text and HTML readers both need, and the info line under a page's headline
('2023年06月09日08:21 | 来源：人民网'), which the HTML reader drops from the
text and never takes for the headline.
"""

from __future__ import annotations

import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# Debris recognised by how the line starts (matched at position 0 only).
_STRONG_START = re.compile(
    "|".join(
        [
            # Editor credits, in brackets or not: 【责任编辑：王三】 (责编：李四)
            r"[【\[（(]?\s*(?:本版|本期|当班)?(?:责任编辑|美术编辑|责编|编辑|主编|审核|审校|校对"
            r"|监制|签发|值班编辑|值班编委|值班主任|文字编辑|实习编辑|网络编辑|编审|美编|封面责编"
            r"|封面美编|封面校对|版式|排版)\s*[:：]",
            r"[【\[（(]?\s*(?:Editor|Edited by|Web editor)\s*:",
            r"版权声明[:：]",
            # Share bars and page furniture.
            r"(?:分享到|分享至|分享)\s*[:：]?\s*(?:微信|微博|QQ|$)",
            r"【?(?:打印|关闭|关闭窗口|纠错|收藏|字号|大\s*中\s*小|返回顶部|打印本页)】?"
            r"(?:\s*【?(?:打印|关闭|关闭窗口|纠错|收藏|字号|大\s*中\s*小|返回顶部)】?)*$",
            r"(?:扫一扫|用微信扫描|扫描二维码|手机看新闻|手机扫码|微信扫一扫)",
            r"[【\[]?(?:字号|字体)?\s*[:：]?\s*(?:[大中小]\s*){1,3}[】\]]?$|[大中小]字号$",
            # A print-edition reference: 《 人民日报 》（ 2023年06月09日 10 版）
            r"《\s*[^》]{2,12}\s*》\s*[（(][^)）]*\d+\s*版\s*[)）]$",
            r"(?:Share(?: this)?(?: article| story)?(?: on)?|Tweet|Copy link|Print|Email)"
            r"(?:\s*[:|]?\s*(?:Facebook|Twitter|X|LinkedIn|WhatsApp|Email|Reddit|Copy link))*$",
            r"(?:Advertisement|ADVERTISEMENT|Skip to (?:main )?content|Sign up\b|Subscribe now)",
            r"FILE PHOTO:",  # a wire photo's caption
            r"(?:We use cookies|This (?:site|website) uses cookies|Accept (?:all )?cookies)",
            # A row of short labels: "Home | News | About", "首页 | 新闻 | 关于我们".
            r"(?:[^|｜]{1,12}\s*[|｜]\s*){2,}[^|｜]{1,12}$",
            # Newspaper registration, price, barcode, end marks.
            r"CN\s?\d{2}\s?-\s?\d{4}|定价\s*[:：]",
            r"\d[\d ]{10,}\d$",
            r"[（(](?:完|END|end)[)）]$",
            # Link debris from scraped pages: "getUrls?link=ab12 - Some title".
            r"\S*(?:getUrls\?|[?&]link=)\S*",
            r"(?:https?://|www\.)\S+(?:\s+[-–—|]\s+.*)?$",
        ]
    )
)
# Debris recognised anywhere in the line; searched only when one of the
# literals below occurs, because an unanchored alternation is slow on prose.
_STRONG_ANYWHERE = re.compile(
    "|".join(
        [
            r"ICP\s*[备证]|公网安备|网安备\s*\d|互联网新闻信息服务许可证|增值电信业务经营许可证",
            r"网络文化经营许可证|信息网络传播视听节目许可证|广播电视节目制作经营许可证",
            r"违法和不良信息举报|不良信息举报(?:电话|中心|邮箱)",
            r"版权所有|Copyright\s*(?:©|\(c\)|&copy;)?\s*(?:19|20)\d\d",
            r"©\s*(?:19|20)\d\d|All [Rr]ights [Rr]eserved",
            r"未经.{0,20}(?:授权|许可|同意).{0,40}(?:不得|禁止|严禁)",
            r"连续出版物号|国内统一刊号|邮发代号|零售价",
        ]
    )
)
_ANYWHERE_LITERALS = (
    "ICP",
    "网安备",
    "许可证",
    "举报",
    "版权所有",
    "Copyright",
    "©",
    "ights",
    "未经",
    "出版物号",
    "统一刊号",
    "邮发代号",
    "零售价",
)
_STRONG_MAX_LEN = 300

# Contact and masthead labels: footer lines only when they are not sentences.
_WEAK_LABEL = re.compile(
    "|".join(
        [
            r"主办$|主管$|出版$|^(?:社址|印刷|承印)\s*[:：]|主办单位|主管单位|新媒体矩阵",
            r"^官方(?:微信|微博|网站|抖音|账号)",
            r"(?:视频号|抖音号?|快手号?|头条号|公众号|客户端)$|^联系我们|^关注我们|扫码|二维码",
            r"热线|^(?:联系|咨询|举报|服务|订阅)?电话\s*[:：]|^传真\s*[:：]|^邮编\s*[:：]",
            r"^(?:通讯|联系)?地址\s*[:：]|^(?:新闻|图片|副刊|读者)?投稿|^邮箱\s*[:：]|^E-?mail\s*:",
            r"^版权(?:声明|合作|所有)|^本报(?:声明|启事)|^订阅|^发行",
            r"^[\w.+-]+@[\w-]+\.[\w.]+$",
            r"^[(（]?0\d{2,3}[)）]?[-\s]?\d{7,8}(?:\s*[、,，/]\s*\d{7,8})*(?:\s*[(（][^)）]{1,10}[)）])?$",
            r"^1[3-9]\d{9}(?:\s*[(（][^)）]{1,10}[)）])?$",
            r"^Produced by\b|^(?:Follow us|Contact us|About us|Terms of (?:Use|Service)|Privacy)",
            r"^(?:Related|Most (?:read|popular)|Read more|More from|Recommended)\b",
        ]
    ),
    re.IGNORECASE,
)
# The paper's notices about its own rights: footer lines even as sentences.
_WEAK_NOTICE = re.compile(
    r"本报.{0,20}版权|自有版权|版权(?:声明|合作|事宜)|转载.{0,10}(?:联系|注明)"
)
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?:\s|$)")
_SENTENCE_PUNCT = re.compile(r"[。！？；，,;!?]|\.(?:\s|$)")
_MASTHEAD = re.compile(
    rf"^[{_CJK}]{{1,10}}(?:日报|晚报|早报|晨报|时报|商报|快报|都市报|青年报|法治报|法制报"
    r"|经济报|周报|周刊|导报|侨报|新闻报|报)$"
)
_NAME = rf"[{_CJK}·]{{2,5}}"
_EN_NAME = r"[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}"
# A one-character role (文, 图, 摄) needs a separator, or '文化强国' would be a byline.
_ROLE = (
    r"(?:(?:本报)?(?:记者|通讯员|实习生|见习记者|特约记者|摄影|编译)\s*[:：]?"
    r"|(?:文/图|文|图|摄)\s*[:：/ ])"
)
_BYLINE = re.compile(
    rf"^[（(]\s*(?:{_ROLE}\s*)?{_NAME}(?:[\s、,，/]+(?:{_ROLE}\s*)?{_NAME})*\s*[)）]$"
    rf"|^{_ROLE}\s*{_NAME}(?:[\s、,，]+(?:{_ROLE}\s*)?{_NAME})*$"
    rf"|^By {_EN_NAME}(?:(?:,| and) {_EN_NAME})*$"
)


def is_boilerplate(line: str) -> bool:
    """Unmistakable non-article lines, dropped wherever they stand."""
    line = line.strip()
    if len(line) > _STRONG_MAX_LEN:
        return False
    if _STRONG_START.match(line):
        return True
    return any(lit in line for lit in _ANYWHERE_LITERALS) and bool(_STRONG_ANYWHERE.search(line))


def is_footer_line(line: str) -> bool:
    """Lines that are masthead/contact debris when they close a text."""
    line = line.strip()
    if is_boilerplate(line):
        return True
    if len(line) <= 80 and not _SENTENCE_END.search(line) and _WEAK_LABEL.search(line):
        return True
    return len(line) <= 150 and _WEAK_NOTICE.search(line) is not None


def is_byline(line: str) -> bool:
    """'(王拓)', '（记者 王拓 通讯员 李四）', '记者 王拓', 'By Jane Doe'."""
    return len(line) <= 60 and _BYLINE.match(line.strip()) is not None


def is_masthead(line: str) -> bool:
    """A newspaper's name standing alone on a line: '江南晚报', '人民日报'."""
    return _MASTHEAD.match(line.strip()) is not None


def footer_start(paras: list[str]) -> int:
    """Index where the trailing masthead/contact block begins (len if none).

    The block is the longest run at the end made of footer lines and short
    unpunctuated labels ('官方微信', 'IP WUXI'); it counts only if at least one
    line in it is a real footer line, and it stops at a byline, which belongs
    to the last article.
    """
    start = len(paras)
    seen_footer = False
    while start > 0:
        para = paras[start - 1].strip()
        if is_byline(para):
            break
        if is_footer_line(para):
            seen_footer = True
        elif not _is_short_label(para):
            break
        start -= 1
    return start if seen_footer else len(paras)


def is_short_label(para: str) -> bool:
    """'官方微信', 'IP WUXI', '首页': short, and no sentence in it."""
    return _is_short_label(para.strip())


def _is_short_label(para: str) -> bool:
    return len(para) <= 20 and _SENTENCE_PUNCT.search(para) is None


# -- where the article ends and where it starts ------------------------------

# Lines after which nothing is the article's: the editor credit, the
# disclaimer, the comment section, related and recommended lists, QR-code and
# app promotions. Chinese pages put these in a fixed order under the text.
_END_MARK = re.compile(
    "|".join(
        [
            r"^[【\[（(]?\s*(?:责任编辑|责编|编辑|本文编辑|值班编辑)\s*[:：]",
            r"^[【\[]?\s*(?:免责声明|特别声明|声明|版权声明|郑重声明)\s*[】\]]?\s*[:：]",
            r"^[【\[]?\s*(?:相关新闻|相关阅读|相关文章|相关报道|相关链接|延伸阅读|推荐阅读|为你推荐"
            r"|为您推荐|热门推荐|猜你喜欢|更多精彩|更多阅读|热点排行|热门文章|精彩推荐|精选留言|网友评论"
            r"|最新评论|热门评论|全部评论|我要评论|发表评论|评论区|文明上网|上一篇|下一篇"
            r"|本版其他新闻|本版其他|其他新闻|更多新闻|相关专题|往期回顾|热点新闻|今日推荐|图片新闻)",
            r"^评论\s*[(（]?\s*\d*\s*[)）]?$|^参与评论|^已有\s*\d+\s*(?:人|条)(?:参与|评论)",
            r"^(?:扫一扫|扫描二维码|扫码|长按识别|微信扫一扫|下载.{0,12}(?:APP|App|app|客户端))",
            r"^(?:阅读原文|原标题[:：]|本文来源[:：]|来源[:：]\s*\S{2,20}$)",
        ]
    )
)
_EN_END_MARK = re.compile(
    r"^(?:Related(?: (?:Articles?|Stories|News|Coverage|Content|Posts|Reading|Topics))?"
    r"|Recommended(?: for you| Stories| Reading)?|More (?:from|on|stories|news)\b.*"
    r"|You (?:may|might) (?:also )?(?:like|be interested in)|Read (?:more|next)"
    r"|Most (?:read|popular)"
    r"|Trending(?: Now| Stories)?|Comments?(?: \(\d+\))?|\d+ Comments?|Leave a (?:comment|reply)"
    r"|Join the (?:conversation|discussion)|Sign up for.*|Get breaking news.*|Show comments"
    r"|ATENÇÃO: Comentários.*|Comentários)\s*:?$",
    re.IGNORECASE,
)
#: English markers cut only in the last part of a text ('Related: …' lines
#: also stand between paragraphs of US news sites).
EN_END_SHARE = 0.5
# Before the article: login prompts, app promotions, a platform account's card.
_LEAD_JUNK = re.compile(
    r"登录|注册|下载.{0,12}(?:APP|App|app|客户端)|打开.{0,6}(?:APP|App|app|客户端)|粉丝|获赞|\+?关注$"
    r"|创作者|^(?:Sign in|Log in|Subscribe|Download (?:the|our) app|Open in app|Follow)\b",
    re.IGNORECASE,
)
_LEAD_JUNK_MAX = 60


def is_end_marker(line: str) -> bool:
    """A line that closes the article: '责任编辑：…', '相关新闻', '网友评论', '免责声明：…'."""
    line = line.strip()
    return len(line) <= 200 and _END_MARK.match(line) is not None


def article_end(paras: list[str]) -> int:
    """Index of the first end-of-article line after the text has begun (len if none).

    Chinese markers cut anywhere after the first paragraph; English ones only
    when short and in the last half of the text.
    """
    total = sum(len(p) for p in paras) or 1
    seen = 0
    for i, para in enumerate(paras):
        line = para.strip()
        if i > 0 and is_end_marker(line):
            return i
        if i > 0 and len(line) <= 80 and seen >= EN_END_SHARE * total and _EN_END_MARK.match(line):
            return i
        seen += len(para)
    return len(paras)


def is_lead_junk(line: str) -> bool:
    """Login prompts, app promotions and account cards above a platform article."""
    line = line.strip()
    return len(line) <= _LEAD_JUNK_MAX and _LEAD_JUNK.search(line) is not None


# -- the info line under a headline ------------------------------------------

_DATE_TOKENS = re.compile(
    r"\d+|[年月日时分秒号周星期一二三四五六日天]|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|"
    r"\b(?:am|pm|bst|gmt|utc|edt|est|pdt|pst|cst|cet|cest|jst|hkt|updated|published|last)\b|"
    r"[\s,.:/|\-–—+()（）]",
    re.IGNORECASE,
)
_INFO_LINE = re.compile(
    r"(?:来源|作者|编辑|发布时间|发布日期|浏览次数|阅读量|Source|By)\s*[:：]", re.IGNORECASE
)
_HAS_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4}")


def is_info_line(line: str) -> bool:
    """'2023年06月09日08:21 | 来源：人民网', 'Fri 9 Jun 2023 06.00 BST', '小字号'."""
    if len(line) > 120:
        return False
    if _INFO_LINE.search(line) and (_HAS_DATE.search(line) or len(line) <= 40):
        return True
    rest = _DATE_TOKENS.sub("", line)
    return len(rest) <= 2 and bool(re.search(r"\d", line))
