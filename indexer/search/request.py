"""What a search asks and what it answers, whatever backend answers it.

`SearchResult` is plain data: the JSON API and the HTML page render the
very same object (see `service.results`). `facets` maps each facet name
(`month`, `year`, `day`, `lang`, `source`, `location`) to `(value, count)`
pairs, most frequent first (dates newest first), and `undated` to a count;
each facet is counted under every filter but its own (multi-select). `day`
holds only the days of the month a date filter lies within (see
`dates.month_within`), and is empty without such a filter.

Grouped by story (`group="story"`), `hits` are one article per story (the
first in the request's order) with `story` (the story's id) and `copies`
(its articles that match), pages count stories and `total_stories` is
set; `total` and the facets still count articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SORTS = ("relevance", "newest", "oldest")
GROUPS = ("story", "none")  # `group`: one hit per story, or every article


@dataclass
class SearchRequest:
    q: str = ""
    page: int = 1
    per_page: int = 10
    sort: str | None = None
    locations: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    langs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    facets: bool = True
    snippets: bool = True
    group: str | None = None  # "story": one hit per story (see `backend.GroupingStories`)
    story: str | None = None  # only that story's articles: the id of any of its copies

    @property
    def grouped(self) -> bool:
        return self.group == "story"


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    sort: str
    took_ms: float
    hits: list[dict]
    facets: dict  # name -> list of (value, count); plus "undated": int
    expanded: dict
    suggestion: str | None
    unknown_locations: list[str] = field(default_factory=list)
    generation: str = ""
    relaxed: dict | None = None  # {"matched_words", "of", "complete"} when words were dropped
    total_stories: int | None = None  # stories among the `total` articles, when grouped


@dataclass(frozen=True)
class IndexVersion:
    """Which commit of which build answers now: enough for HTTP validators.

    `generation` changes with every rebuild and `commit` with every indexing
    run that changed something, so the pair names the index's content;
    `committed` is when that commit was written (UTC) and `created` when the
    build began (None if unknown).
    """

    generation: str
    commit: int
    committed: datetime
    created: datetime | None = None
