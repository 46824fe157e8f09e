"""The three systems compared, behind one small interface.

Each system builds an index of the corpus in its own folder (`build`), then
answers `Query` objects (`search`) with the same `Outcome`: the number of
matches, the 10 best hits with a highlighted snippet, and month and place
counts over the matches. Each does it the way its users would:

* `naive`: what the jieba README suggests for Whoosh: `ChineseAnalyzer` in a
  plain Whoosh schema (no columns, no character offsets), one default
  writer, `MultifieldParser`, `groupedby` facets and default `highlights()`.
* `fts5`: SQLite FTS5 over jieba-presegmented text (porter + unicode61),
  ranked by `bm25()` with the title weighted 2, highlighted with
  `snippet()`; facets by `GROUP BY` over a materialised set of matches.
* `newsarchive`: `run_index` over the files, then `Searcher.search`.
* `newsarchive-opensearch`: the same through the OpenSearch backend, on the
  cluster `bench.run` starts (`--backend opensearch`): the same analysis,
  facets and snippets, stored and searched by the cluster.

The peers index the generator's clean records (see `bench.corpus`);
newsarchive reads, cleans and enriches the files themselves.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import read_manifest
from bench.queries import Query

TOP = 10
_SPACED = re.compile(r"(</?mark>)? (</?mark>)?")
_QUOTED = re.compile(r'"([^"]*)"|(\S+)')


@dataclass
class Outcome:
    total: int
    hits: list[dict]  # {"title", "snippet"}
    months: dict[str, int] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        def top(d, n=5):
            return sorted(d.items(), key=lambda x: (-x[1], x[0]))[:n]

        return {
            "total": self.total,
            "hits": len(self.hits),
            "snippets_nonempty": sum(1 for h in self.hits if h["snippet"].strip()),
            "snippets_marked": sum(1 for h in self.hits if "<" in h["snippet"]),
            "months": len(self.months),
            "month_count_sum": sum(self.months.values()),
            "places": len(self.places),
            "top_places": top(self.places),
            "first_snippet": self.hits[0]["snippet"][:300] if self.hits else "",
        }


def _joins(left: str, right: str) -> bool:
    """Whether the space jieba pre-segmentation put between two characters must go."""
    if not left or not right:
        return False
    wide = ord(left) > 0x2E7F or ord(right) > 0x2E7F
    latin = left.isascii() and left.isalnum() and right.isascii() and right.isalnum()
    return wide and not latin


def unsegment(text: str) -> str:
    """Undo the spaces of pre-segmented Chinese in a snippet (marks are kept)."""

    def fix(m: re.Match) -> str:
        s, e = m.start(), m.end()
        if _joins(text[s - 1 : s] if s else "", text[e : e + 1]):
            return (m.group(1) or "") + (m.group(2) or "")
        return m.group(0)

    return _SPACED.sub(fix, text)


def place_ids(name: str | None) -> list[str]:
    if not name:
        return []
    from indexer.search.places import resolve_places

    ids, _unknown = resolve_places([name])
    return ids


def index_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _yyyymmdd(iso: str | None) -> int:
    return int(iso.replace("-", "")) if iso else 0


class System:
    name = ""

    def __init__(self, workdir: Path, options: dict | None = None):
        self.workdir = Path(workdir)
        self.options = options or {}  # from the run (e.g. the cluster's hosts)

    def build(self, corpus: Path) -> dict:
        raise NotImplementedError

    def open(self) -> None:
        raise NotImplementedError

    def search(self, query: Query) -> Outcome:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def size(self) -> int:
        return index_size(self.workdir)


# -- naive jieba + Whoosh -----------------------------------------------------


class NaiveWhoosh(System):
    name = "naive"

    def _schema(self):
        from jieba.analyse import ChineseAnalyzer
        from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

        analyzer = ChineseAnalyzer()
        return Schema(
            path=ID(stored=True, unique=True),
            title=TEXT(stored=True, analyzer=analyzer),
            body=TEXT(stored=True, analyzer=analyzer),
            date=NUMERIC(int, stored=True),
            month=ID(stored=True),
            places=KEYWORD(stored=True, commas=True),
        )

    def build(self, corpus: Path) -> dict:
        from whoosh import index

        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        ix = index.create_in(str(self.workdir), self._schema())
        writer = ix.writer()
        n = 0
        for rec in read_manifest(corpus):
            day = _yyyymmdd(rec["date"])
            doc = {
                "path": rec["path"],
                "title": rec["title"],
                "body": rec["body"],
                "date": day,
            }
            if rec["date"]:
                doc["month"] = rec["date"][:7]
            if rec["places_all"]:
                doc["places"] = ",".join(rec["places_all"])
            writer.add_document(**doc)
            n += 1
        writer.commit()
        return {"documents": n}

    def open(self) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser

        self.ix = index.open_dir(str(self.workdir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)

    def search(self, query: Query) -> Outcome:
        from whoosh import query as wq
        from whoosh import sorting

        q = self.parser.parse(query.q)
        filters = []
        if query.location:
            ids = place_ids(query.location)
            filters.append(wq.Or([wq.Term("places", i) for i in ids]) if ids else wq.NullQuery)
        if query.date_range:
            filters.append(wq.NumericRange("date", *query.date_range))
        facets = {
            "month": sorting.FieldFacet("month", maptype=sorting.Count),
            "places": sorting.FieldFacet("places", allow_overlap=True, maptype=sorting.Count),
        }
        results = self.searcher.search(
            q,
            limit=TOP,
            filter=wq.And(filters) if filters else None,
            groupedby=facets,
        )
        # With groupedby, Whoosh's results hold every match, not just `limit`.
        hits = [{"title": h["title"], "snippet": h.highlights("body")} for h in results[:TOP]]
        months = {k: v for k, v in results.groups("month").items() if k}
        places = {k: v for k, v in results.groups("places").items() if k}
        return Outcome(len(results), hits, months, places)

    def close(self) -> None:
        self.searcher.close()


# -- SQLite FTS5 ----------------------------------------------------------------


class SqliteFts5(System):
    name = "fts5"

    @property
    def db_path(self) -> Path:
        return self.workdir / "fts5.sqlite"

    @staticmethod
    def segment(text: str) -> str:
        import jieba

        return " ".join(w for w in jieba.cut(text) if w.strip())

    def build(self, corpus: Path) -> dict:
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        db = sqlite3.connect(self.db_path)
        db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61');
            CREATE TABLE meta (id INTEGER PRIMARY KEY, path TEXT, date INTEGER, month TEXT);
            CREATE TABLE place (doc INTEGER, place TEXT);
            """
        )
        n = 0
        batch_docs, batch_meta, batch_places = [], [], []

        def flush():
            db.executemany("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", batch_docs)
            db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?)", batch_meta)
            db.executemany("INSERT INTO place VALUES (?, ?)", batch_places)
            batch_docs.clear()
            batch_meta.clear()
            batch_places.clear()

        for rec in read_manifest(corpus):
            n += 1
            seg = self.segment
            batch_docs.append((n, seg(rec["title"]), seg(rec["body"])))
            month = rec["date"][:7] if rec["date"] else None
            batch_meta.append((n, rec["path"], _yyyymmdd(rec["date"]), month))
            batch_places.extend((n, p) for p in rec["places_all"])
            if len(batch_docs) >= 1000:
                flush()
        flush()
        db.executescript(
            """
            CREATE INDEX place_by_place ON place (place, doc);
            CREATE INDEX place_by_doc ON place (doc);
            CREATE INDEX meta_by_date ON meta (date);
            INSERT INTO docs (docs) VALUES ('optimize');
            """
        )
        db.commit()
        db.close()
        return {"documents": n}

    def open(self) -> None:
        import jieba

        jieba.initialize()
        self.db = sqlite3.connect(self.db_path, check_same_thread=False)

    def match_expression(self, text: str) -> str:
        """User syntax to FTS5: words AND-ed, each word's segments AND-ed, phrases kept."""
        import jieba

        parts = []
        for m in _QUOTED.finditer(text):
            phrase, word = m.group(1), m.group(2)
            tokens = [t for t in jieba.cut(phrase if phrase is not None else word) if t.strip()]
            tokens = [t for t in tokens if re.search(r"\w", t)]
            if not tokens:
                continue
            quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
            parts.append(" + ".join(quoted) if phrase is not None else " AND ".join(quoted))
        return " AND ".join(f"({p})" for p in parts)

    def search(self, query: Query) -> Outcome:
        expr = self.match_expression(query.q)
        if not expr:  # only punctuation or stop characters: FTS5 would reject ''
            return Outcome(0, [])
        where = ["docs MATCH ?"]
        args: list = [expr]
        if query.date_range:
            where.append("meta.date BETWEEN ? AND ?")
            args += list(query.date_range)
        if query.location:
            ids = place_ids(query.location)
            marks = ",".join("?" * len(ids)) or "NULL"
            where.append(f"meta.id IN (SELECT doc FROM place WHERE place IN ({marks}))")
            args += ids
        cond = " AND ".join(where)
        top = self.db.execute(
            f"""
            SELECT highlight(docs, 0, '<mark>', '</mark>'),
                   snippet(docs, 1, '<mark>', '</mark>', '…', 32)
            FROM docs JOIN meta ON meta.id = docs.rowid
            WHERE {cond}
            ORDER BY bm25(docs, 2.0, 1.0) LIMIT {TOP}
            """,
            args,
        ).fetchall()
        rows = self.db.execute(
            f"""
            WITH m AS MATERIALIZED (
                SELECT meta.id AS id, meta.month AS month
                FROM docs JOIN meta ON meta.id = docs.rowid WHERE {cond}
            )
            SELECT 'month', month, count(*) FROM m GROUP BY month
            UNION ALL
            SELECT 'place', place.place, count(*) FROM m JOIN place ON place.doc = m.id
            GROUP BY place.place
            """,
            args,
        ).fetchall()
        months, places, total = {}, {}, 0
        for kind, value, count in rows:
            if kind == "month":
                total += count
                if value:
                    months[value] = count
            else:
                places[value] = count
        hits = [
            {"title": unsegment(title), "snippet": unsegment(snippet)} for title, snippet in top
        ]
        return Outcome(total, hits, months, places)

    def close(self) -> None:
        self.db.close()


