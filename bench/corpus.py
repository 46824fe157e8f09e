"""A synthetic bilingual news archive of any size, the same for the same seed.

Why synthetic: the benchmark must run at 2k, 20k and 100k documents, in CI
and on any machine, without shipping a news archive. Why these statistics:
search cost depends on how terms are distributed (a few very common words,
a long tail of rare ones), on document length and on how many documents a
facet value covers, so each is drawn to look like news:

* Chinese words are drawn from jieba's own dictionary by their frequency
  there (the frequencies jieba segments with), so common words are as common
  as in Chinese text and the tail is as long.
* English words follow a Zipf law (rank r has weight 1/(r + 2.7)) over a word
  list: the seeds' English words ordered by their frequency in the seeds
  (stop words come first, as in real text), then a deterministic tail of
  made-up words standing in for names and rare terms.
* About one sentence in eight is copied from the seed articles in seeds/, so
  phrases such as "integrated circuit" or 高质量发展 occur as real phrases.
* Dates are spread evenly over ten years (2015-2024); a few articles are
  undated. They are written the way news writes them: a dateline, 2023年10月31日,
  an HTML meta tag.
* Places come from the project's gazetteer, named in the article's language,
  with a Zipf law over places (a few cities make most of the news).
* About a fifth of the files are HTML pages with navigation and a footer
  around the article; the rest are plain text (title, blank line, body).

Every document is drawn from its own random stream (seed, document number),
so document i is the same whatever the corpus size: the 2k corpus is the
first 2k documents of the 20k one.

Besides the files, `manifest.jsonl` holds each article's clean title, body,
true date and places. The peer systems index those records (a fair start:
they do no file reading, HTML cleaning or date/place extraction, all of
which newsarchive does itself from the files).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MANIFEST = "manifest.jsonl"
FILES_PER_DIR = 1000
FIRST_DAY = date(2015, 1, 1)
DAYS = (date(2024, 12, 31) - FIRST_DAY).days + 1
LANG_SHARES = {"en": 0.45, "zh": 0.45, "mixed": 0.10}
HTML_SHARE = 0.2
UNDATED_SHARE = 0.03
SEED_SENTENCE_SHARE = 0.125
ENGLISH_TAIL = 40_000
SOURCES_EN = ["Jiangnan Herald", "Delta Business Daily", "Lakeside Post", "Silicon Coast Wire"]
SOURCES_ZH = ["江南晨报", "太湖日报", "长三角经济报", "新华财经"]
# Each article has a topic; its words are sprinkled over the random text so that
# topical queries match a realistic share of the archive, not almost none.
# An underscore joins the words of an English term; Chinese news writes some
# acronyms (AI, IGBT, GDP) in Latin letters, so the Chinese lists hold them too.
TOPICS = (
    (
        "semiconductor wafer chip chips foundry packaging IGBT 12-inch integrated_circuit",
        "芯片 集成电路 晶圆 半导体 封装 晶圆厂 IGBT 12英寸",
    ),
    ("solar photovoltaic battery hydrogen new_energy wafer", "光伏 硅片 新能源 电池 氢能 组件"),
    (
        "AI artificial_intelligence algorithm data_center computing",
        "人工智能 AI 算法 大模型 算力 数据",
    ),
    ("GDP investment trade exports economy yuan", "经济 投资 贸易 出口 GDP 消费"),
    ("manufacturing factory industrial_cluster supply_chain", "制造业 产业链 集群 工厂 智能制造"),
    ("innovation research technology university talent", "创新 研发 科技 高校 人才 技术"),
    ("EV electric_vehicles port railway logistics", "新能源汽车 港口 高铁 物流 EV"),
    ("project signed agreement development_zone", "项目 签约 开发区 招商 投资"),
)
TOPIC_SHARE = 0.45
MONTHS_EN = [
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
]

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_EN_WORD = re.compile(r"[A-Za-z][a-z]+(?:-[a-z]+)?")
_DATEISH = re.compile(r"本报讯|\d+月\d+日|\d{4}年|(Jan|Feb|Oct|Nov|Dec|Sept?)\.? \d")
_ZH_SENT = re.compile(r"[^。！？]*[\u4e00-\u9fff][^。！？]*[。！？]")


# -- vocabularies (built once per process, independent of the seed) ---------


@dataclass
class Vocab:
    words: list[str]
    cdf: np.ndarray  # cumulative weights, last == 1

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf, rng.random(n), side="right")
        np.minimum(idx, len(self.words) - 1, out=idx)
        words = self.words
        return [words[i] for i in idx.tolist()]


@cache
def chinese_vocab() -> Vocab:
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words, freqs = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and _CJK.match(parts[0]):
                words.append(parts[0])
                freqs.append(int(parts[1]))
    weights = np.asarray(freqs, dtype=np.float64)
    return Vocab(words, np.cumsum(weights) / weights.sum())


def _made_up_words(n: int) -> list[str]:
    """Pronounceable words, the same on every machine (fixed generator)."""
    rng = np.random.default_rng(20240601)
    onsets = [
        "b",
        "c",
        "d",
        "f",
        "g",
        "h",
        "j",
        "k",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "v",
        "w",
        "z",
        "br",
        "cr",
        "dr",
        "fl",
        "gr",
        "pl",
        "st",
        "tr",
        "ch",
        "sh",
        "th",
    ]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
    codas = ["", "n", "r", "s", "l", "m", "t", "x", "nd", "st"]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        k = int(rng.integers(2, 4))
        word = (
            "".join(
                onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))]
                for _ in range(k)
            )
            + codas[rng.integers(len(codas))]
        )
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


@cache
def english_vocab() -> Vocab:
    counts: Counter = Counter()
    for text in _seed_texts():
        counts.update(w.lower() for w in _EN_WORD.findall(text))
    ranked = [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    known = set(ranked)
    ranked += [w for w in _made_up_words(ENGLISH_TAIL) if w not in known]
    ranks = np.arange(len(ranked), dtype=np.float64)
    weights = 1.0 / (ranks + 2.7)
    return Vocab(ranked, np.cumsum(weights) / weights.sum())


@cache
def _seed_texts() -> tuple[str, ...]:
    return tuple(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))


@cache
def seed_sentences() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(English, Chinese) sentences of the seed articles."""
    english, chinese = [], []
    for text in _seed_texts():
        if re.search(r"[\u4e00-\u9fff]{20}", text):
            # Headlines have no punctuation; lines also break mid-sentence.
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            flat = "".join(
                line + "。" if len(line) < 50 and not re.search(r"[，,。：]", line) else line
                for line in lines
            )
            chinese += [
                s.strip()
                for s in _ZH_SENT.findall(flat)
                if 8 <= len(s.strip()) <= 160 and not _DATEISH.search(s)
            ]
        else:
            for line in text.splitlines():
                for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", line.strip()):
                    if 40 <= len(s) <= 400 and s[-1:] in '.!?”"' and not _DATEISH.search(s):
                        english.append(s)
    return tuple(english), tuple(chinese)


