"""The queries every system answers: the same text, filters and output.

Why these: they cover what makes search slow or wrong in a bilingual
archive. Common words match a large share of the corpus (scoring and
facet-counting cost grows with matches); Chinese words split into several
terms; mixed queries cross the two analysers; phrases need positions; place
and date filters narrow the matches the facets count. Broad queries (one
common word in either language, a big place name, two common words) match
a quarter to a half of the archive each: most real queries are like them,
and most are seen only once, so the report leads with each query's first
run (see `bench.run`). Each query asks for the 10 best hits with a
highlighted snippet, and for month and place facet counts.

Place filters are written as a user would type them (English or Chinese);
each system resolves them through the same gazetteer to a place id and
matches documents in that place or anywhere inside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Query:
    id: str
    q: str
    kind: str  # en | zh | mixed | phrase | broad
    location: str | None = None
    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None

    @property
    def date_range(self) -> tuple[int, int] | None:
        if not (self.date_from or self.date_to):
            return None
        lo = int((self.date_from or "0001-01-01").replace("-", ""))
        hi = int((self.date_to or "9999-12-31").replace("-", ""))
        return lo, hi

    def as_dict(self) -> dict:
        return asdict(self)


QUERIES: tuple[Query, ...] = (
    Query("en-common", "development", "en"),
    Query("en-two", "semiconductor manufacturing", "en"),
    Query("en-three", "integrated circuit industry", "en"),
    Query("en-rare", "wafer investment", "en"),
    Query(
        "en-date", "economic development zone", "en", date_from="2019-01-01", date_to="2020-12-31"
    ),
    Query("en-place", "projects signed", "en", location="Jiangsu"),
    Query("en-place-date", "innovation", "en", "Shanghai", "2021-01-01", "2022-06-30"),
    Query("en-placename", "Wuxi", "en"),
    Query("zh-common", "发展", "zh"),
    Query("zh-word", "集成电路", "zh"),
    Query("zh-two", "经济 企业", "zh"),
    Query("zh-place", "项目 签约", "zh", location="江苏"),
    Query("zh-date", "技术", "zh", date_from="2017-01-01", date_to="2017-12-31"),
    Query("zh-place-date", "创新", "zh", "无锡", "2018-01-01", "2020-12-31"),
    Query("zh-long", "制造业 产业链 集群", "zh"),
    Query("mixed-acronym", "IGBT 芯片", "mixed"),
    Query("mixed-place", "Wuxi 集成电路", "mixed"),
    Query("mixed-ai", "AI 人工智能", "mixed", date_from="2020-01-01"),
    Query("phrase-en", '"integrated circuit"', "phrase"),
    Query("phrase-en-place", '"Development Zone"', "phrase", location="Wuxi"),
    Query("phrase-zh", '"高质量发展"', "phrase"),
    Query(
        "phrase-zh-date", '"集成电路产业"', "phrase", date_from="2016-01-01", date_to="2019-12-31"
    ),
    Query("filter-only-ish", "China", "en", location="Beijing", date_from="2023-01-01"),
    Query("zh-rare", "光伏 硅片", "zh", location="江阴"),
    Query("broad-en-word", "industry", "broad"),
    Query("broad-en-word2", "technology", "broad"),
    Query("broad-zh-word", "产业", "broad"),
    Query("broad-zh-word2", "中国", "broad"),
    Query("broad-place", "Jiangsu", "broad"),
    Query("broad-place-zh", "上海", "broad"),
    Query("broad-en-two", "investment cooperation", "broad"),
    Query("broad-zh-two", "企业 投资", "broad"),
)


def select(spec: str | None, limit: int | None = None) -> list[Query]:
    """Queries by comma-separated ids (or all), optionally the first `limit`."""
    chosen = list(QUERIES)
    if spec and spec != "all":
        wanted = [s.strip() for s in spec.split(",") if s.strip()]
        by_id = {q.id: q for q in QUERIES}
        unknown = [w for w in wanted if w not in by_id]
        if unknown:
            raise ValueError(f"unknown query ids: {', '.join(unknown)}")
        chosen = [by_id[w] for w in wanted]
    return chosen[:limit] if limit else chosen