# -- newsarchive ------------------------------------------------------------------


class Newsarchive(System):
    name = "newsarchive"

    @property
    def index_dir(self) -> Path:
        return self.workdir / "index"

    def settings(self) -> dict:
        """The backend settings, as the service and the CLI would have them."""
        return {"INDEX": str(self.index_dir)}

    def build(self, corpus: Path) -> dict:
        from indexer.ingest.backend import open_index_backend
        from indexer.ingest.run import run_index

        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        backend = open_index_backend(self.settings())
        with backend.lock():
            summary = run_index(backend, [Path(corpus) / "docs"], rebuild=True)
        return {
            "documents": summary.documents,
            "files_failed": summary.failed,
            "warnings": len(summary.warnings),
            "internal_seconds": round(summary.seconds, 3),
        }

    def open(self) -> None:
        from indexer.search.backend import open_backend, warm_up

        warm_up(self.settings())  # as gunicorn's master does before it forks the workers
        self.searcher = open_backend(self.settings())
        self.searcher.open_view()  # workers open their index view before taking requests

    def search(self, query: Query) -> Outcome:
        from indexer.search.request import SearchRequest

        request = SearchRequest(
            q=query.q,
            per_page=TOP,
            locations=[query.location] if query.location else [],
            date_from=query.date_from,
            date_to=query.date_to,
        )
        result = self.searcher.search(request)
        hits = [{"title": h["title"], "snippet": h.get("snippet", "")} for h in result.hits]
        months = dict(result.facets.get("month", []))
        places = dict(result.facets.get("location", []))
        return Outcome(result.total, hits, months, places)

    def close(self) -> None:
        self.searcher.close()

    def size(self) -> int:
        from indexer.index.store import IndexStore

        return index_size(IndexStore(self.index_dir).current_dir())