@dataclass(frozen=True)
class PlaceName:
    id: str
    en: str
    zh: str
    ancestors: tuple[str, ...]  # the place's id and its ancestors'


@cache
def places() -> tuple[tuple[PlaceName, ...], np.ndarray]:
    """Gazetteer places usable in text, in a fixed shuffled order, and their Zipf CDF."""
    from indexer.extract.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    found = []
    for place in gazetteer:
        en, zh = getattr(place, "name_en", None), getattr(place, "name_zh", None)
        if not en or not zh or getattr(place, "ambiguous", False) or len(zh) < 2:
            continue
        # Only names that mean one place, so that the true places are knowable.
        if len(gazetteer.lookup_all(en)) != 1 or len(gazetteer.lookup_all(zh)) != 1:
            continue
        found.append(place)
    found.sort(key=lambda p: p.id)
    rng = np.random.default_rng(7)
    order = rng.permutation(len(found)).tolist()
    # Well-known places lead, as in real news; the rest follow in shuffled order.
    leading = ["Jiangsu", "Wuxi", "Shanghai", "Beijing", "Nanjing", "Changzhou", "Jiangyin"]
    chosen = [p for name in leading for p in found if p.name_en == name][: len(leading)]
    chosen += [found[i] for i in order if found[i] not in chosen]
    out = tuple(
        PlaceName(p.id, p.name_en, p.name_zh, tuple(gazetteer.with_ancestors([p.id])))
        for p in chosen
    )
    weights = 1.0 / (np.arange(len(out), dtype=np.float64) + 1.5)
    return out, np.cumsum(weights) / weights.sum()


