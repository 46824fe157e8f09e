"""The relevance development set: real articles from public sources, rebuilt by one command.

`python -m bench devset` clones three public repositories (bare, into
bench/corpus/devset/repos, git-ignored) at fixed commits and writes
bench/corpus/devset/articles.jsonl ({"id", "lang", "title", "body",
"source", "url"} per line):

* English (~157): the ground truth of scrapinghub/article-extraction-benchmark
  (MIT), titles from each page's own HTML; non-English pages dropped.
* Chinese (~191): the SogouCA and SogouCS samples of Sogou Labs (news
  portals, 2012), found in two repositories that carry them; the GBK of
  SogouCA has mangled paragraph breaks, repaired here.

None of it comes from GeneralNewsExtractor, newspaper or newspaper4k, whose
test pages are the project's held-out check.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import html
import json
import re
import subprocess
import unicodedata
from pathlib import Path

OUT_DIR = Path("bench/corpus/devset")
REPOS = {
    "sh": (
        "https://github.com/scrapinghub/article-extraction-benchmark",
        "4a3bc979f76c0df73cb95fe272e2fc1b96f9f010",
    ),
    "sca": (
        "https://github.com/YeKc1M/InformationRetrieval",
        "32dbe9775cd5d5798c05b31b7c5b500274d78010",
    ),
    "scs": (
        "https://github.com/NICE-FUTURE/tfidf-cosine-text-recommendation",
        "c4ae9d10ea9720b938eefe94f538d797465a1abd",
    ),
}
EN_MIN, ZH_MIN, CAP = 500, 200, 400
_GITDIRS: dict[str, str] = {}


MIRRORS: Path | None = None  # a folder of existing clones: <owner>+<name>/repo


def repo(name: str) -> str:
    """The bare clone of one source repository, made on first use (or a mirror's)."""
    if name not in _GITDIRS:
        url, _commit = REPOS[name]
        gitdir = OUT_DIR / "repos" / f"{name}.git"
        if MIRRORS is not None:
            owner, project = url.rstrip("/").split("/")[-2:]
            gitdir = MIRRORS / f"{owner}+{project}" / "repo"
            if (gitdir / ".git").is_dir():
                gitdir = gitdir / ".git"
        elif not gitdir.exists():
            gitdir.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "clone", "--bare", "--quiet", url, str(gitdir)], check=True)
        _GITDIRS[name] = str(gitdir)
    return _GITDIRS[name]


