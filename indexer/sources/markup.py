"""HTML trees as text: pruning page furniture and cutting text into blocks.

Shared by the HTML page reader and the JSON reader (feeds put `<p>` markup
in their body strings). Only lxml is imported here, so reading JSON does not
pay for bs4 and trafilatura.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from indexer.sources.boilerplate import is_end_marker

# Elements whose whole subtree is never article text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "textarea",
    "nav",
    "object",
    "embed",
    "video",
    "audio",
    "map",
    "dialog",
)
BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "td",
        "th",
        "tr",
        "tbody",
        "thead",
        "table",
        "li",
        "ul",
        "ol",
        "dl",
        "dd",
        "dt",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "main",
        "header",
        "figure",
        "figcaption",
        "pre",
        "center",
        "address",
        "body",
        "html",
        "hr",
        "form",
        "fieldset",
        "details",
        "summary",
    )
)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009]+")
_NOT_TEXT = re.compile(r"\s+")
_STRAY_END = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_LOOKS_LIKE_MARKUP = re.compile(
    r"<(?:p|br|div|span|a|b|i|em|strong|li|ul|ol|h[1-6]|img|table|blockquote|font)\b[^>]*>"
    r"|</\w+>|&(?:nbsp|amp|lt|gt|quot|#\d+);",
    re.IGNORECASE,
)


@dataclass
class Block:
    """A run of text between block boundaries, with the element that holds it."""

    element: lxml.html.HtmlElement
    text: str
    link_chars: int


def text_key(text: str) -> str:
    """Text without its whitespace: how a page's blocks, trafilatura's lines and
    titles are matched, whatever spacing each of them kept."""
    return "".join(text.split())


def parse_document(html: str) -> lxml.html.HtmlElement:
    """Parse a whole page; lxml refuses str input that names its encoding.

    libxml2 stops reading at the first `</html>`, so a template that closes
    its header include with `</body></html>` would cut the article off: every
    `</html>` and `</body>` is dropped, and the parser closes them at the end.
    """
    html = _XML_DECLARATION.sub("", html, count=1)
    html = _STRAY_END.sub("", html)
    return lxml.html.document_fromstring(html)


# Page furniture as a rule, but Chinese CMS templates wrap whole pages in a
# `<form>` and put the article column in an `<aside>` or `<footer>`: these go
# only when they do not hold most of the page's prose.
GUARDED_TAGS = ("form", "aside", "footer")
#: Share of the page's prose a guarded element must hold to be kept.
ARTICLE_SHARE = 0.4


def prune(root: lxml.html.HtmlElement) -> None:
    """Remove scripts, navigation, forms, asides, footers, comments, and lists of links.

    A site `<header>` goes too, but not a `<header>` inside `<article>` or
    `<main>`, which often holds the standfirst. A form, aside or footer that
    holds the article (most of the page's prose: long, punctuated runs with
    few links) stays, though what is inside it is still pruned.
    """
    doomed = []
    for el in root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction):
        doomed.append(el)
    for el in root.iter(*DROP_TAGS, "header", "ul", "ol"):
        tag = el.tag
        if tag == "header":
            if any(a.tag in ("article", "main") for a in el.iterancestors()):
                continue
        elif tag in ("ul", "ol") and not _is_link_list(el):
            continue
        doomed.append(el)
    for el in doomed:
        _remove(el)
    for table in list(root.iter("table")):
        if is_layout_table(table):
            _as_divs(table)
    guarded = list(root.iter(*GUARDED_TAGS))
    named = [
        el for el in root.iter("div", "section", "ul", "ol", "dl", "table") if is_aside_name(el)
    ]
    if not guarded and not named:
        return
    page = prose_chars(root)
    for el in guarded:
        if page == 0 or prose_chars(el) < ARTICLE_SHARE * page:
            _remove(el)
        else:
            el.tag = "div"  # trafilatura would flatten a kept <aside> into one line
    for el in named:
        if el.getparent() is None or prose_chars(el) >= ARTICLE_SHARE * page:
            continue
        if prose_chars(el) == 0 and is_end_marker(" ".join(el.text_content().split())):
            continue  # a bare '网友评论' heading: kept, so the text is cut there
        _remove(el)


_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
#: A cell with a text run this long holds prose, not data.
LAYOUT_CELL_CHARS = 150


def is_layout_table(table) -> bool:
    """A table that lays out a page (old Chinese CMS templates) rather than data.

    Data tables (results, prices, line-ups) are article text and are kept as
    rows; a table whose cells hold paragraphs, blocks, other tables or long
    prose, or that has a single column, is page layout.
    """
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
    if not rows:
        return True
    columns = max(sum(1 for c in tr if c.tag in ("td", "th")) for tr in rows)
    if columns <= 1:
        return True
    for cell in table.iter("td", "th"):
        if _owner(cell) is not table:
            continue
        if any(el.tag in ("p", "div", "table", "ul", "ol", "h1", "h2", "h3") for el in cell.iter()):
            return True
        if len(" ".join(cell.text_content().split())) > LAYOUT_CELL_CHARS:
            return True
    return False


def _owner(el):
    return next(el.iterancestors("table"), None)


def _as_divs(table) -> None:
    """Turn a layout table and its own rows and cells into plain blocks."""
    parts = [el for el in table.iter(*_TABLE_PARTS) if el is table or _owner(el) is table]
    for el in parts:
        el.tag = "div"


# Containers named for what sits beside an article: comment sections, related
# and recommended lists, share bars, QR codes, login and app prompts. Matched on
# whole words of class and id, and removed only when they hold little of the
# page's prose, so a body marked `class="post share-enabled"` survives.
_ASIDE_NAME = re.compile(
    r"(?:^|[\s_-])(?:comments?|comment(?:list|area|box|wrap)|discuss\w*|reply|replies"
    r"|recommend\w*|related|relate|share|sharebar|social|qr|qrcode|login|app(?:promo|download)"
    r"|newsletter|subscribe|advert\w*|sponsor\w*)(?:$|[\s_-])",
    re.IGNORECASE,
)


# ... unless the same names also call it the article ('sr-body-share-wrapper').
_CONTENT_NAME = re.compile(
    r"(?:^|[\s_-])(?:body|content|article|main|text|story|post|entry|detail)(?:$|[\s_-])",
    re.IGNORECASE,
)


def is_aside_name(el) -> bool:
    """Whether class or id names a comment section, related list, share bar or promo."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
    return (
        bool(names)
        and _ASIDE_NAME.search(names) is not None
        and _CONTENT_NAME.search(names) is None
    )


