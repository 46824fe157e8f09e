"""Find the gazetteer places an article mentions, in English and in Chinese.

Three parts:

* The Latin scan visits only capitalised words, since lower-case words never
  start a mention ("a nice day", "turkey sandwich"). At each it looks up the
  longest run of following words that is a gazetteer name, by dictionary
  lookups on normalised keys (`gazetteer.latin_key`): no regular-expression
  alternation over a thousand names, and whole words only ("Romania" never
  hits "Rome" or "Oman"). Acronyms (US, PRC) must match exactly.
* The Chinese scan folds traditional script to simplified and takes the
  segmenter's words: every gazetteer name is in its dictionary, so a name is
  a mention only where jieba cuts it as a word (孙中山 stays a person,
  中山陵 a mausoleum). Some words jieba keeps whole are a name plus a known
  suffix and do count (江苏省委, 苏州工业园区, 无锡人). A name followed by
  路/街/大道... is a street (南京路).
* Resolution turns mentions into place ids. A name shared by several places
  (Suzhou, Taizhou, 鼓楼区) goes to the one whose ancestors the text also
  mentions, else the most prominent. A place whose English name is also an
  ordinary word or a given name (`Place.ambiguous`: Nice, Jordan, Georgia)
  counts only with support: a preposition before it ("in Nice"), its country
  right after it ("Nice, France"), another unambiguous mention of it, or,
  mid-sentence and away from other capitalised words (which suggest a
  person's full name), a mention of its country elsewhere in the text.

Places are returned most mentioned first, a title mention weighing
`TITLE_WEIGHT` body mentions, ties in order of first mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from indexer.extract.gazetteer import (
    CJK_CHAR,
    LATIN_WORD,
    Gazetteer,
    Place,
    fold_chinese,
    latin_key,
    latin_word_key,
    load_gazetteer,
)

TITLE_WEIGHT = 3


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised phrases that contain a place name but are not that place.
NOT_PLACES = (
    "Latin America",
    "South America",
    "North America",
    "Central America",
    "New Mexico",
    "New Guinea",
    "South China Sea",
    "East China Sea",
    "South China Morning Post",
    "Georgia Tech",
    "Washington Post",
    "Washington State",
)
# Words before a place name that make it a place ("in Nice", "of Jordan").
LOCATIVES = _words(
    "in at from to near into across outside inside around via throughout toward towards "
    "of visit visited visiting visits"
)
STREET_WORDS = _words("road rd street st avenue ave lane boulevard blvd alley")
DIRECTIONS = _words("east west north south middle central")
# A pinyin place name after a Chinese family name is a person's given name
# (Li Jiang, Sun Zhongshan).
PINYIN_SURNAMES = _words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo "
    "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan Jiang "
    "Cai Du Ye Cheng Su Wei Lu Ding Ren Shen Yao Cui Zhong Tan Fan Jin Shi Liao Jia Xia "
    "Fu Fang Bai Zou Meng Xiong Qin Qiu Xue Yan Lei Hou Long Duan Tao Gu Mao Hao Gong "
    "Shao Wan Qian Kong Kang Zhuang Xing Niu Qi Yin Yu Kuang Lyu Lv Mo Geng Chang Miao"
)
# Words after a Chinese place name that make it a street or a road.
ZH_STREET_WORDS = _words(
    "路 街 大街 大道 巷 道 胡同 弄 路上 路口 路段 路边 路旁 "
    "东路 西路 南路 北路 中路 东街 西街 南街 北街 中街 东大街 西大街"
)
# Words that jieba keeps whole and that name a place's own people or bodies
# (江苏省委, 苏州工业园区, 上海证券交易所, 无锡人): the place is mentioned.
ZH_PLACE_WORD_SUFFIXES = _words(
    "人 市民 籍 委 省委 市委 区委 县委 州委 党委 纪委 政府 省政府 市政府 区政府 县政府 "
    "人民政府 人大 政协 海关 港 港口 工业园区 园区 高新区 开发区 经济开发区 新区 自贸区 "
    "保税区 大学 日报 晚报 电视台 证券交易所 机场 火车站 地铁"
)
# Words that begin with a place name but are not about the place.
ZH_NOT_PLACES = _words(
    "中山大学 中山陵 中山装 中山公园 苏州河 北京时间 金边债券 汉堡包 汉堡店 汉堡王 "
    "德州扑克 马里奥 阿曼达 黄石公园"
)
ZH_DIRECTIONS = frozenset("东西南北中")
ZH_STREET_AFTER_DIRECTION = _words("路 街 大街 大道")

_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
# Where a name can start: a capitalised word (or a dotted acronym) that is a
# whole word of `LATIN_WORD`, not the tail of d'Ivoire.
_CAPITALISED = re.compile(
    rf"(?<![{_LETTER}'’])(?:(?:[A-Z]\.){{2,}}|[A-Z\u00c0-\u00d6\u00d8-\u00de][{_LETTER}]*"
    rf"(?:['’][{_LETTER}]+)*)"
)
# The next word of a multi-word name: joined by spaces, a hyphen, a comma or a
# dot (Guinea-Bissau, Washington, D.C., St. Petersburg).
_JOINED_WORD = re.compile(
    rf"(?:[ \t\r\n]{{1,3}}|[ \t]?[,.\-–][ \t\r\n]{{0,2}})({LATIN_WORD.pattern})"
)
_SPACED_WORD = re.compile(rf"[ \t]+({LATIN_WORD.pattern})")
_SENTENCE_END = frozenset(".!?:;\n\r")
_OPENERS = frozenset(" \t\"'“‘([«")


@dataclass
class Mention:
    places: tuple[Place, ...]  # candidates, most prominent first
    start: int  # offset in the title + "\n" + body
    end: int
    weight: int
    weak: bool = False  # an ambiguous English name, needs support
    locative: bool = False
    initial: bool = False
    next_to_capital: bool = False
    followed_by: tuple[Place, ...] = field(default_factory=tuple)


class PlaceMatcher:
    """The gazetteer's names arranged for scanning text."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.latin: dict[str, tuple[Place, ...]] = {}
        self.chinese: dict[str, tuple[Place, ...]] = {}
        for key, places in gazetteer.names_by_key().items():
            table = self.chinese if CJK_CHAR.search(key) else self.latin
            table[key] = places
        for phrase in NOT_PLACES:
            self.latin[latin_key(phrase)] = ()
        self.acronyms = gazetteer.acronyms()
        # First word of a Latin name -> most words in a name starting with it.
        self.first_word: dict[str, int] = {}
        for key in self.latin:
            words = key.split(" ")
            self.first_word[words[0]] = max(self.first_word.get(words[0], 0), len(words))
        self._longest_chinese = max(map(len, self.chinese), default=0)
        self._not_places: dict[str, tuple[str, ...]] = {}
        for phrase in sorted(ZH_NOT_PLACES):
            self._not_places[phrase[:2]] = (*self._not_places.get(phrase[:2], ()), phrase)
        self._ancestor_ids = {p.id: {a.id for a in gazetteer.ancestors(p.id)} for p in gazetteer}
        # Word -> latin_word_key: news repeats its capitalised words.
        self._keys: dict[str, str] = {}

    def _key(self, word: str) -> str:
        key = self._keys.get(word)
        if key is None:
            key = latin_word_key(word)
            if len(self._keys) < 100_000:
                self._keys[word] = key
        return key

    # -- public ----------------------------------------------------------------
    def extract(self, title: str, body: str) -> list[str]:
        title, body = title or "", body or ""
        mentions: list[Mention] = []
        # Title and body are scanned apart: "Nice" ending the title and
        # "France" opening the body are not "Nice, France".
        for text, base, weight in ((title, 0, TITLE_WEIGHT), (body, len(title) + 1, 1)):
            if not text:
                continue
            found: list[Mention] = []
            self._scan_latin(text, base, weight, found)
            self._link_following(text, base, found)
            if CJK_CHAR.search(text):
                self._scan_chinese(text, base, weight, found)
            mentions += found
        return self._resolve(mentions)

    # -- Latin -----------------------------------------------------------------
    def _scan_latin(self, text: str, base: int, weight: int, out: list) -> None:
        done = 0
        for m in _CAPITALISED.finditer(text):
            if m.start() < done:
                continue  # inside a name already matched
            match = self._match_at(text, m)
            if match is None:
                continue
            end, words, places = match
            done = end
            start = m.start()
            if places and self._is_mention(text, start, end, words, places):
                out.append(self._latin_mention(text, start, end, words, places, base, weight))

    def _match_at(self, text: str, m: re.Match):
        """(end, words, candidates) of the longest name starting at m, or None."""
        word = m.group()
        first = self._key(word)
        longest = self.first_word.get(first, 0)
        if longest:
            keys, ends = [first], [m.end()]
            while len(keys) < longest:
                nxt = _JOINED_WORD.match(text, ends[-1])
                if nxt is None:
                    break
                keys.append(self._key(nxt.group(1)))
                ends.append(nxt.end())
            for n in range(len(keys), 0, -1):
                places = self.latin.get(" ".join(keys[:n]) if n > 1 else first)
                if places is None:
                    continue
                if n == 1 and word.isupper() and len(word) < 4:
                    break  # "ILI" is an acronym, not Ili
                return ends[n - 1], n, places
        compact = word.replace(".", "")
        if len(compact) > 1 and compact.isupper() and compact in self.acronyms:
            return m.end(), 1, self.acronyms[compact]
        return None

    def _is_mention(self, text: str, start: int, end: int, words: int, places) -> bool:
        if text[end : end + 1] == "$":
            return False  # US$10, HK$5: a currency
        nxt = _SPACED_WORD.match(text, end)
        if nxt is not None:
            lowered = nxt.group(1).lower()
            if lowered in ("dollar", "dollars"):
                return False  # 300 million US dollars
            if lowered in STREET_WORDS:
                return False  # Nanjing Road
            if lowered in DIRECTIONS:
                after = _SPACED_WORD.match(text, nxt.end())
                if after is not None and after.group(1).lower() in STREET_WORDS:
                    return False  # Beijing East Road
        # Li Jiang the person, not Lijiang.
        return not (
            words == 1
            and all(p.id.startswith("cn-") for p in places)
            and _previous_word(text, start) in PINYIN_SURNAMES
        )

    def _latin_mention(self, text, start, end, words, places, base, weight) -> Mention:
        mention = Mention(places, base + start, base + end, weight)
        if words == 1 and places[0].ambiguous:
            mention.weak = True
            prev = _previous_word(text, start)
            nxt = _SPACED_WORD.match(text, end)
            mention.locative = prev is not None and prev.lower() in LOCATIVES
            mention.initial = _sentence_initial(text, start)
            mention.next_to_capital = (prev is not None and prev[0].isupper()) or (
                nxt is not None and nxt.group(1)[0].isupper()
            )
        return mention

    @staticmethod
    def _link_following(text: str, base: int, mentions: list[Mention]) -> None:
        """Record the place named right after ", " (Nice, France)."""
        for a, b in pairwise(mentions):
            gap = text[a.end - base : b.start - base]
            if gap.strip() == "," and len(gap) <= 3:
                a.followed_by = b.places

    # -- Chinese ---------------------------------------------------------------
    def _scan_chinese(self, text: str, base: int, weight: int, out: list) -> None:
        from indexer.analysis.segmenter import get_segmenter

        folded = fold_chinese(text)
        tokens = get_segmenter().tokenize(folded)
        last = len(tokens) - 1
        for k, (word, start, end) in enumerate(tokens):
            places = self.chinese.get(word)
            if places is None:
                places = self._place_word(word)
                if places is None:
                    continue
            if any(folded.startswith(p, start) for p in self._not_places.get(word[:2], ())):
                continue  # 苏州河, 中山大学
            if k < last:
                nxt = tokens[k + 1][0]
                if nxt in ZH_STREET_WORDS or (
                    nxt in ZH_DIRECTIONS
                    and k + 1 < last
                    and tokens[k + 2][0] in ZH_STREET_AFTER_DIRECTION
                ):
                    continue  # 南京路, 北京东路
            out.append(Mention(places, base + start, base + end, weight))

    def _place_word(self, word: str) -> tuple[Place, ...] | None:
        """The place in a word like 江苏省委 or 无锡人: a name, then a known suffix."""
        if len(word) < 3:
            return None
        for cut in range(min(len(word) - 1, self._longest_chinese), 1, -1):
            if word[cut:] in ZH_PLACE_WORD_SUFFIXES:
                places = self.chinese.get(word[:cut])
                if places is not None:
                    return places
        return None

    # -- resolution ------------------------------------------------------------
    def _resolve(self, mentions: list[Mention]) -> list[str]:
        confirmed = {m.places[0].id for m in mentions if len(m.places) == 1 and not m.weak}
        support = set(self.gazetteer.with_ancestors(confirmed))
        scores: dict[str, int] = {}
        first: dict[str, int] = {}
        for m in mentions:
            place = self._choose(m, support)
            if m.weak and not self._supported(m, place, confirmed, support):
                continue
            scores[place.id] = scores.get(place.id, 0) + m.weight
            first.setdefault(place.id, m.start)
        return sorted(scores, key=lambda pid: (-scores[pid], first[pid]))

    def _choose(self, m: Mention, support: set[str]) -> Place:
        if len(m.places) == 1:
            return m.places[0]
        following = {p.id for p in m.followed_by}

        def score(place: Place) -> int:
            ancestors = self._ancestor_ids[place.id]
            return (
                10 * (place.id in support)
                + 5 * bool(ancestors & following)
                + len(ancestors & support)
            )

        # max() keeps the first of equals: the most prominent place.
        return max(m.places, key=score)

    def _supported(self, m: Mention, place: Place, confirmed: set, support: set) -> bool:
        ancestors = self._ancestor_ids[place.id]
        if m.locative or place.id in confirmed:
            return True
        if any(p.id in ancestors for p in m.followed_by):
            return True
        return not m.initial and not m.next_to_capital and bool(ancestors & support)


def _previous_word(text: str, start: int) -> str | None:
    """The Latin word before `start` if only spaces separate them."""
    k = start - 1
    if k < 0 or text[k] not in " \t":
        return None
    while k >= 0 and text[k] in " \t":
        k -= 1
    end = k + 1
    while k >= 0 and (_is_latin_letter(text[k]) or text[k] in "'’"):
        k -= 1
    return text[k + 1 : end].lstrip("'’") or None


def _is_latin_letter(c: str) -> bool:
    return c.isalpha() and (c < "\u0250" or "\u1e00" <= c <= "\u1eff")


def _sentence_initial(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] in _OPENERS:
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


@cache
def _default_matcher() -> PlaceMatcher:
    return PlaceMatcher(load_gazetteer())


def extract_places(title: str, body: str) -> list[str]:
    """Ids of the places mentioned, most mentioned first, ancestors not added."""
    return _default_matcher().extract(title, body)