def show(name, path):
    commit = REPOS[name][1]
    return subprocess.run(
        ["git", "--git-dir=" + repo(name), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def head(name):
    return REPOS[name][1]


def clean_ws(s):
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = re.sub(r"[ \t\u00a0]+\n", "\n", s)
    s = re.sub(r"\n{3,}", "\n\n", s)
    return s.strip()


# ---------- English: scrapinghub/article-extraction-benchmark ----------
META_RE = [
    r'<meta[^>]+property=(["\'])og:title\1[^>]*content=(["\'])([^<>]*?)\2',
    r'<meta[^>]+content=(["\'])([^<>]*?)\1[^>]*property=["\']og:title["\']',
    r'<meta[^>]+name=(["\'])twitter:title\1[^>]*content=(["\'])([^<>]*?)\2',
    r'<meta[^>]+content=(["\'])([^<>]*?)\1[^>]*name=["\']twitter:title["\']',
    r"<title[^>]*>(.*?)</title>",
    r"<h1[^>]*>(.*?)</h1>",
]


def html_title(doc):
    for rx in META_RE:
        m = re.search(rx, doc, re.I | re.S)
        if m:
            t = re.sub(r"<[^>]+>", " ", m.group(m.lastindex))
            t = re.sub(r"\s+", " ", html.unescape(html.unescape(t))).strip()
            if t:
                return t
    return ""


def english():
    gt = json.loads(show("sh", "ground-truth.json"))
    for key in sorted(gt):
        v = gt[key]
        body = clean_ws(v["articleBody"])
        if not is_english(body):
            continue
        raw = gzip.decompress(show("sh", f"html/{key}.html.gz"))
        m = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', raw[:5000])
        enc = m.group(1).decode() if m else "utf-8"
        try:
            doc = raw.decode(enc, errors="replace")
        except LookupError:
            doc = raw.decode("utf-8", errors="replace")
        yield dict(
            lang="en",
            title=html_title(doc),
            body=body,
            source=(
                f"scrapinghub/article-extraction-benchmark@{head('sh')[:12]}:"
                f"ground-truth.json[{key}] (title from html/{key}.html.gz)"
            ),
            url=v.get("url"),
            src="sh",
        )


EN_STOP = set(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "for",
        "it",
        "on",
        "was",
        "with",
        "as",
        "be",
        "by",
        "are",
        "this",
        "at",
        "from",
        "have",
        "has",
        "not",
        "but",
        "an",
        "or",
        "they",
        "his",
        "he",
        "we",
        "you",
        "their",
        "which",
        "were",
        "been",
        "will",
        "its",
        "said",
        "would",
        "who",
        "more",
        "one",
        "about",
        "all",
        "also",
        "can",
        "there",
        "had",
        "when",
    ]
)
OTHER_STOP = set(
    [
        "de",
        "la",
        "que",
        "el",
        "en",
        "los",
        "las",
        "del",
        "se",
        "por",
        "una",
        "un",
        "il",
        "di",
        "che",
        "e",
        "le",
        "per",
        "non",
        "della",
        "und",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
        "mit",
        "sich",
        "auf",
        "yang",
        "dan",
        "ini",
        "itu",
        "dengan",
        "untuk",
        "tidak",
        "não",
        "em",
        "um",
        "uma",
        "os",
        "para",
        "com",
        "est",
        "une",
        "des",
        "et",
        "du",
    ]
)


def is_english(text):
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(ord(c) > 0x24F for c in letters) / len(letters) > 0.02:
        return False
    words = re.findall(r"[a-z']+", text.lower())
    if not words:
        return False
    en = sum(w in EN_STOP for w in words) / len(words)
    other = sum(w in OTHER_STOP for w in words) / len(words)
    return en >= 0.05 and en > 2 * other


# ---------- Chinese: Sogou SogouCA / SogouCS "smarty" samples ----------
def repair_gbk(b):
    # SogouCA mini: paragraph separators were mangled into b'?\xa3'; some trail bytes were
    # replaced by '?'. Re-split paragraphs and drop the characters whose trail byte was lost.
    b = b.replace(b"?\xa3", b"\n")
    out, i, lost = [], 0, 0
    while i < len(b):
        c = b[i]
        if c < 0x80:
            out.append(chr(c))
            i += 1
            continue
        if i + 1 < len(b) and b[i + 1] != 0x3F:
            try:
                out.append(b[i : i + 2].decode("gb18030"))
                i += 2
                continue
            except UnicodeDecodeError:
                pass
        lost += 1
        i += 2 if (i + 1 < len(b) and b[i + 1] == 0x3F) else 1
    return "".join(out), lost


def sogou(name, path, enc, tag):
    raw = show(name, path)
    for k, d in enumerate(re.findall(rb"<doc>(.*?)</doc>", raw, re.S)):

        def g(t, d=d):
            return re.search(rb"<" + t + rb">(.*?)</" + t + rb">", d, re.S).group(1)

        if enc == "gbk-repair":
            title, _ = repair_gbk(g(b"contenttitle"))
            body, lost = repair_gbk(g(b"content"))
        else:
            title = g(b"contenttitle").decode("utf-8")
            body = g(b"content").decode("utf-8")
            lost = 0
        body = clean_ws(body)
        url = g(b"url").decode("utf-8", "replace")
        host = url.split("/")[2] if url.count("/") >= 2 else ""
        if host.startswith(("try.", "club.")) or "详细］" in body or "[详细]" in body:
            continue  # product-trial pages, forum posts, index/teaser pages: not news articles
        if lost > max(3, 0.02 * len(body)):  # too damaged
            continue
        yield dict(
            lang="zh",
            title=title.strip(),
            body=body,
            source=f"{tag}@{head(name)[:12]}:{path}[doc {k}]",
            url=url,
            src=tag.split("/")[0],
        )


def norm_key(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return hashlib.sha1(re.sub(r"\W+", "", s).encode()).hexdigest()


def build(mirrors: Path | None = None):
    global MIRRORS
    MIRRORS = mirrors
    items = {"en": [], "zh": []}
    seen = set()
    streams = [
        english(),
        sogou("sca", "news_tensite_xml.smarty.dat", "gbk-repair", "YeKc1M/InformationRetrieval"),
        sogou(
            "scs",
            "news_sohusite_xml.smarty.dat",
            "utf-8",
            "NICE-FUTURE/tfidf-cosine-text-recommendation",
        ),
    ]
    drop = collections.Counter()
    for st in streams:
        for it in st:
            lim = EN_MIN if it["lang"] == "en" else ZH_MIN
            if len(it["body"]) < lim:
                drop["short"] += 1
                continue
            if not it["title"]:
                drop["notitle"] += 1
                continue
            k = norm_key(it["body"])
            if k in seen:
                drop["dup"] += 1
                continue
            seen.add(k)
            if len(items[it["lang"]]) >= CAP:
                drop["cap"] += 1
                continue
            items[it["lang"]].append(it)
    prefix = {"sh": "scrapinghub", "YeKc1M": "sogouca", "NICE-FUTURE": "sogoucs"}
    n = collections.Counter()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / "articles.jsonl", "w", encoding="utf-8") as f:
        for lang in ("en", "zh"):
            for it in items[lang]:
                p = prefix[it["src"]]
                n[p] += 1
                rec = dict(
                    id=f"{p}-{n[p]}",
                    lang=lang,
                    title=it["title"],
                    body=it["body"],
                    source=it["source"],
                    url=it["url"],
                )
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return ("written", {k: len(v) for k, v in items.items()}, dict(n), "dropped", dict(drop))