# -- documents --------------------------------------------------------------


@dataclass
class Doc:
    number: int
    lang: str
    title: str
    paragraphs: list[str]
    day: date | None
    places: list[PlaceName]
    source: str
    html: bool

    @property
    def rel_path(self) -> str:
        ext = "html" if self.html else "txt"
        return f"docs/{self.number // FILES_PER_DIR:03d}/{self.number:07d}.{ext}"

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def record(self) -> dict:
        ids: list[str] = []
        for p in self.places:
            for pid in p.ancestors:
                if pid not in ids:
                    ids.append(pid)
        return {
            "path": self.rel_path,
            "title": self.title,
            "body": self.body,
            "date": self.day.isoformat() if self.day else None,
            "lang": self.lang,
            "source": self.source,
            "places": [p.id for p in self.places],
            "places_all": ids,
        }


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _place_name(place: PlaceName, lang: str) -> str:
    return place.zh if lang == "zh" else place.en


def _sprinkle(rng, words: list[str], topic: list[str]) -> None:
    while rng.random() < TOPIC_SHARE:
        words.insert(int(rng.integers(len(words) + 1)), _pick(rng, topic))


def _english_sentence(rng, vocab: Vocab, names: list[str], topic: list[str]) -> str:
    n = int(rng.integers(8, 26))
    words = vocab.draw(rng, n)
    _sprinkle(rng, words, topic)
    if names and rng.random() < 0.35:
        words.insert(int(rng.integers(len(words) + 1)), _pick(rng, names))
    if rng.random() < 0.25:
        words.insert(int(rng.integers(len(words) + 1)), str(int(rng.integers(2, 2000))))
    if rng.random() < 0.3:
        words[int(rng.integers(len(words)))] += ","
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _chinese_sentence(rng, vocab: Vocab, names: list[str], topic: list[str]) -> str:
    n = int(rng.integers(8, 30))
    words = vocab.draw(rng, n)
    _sprinkle(rng, words, topic)
    if names and rng.random() < 0.4:
        words.insert(int(rng.integers(len(words) + 1)), _pick(rng, names))
    if rng.random() < 0.2:
        words.insert(int(rng.integers(len(words) + 1)), f"{int(rng.integers(2, 900))}亿元")
    for _ in range(n // 9):
        words[int(rng.integers(len(words)))] += "，"
    return "".join(words).rstrip("，") + "。"


def _dateline(day: date, lang: str, place: PlaceName | None, rng) -> str:
    if lang == "zh":
        where = f"{place.zh}讯 " if place else "本报讯 "
        return f"{where}{day.year}年{day.month}月{day.day}日"
    style = int(rng.integers(3))
    if style == 0 and place:
        return f"{place.en.upper()}, {MONTHS_EN[day.month - 1]} {day.day}, {day.year} --"
    if style == 1:
        return f"Published: {day.isoformat()}"
    return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def make_doc(seed: int, number: int) -> Doc:
    rng = np.random.default_rng([seed, number])
    lang = str(rng.choice(list(LANG_SHARES), p=list(LANG_SHARES.values())))
    en_vocab, zh_vocab = english_vocab(), chinese_vocab()
    en_seed, zh_seed = seed_sentences()
    place_list, place_cdf = places()
    k = int(rng.integers(1, 4))
    picks = np.searchsorted(place_cdf, rng.random(k), side="right")
    chosen: list[PlaceName] = []
    for i in picks.tolist():
        p = place_list[min(i, len(place_list) - 1)]
        if p not in chosen:
            chosen.append(p)
    topic_en, topic_zh = (t.split() for t in TOPICS[int(rng.integers(len(TOPICS)))])
    topic_en = [w.replace("_", " ") for w in topic_en]
    day = None
    if rng.random() >= UNDATED_SHARE:
        day = FIRST_DAY + timedelta(days=int(rng.integers(DAYS)))

    def sentence(sentence_lang: str) -> str:
        names = [_place_name(p, sentence_lang) for p in chosen]
        if sentence_lang == "zh":
            if rng.random() < SEED_SENTENCE_SHARE:
                return _pick(rng, zh_seed)
            return _chinese_sentence(rng, zh_vocab, names, topic_zh)
        if rng.random() < SEED_SENTENCE_SHARE:
            return _pick(rng, en_seed)
        return _english_sentence(rng, en_vocab, names, topic_en)

    # Lengths are log-normal: most articles short, a few long.
    if lang == "en":
        target = int(np.clip(rng.lognormal(np.log(2400), 0.5), 300, 20000))
    else:
        target = int(np.clip(rng.lognormal(np.log(900), 0.5), 120, 8000))
    paragraphs: list[str] = []
    size = 0
    while size < target:
        sentences = []
        for _ in range(int(rng.integers(2, 6))):
            sentence_lang = lang
            if lang == "mixed":
                sentence_lang = "en" if rng.random() < 0.3 else "zh"
            sentences.append(sentence(sentence_lang))
        joiner = "" if lang != "en" and all(_is_zh(s) for s in sentences) else " "
        para = joiner.join(sentences)
        paragraphs.append(para)
        size += len(para)

    title_lang = "zh" if lang in ("zh", "mixed") else "en"
    lead = _place_name(chosen[0], title_lang)
    if title_lang == "zh":
        words = [*zh_vocab.draw(rng, int(rng.integers(2, 5))), _pick(rng, topic_zh)]
        title = lead + "".join(words)
        if lang == "mixed":
            title += " " + _pick(rng, ["IGBT", "AI", "5G", "GDP", "EV", "12-inch"])
    else:
        words = [*en_vocab.draw(rng, int(rng.integers(4, 9))), _pick(rng, topic_en)]
        title = f"{lead} " + " ".join(words)
        title = title[0].upper() + title[1:]
    if day is not None:
        line = _dateline(day, "zh" if lang == "zh" else "en", chosen[0], rng)
        paragraphs[0] = f"{line} {paragraphs[0]}"
    source = _pick(rng, SOURCES_ZH if lang == "zh" else SOURCES_EN)
    is_html = bool(rng.random() < HTML_SHARE)
    return Doc(number, lang, title, paragraphs, day, chosen, source, is_html)


def _is_zh(text: str) -> bool:
    return bool(re.match(r"[\u4e00-\u9fff]", text))


def render_text(doc: Doc) -> str:
    return f"{doc.title}\n\n{doc.body}\n"


def render_html(doc: Doc) -> str:
    lang = "zh-CN" if doc.lang == "zh" else "en"
    esc = html.escape
    meta_date = (
        f'<meta property="article:published_time" content="{doc.day.isoformat()}">\n'
        if doc.day
        else ""
    )
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in doc.paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(doc.title)} - {esc(doc.source)}</title>\n{meta_date}"
        f'<meta property="og:site_name" content="{esc(doc.source)}">\n</head>\n<body>\n'
        '<nav><a href="/">Home</a> | <a href="/world">World</a> | '
        '<a href="/business">Business</a> | <a href="/tech">Tech</a></nav>\n'
        f"<article>\n<h1>{esc(doc.title)}</h1>\n{paras}\n</article>\n"
        '<aside><h3>Related</h3><ul><li><a href="/a">Markets close higher</a></li>'
        '<li><a href="/b">Weather this week</a></li></ul></aside>\n'
        f"<footer>© {esc(doc.source)}. All rights reserved. "
        '<a href="/privacy">Privacy</a></footer>\n</body>\n</html>\n'
    )


def write_corpus(out: str | os.PathLike, size: int, seed: int = 1) -> Path:
    """Write `size` documents under `out` (replacing a corpus of another size/seed)."""
    out = Path(out)
    stamp = out / "corpus.json"
    wanted = {"size": size, "seed": seed, "generator": 1}
    if stamp.exists() and json.loads(stamp.read_text("utf-8")) == wanted:
        return out
    if out.exists():
        import shutil

        shutil.rmtree(out)
    out.mkdir(parents=True)
    with open(out / MANIFEST, "w", encoding="utf-8") as manifest:
        for number in range(size):
            doc = make_doc(seed, number)
            path = out / doc.rel_path
            if number % FILES_PER_DIR == 0:
                path.parent.mkdir(parents=True, exist_ok=True)
            text = render_html(doc) if doc.html else render_text(doc)
            path.write_text(text, "utf-8")
            manifest.write(json.dumps(doc.record(), ensure_ascii=False) + "\n")
    stamp.write_text(json.dumps(wanted), "utf-8")
    return out


def read_manifest(corpus: str | os.PathLike):
    with open(Path(corpus) / MANIFEST, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)