class NewsarchiveOpenSearch(Newsarchive):
    """newsarchive with `BACKEND=opensearch`, on the cluster the run started."""

    name = "newsarchive-opensearch"
    alias = "bench-newsarchive"

    def settings(self) -> dict:
        hosts = self.options.get("opensearch_hosts")
        if not hosts:
            raise RuntimeError("no cluster: run with --backend opensearch")
        settings = {
            "INDEX": str(self.index_dir),
            "BACKEND": "opensearch",
            "OPENSEARCH_HOSTS": ",".join(hosts),
            "OPENSEARCH_INDEX": self.alias,
            "OPENSEARCH_TIMEOUT": 60,
            "QUERY_TIMEOUT_MS": 0,
        }
        # The cluster's shape when the run chose one; otherwise the settings' defaults.
        for option in ("opensearch_shards", "opensearch_replicas"):
            if option in self.options:
                settings[option.upper()] = self.options[option]
        return settings

    def size(self) -> int:
        """Bytes of one copy of the index (primaries), as Whoosh's is one copy."""
        from opensearchpy import OpenSearch

        client = OpenSearch(hosts=self.options["opensearch_hosts"], timeout=60)
        try:
            stats = client.indices.stats(index=self.alias, metric="store")
            return stats["_all"]["primaries"]["store"]["size_in_bytes"]
        finally:
            client.close()


SYSTEMS = {cls.name: cls for cls in (NaiveWhoosh, SqliteFts5, Newsarchive, NewsarchiveOpenSearch)}
