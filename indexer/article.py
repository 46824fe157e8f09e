"""The plain objects that flow from readers to the index.

Readers fill in what a file *declares* (a title, a date string, a source);
`indexer.extract.enrich` then derives what must be inferred (the date with
its precision, the language, the places). Nothing here imports Whoosh or
jieba, so every stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRECISIONS = ("day", "month", "year", "unknown")


@dataclass(frozen=True)
class PubDate:
    """A publication date that knows how much of itself is known.

    `as_int` packs it as YYYYMMDD with zeros for the unknown parts, so one
    integer column sorts and range-filters every precision: 2023-10 (month
    precision) is 20231000 and falls inside any range that covers October 2023.
    An unknown date is 0 and therefore outside every range.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def __post_init__(self):
        if self.year is None and (self.month or self.day):
            object.__setattr__(self, "month", None)
            object.__setattr__(self, "day", None)
        if self.month is None and self.day:
            object.__setattr__(self, "day", None)

    @property
    def precision(self) -> str:
        if self.year is None:
            return "unknown"
        if self.month is None:
            return "year"
        if self.day is None:
            return "month"
        return "day"

    @property
    def known(self) -> bool:
        return self.year is not None

    @property
    def as_int(self) -> int:
        if self.year is None:
            return 0
        return self.year * 10000 + (self.month or 0) * 100 + (self.day or 0)

    @property
    def iso(self) -> str | None:
        if self.year is None:
            return None
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text

    @classmethod
    def from_int(cls, value: int) -> PubDate:
        if not value:
            return UNKNOWN_DATE
        year, rest = divmod(int(value), 10000)
        month, day = divmod(rest, 100)
        return cls(year, month or None, day or None)


UNKNOWN_DATE = PubDate()


@dataclass
class Article:
    """One news article, as read from a file and then enriched.

    `path` is the source file relative to the archive root it was found under
    and `part` its ordinal inside that file (a newspaper page holds several).
    `declared_*` fields carry what the file itself says, verbatim; the
    enrichment step turns them into `date`, `lang` and `places`.
    """

    title: str
    body: str
    path: str = ""
    part: int = 0
    url: str | None = None
    source: str | None = None
    declared_date: str | None = None
    declared_lang: str | None = None
    declared_locations: list[str] | None = None
    # The latest date the file vouches for (an HTML page's modification
    # time): no date inferred from the text may be later.
    latest_date: str | None = None
    # A date guessed from all the dates on a page (htmldate's extensive
    # search): used only when the text, the URL and the path give none.
    guessed_date: str | None = None
    # Filled by indexer.extract.enrich:
    date: PubDate = UNKNOWN_DATE
    lang: str = ""
    places: list[str] = field(default_factory=list)
    places_all: list[str] = field(default_factory=list)