_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_PROSE_PUNCT = re.compile(r"[。！？；，,;!?]|\.(?:\s|$)")


def is_prose_text(text: str, link_chars: int = 0) -> bool:
    """Running text, not a label, link or caption: long enough and punctuated."""
    if link_chars > 0.3 * len(text):
        return False
    cjk = len(_CJK_CHAR.findall(text))
    if cjk >= len(text) * 0.3:
        return cjk >= 20 and _PROSE_PUNCT.search(text) is not None
    return len(text) >= 80 and _PROSE_PUNCT.search(text) is not None


def prose_chars(el: lxml.html.HtmlElement) -> int:
    """Characters of prose blocks under `el`: how much article text it holds."""
    return sum(len(b.text) for b in blocks(el) if is_prose_text(b.text, b.link_chars))


def _is_link_list(el: lxml.html.HtmlElement) -> bool:
    items = [li for li in el if li.tag == "li"]
    if len(items) < 3:
        return False
    total = len(_NOT_TEXT.sub("", el.xpath("string()")))
    links = len(_NOT_TEXT.sub("", "".join(el.xpath(".//a//text()"))))
    return total > 0 and links >= 0.7 * total


def _remove(el) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """Text runs in document order, split at block elements and `<br>`.

    Inline markup (`<b>`, `<a>`, `<font>`) stays inside its run, so a lead
    paragraph with a bold dateline and linked keywords is one block.
    """
    out: list[Block] = []
    _collect(root, out)
    return out


def _collect(el, out: list[Block]) -> None:
    parts: list[str] = []
    links = [0]

    def flush():
        text = clean_inline("".join(parts))
        if text:
            out.append(Block(el, text, min(links[0], len(text))))
        parts.clear()
        links[0] = 0

    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag in BLOCK_TAGS:
            flush()
            _collect(child, out)
        elif tag == "br":
            flush()
        elif tag is not None:
            inline = "".join(child.itertext())
            parts.append(inline)
            if tag == "a":
                links[0] += len(inline.strip())
            else:
                links[0] += sum(len("".join(a.itertext()).strip()) for a in child.iter("a"))
        if child.tail:
            parts.append(child.tail)
    flush()


def clean_inline(text: str) -> str:
    """Collapse runs of spaces (incl. nbsp and ideographic space) inside one line."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def looks_like_markup(text: str) -> bool:
    return _LOOKS_LIKE_MARKUP.search(text) is not None


def fragment_to_paragraphs(fragment: str) -> list[str]:
    """An HTML fragment (a feed's body string) as plain paragraphs."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return [p for p in (clean_inline(line) for line in fragment.split("\n")) if p]
    prune(root)
    return [b.text for b in blocks(root)]
