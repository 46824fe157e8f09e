"""Known-item relevance: does a fragment of an article find that article?

The worst failure of a search engine is a query that should find an
article and finds nothing. People search an archive with what they have in
hand: a headline, a few words they remember or paste, a span of Chinese
copied from a page. This benchmark takes real articles (the development
set, see `bench.devset`), hides them among synthetic distractors (the
generator of `bench.corpus`, so the archive is not trivially small), and
asks for each article:

* `title`: its headline as typed;
* `fragment_en`: 3-6 consecutive words of an English body, at random;
* `span_zh`: 4-8 consecutive characters of a Chinese body, at random
  (starting and ending wherever the selection fell, inside words or not);
* `title_typo`: an English headline with one word of five letters or more
  misspelt by one edit (a letter dropped, doubled, swapped with the next or
  replaced by a neighbour on the keyboard), as people type.

Fragments whose text occurs in more than one document are dropped (see
`identifying`); titles are kept even when another article has the same
one. Each system gets the same texts and the same queries, and is scored by
success@10 (the article is among the first ten) and MRR@10 (one over its
rank, zero beyond ten). Peers: SQLite FTS5 over jieba-segmented text, as
`bench.systems` runs it, and OpenSearch over jieba-segmented text
(`bench.opensearch_peer`) when asked for.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import time
from pathlib import Path

from bench.corpus import make_doc

TOP = 10
KINDS = ("title", "fragment_en", "span_zh", "title_typo")
# Keys next to each other on a QWERTY keyboard: the usual replaced letter.
_NEIGHBOURS = {
    row[i]: row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i in range(len(row))
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EDGE_PUNCT = "\"'“”‘’()[]{}<>,.;:!?"


def load_articles(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def make_queries(articles: list[dict], per_article: int, seed: int) -> list[dict]:
    """Known-item queries: (article id, kind, text), reproducible from `seed`."""
    rng = random.Random(seed)
    queries = []
    for art in articles:
        aid, body = art["id"], art["body"]
        if art.get("title"):
            queries.append({"id": aid, "kind": "title", "q": art["title"].strip()})
        if art["lang"] == "en":
            words = body.split()
            for _ in range(per_article if len(words) > 12 else 0):
                n = rng.randint(3, 6)
                i = rng.randrange(0, len(words) - n)
                text = " ".join(w.strip(_EDGE_PUNCT) for w in words[i : i + n]).strip()
                if text:
                    queries.append({"id": aid, "kind": "fragment_en", "q": text})
        else:
            for _ in range(per_article):
                for _try in range(20):
                    n = rng.randint(4, 8)
                    i = rng.randrange(0, max(1, len(body) - n))
                    span = body[i : i + n]
                    if not any(c.isspace() for c in span) and len(_CJK.findall(span)) >= 4:
                        queries.append({"id": aid, "kind": "span_zh", "q": span})
                        break
    # Their own random stream: the other kinds' queries stay as they were.
    typos = random.Random(f"typo-{seed}")
    for art in articles:
        title = (art.get("title") or "").strip()
        if art["lang"] == "en" and title:
            misspelt = misspell(title, typos)
            if misspelt is not None:
                queries.append({"id": art["id"], "kind": "title_typo", "q": misspelt})
    return queries


def misspell(title: str, rng: random.Random) -> str | None:
    """`title` with one of its words of five letters or more one edit away; None if none."""
    words = title.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.isascii()]
    if not candidates:
        return None
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 2)  # the first and last letters are rarely wrong
    edit = rng.choice(("drop", "double", "swap", "neighbour"))
    if edit == "drop":
        typo = word[:at] + word[at + 1 :]
    elif edit == "double":
        typo = word[:at] + word[at] + word[at:]
    elif edit == "swap" and word[at] != word[at + 1]:
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        near = _NEIGHBOURS.get(word[at].lower(), "")
        typo = word[:at] + (rng.choice(near) if near else "x") + word[at + 1 :]
    words[i] = typo
    return " ".join(words)


def write_corpus(articles: list[dict], distractors: int, seed: int, out: Path) -> Path:
    """One JSON Lines file of the articles and distractors, and a manifest for the peers."""
    if out.exists():
        shutil.rmtree(out)
    (out / "docs").mkdir(parents=True)
    records = [
        {"id": a["id"], "title": a["title"], "body": a["body"], "url": f"devset:{a['id']}"}
        for a in articles
    ]
    for n in range(distractors):
        doc = make_doc(seed, n).record()
        records.append(
            {
                "id": f"synthetic-{n}",
                "title": doc["title"],
                "body": doc["body"],
                "url": f"devset:synthetic-{n}",
            }
        )
    random.Random(seed).shuffle(records)
    with open(out / "docs" / "archive.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({k: r[k] for k in ("title", "body", "url")}, ensure_ascii=False))
            fh.write("\n")
    with open(out / "records.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


def _records(corpus: Path):
    with open(corpus / "records.jsonl", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


class NewsarchivePeer:
    name = "newsarchive"

    def __init__(self, corpus: Path, workdir: Path):
        from indexer.index.searcher import Searcher
        from indexer.index.store import IndexStore
        from indexer.index.writer import WhooshIndex
        from indexer.ingest.run import run_index

        store = IndexStore(workdir / "index")
        with store.lock():
            run_index(WhooshIndex(store), [corpus / "docs"], rebuild=True, workers=1)
        self.searcher = Searcher(workdir / "index")

    def search(self, q: str) -> list[str]:
        from indexer.search.query import QueryError
        from indexer.search.request import SearchRequest

        try:
            result = self.searcher.search(SearchRequest(q=q, per_page=TOP, facets=False))
        except QueryError:
            return []
        view = self.searcher.view()
        out = []
        for hit in result.hits:
            docnum = view.searcher.document_number(id=hit["id"])
            out.append(view.searcher.stored_fields(docnum).get("url", "")[len("devset:") :])
        return out

    def close(self):
        self.searcher.close()


class Fts5Peer:
    """SQLite FTS5 as `bench.systems.SqliteFts5` runs it: jieba words AND-ed, bm25."""

    name = "fts5"

    def __init__(self, corpus: Path, workdir: Path):
        from bench.systems import SqliteFts5

        self.helper = SqliteFts5(workdir)
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        self.db = sqlite3.connect(workdir / "fts5.sqlite")
        self.db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61');"
        )
        self.ids = {}
        rows = []
        for n, r in enumerate(_records(corpus), start=1):
            self.ids[n] = r["id"]
            rows.append((n, self.helper.segment(r["title"]), self.helper.segment(r["body"])))
        self.db.executemany("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", rows)
        self.db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        self.db.commit()

    def search(self, q: str) -> list[str]:
        expr = self.helper.match_expression(q)
        if not expr:
            return []
        try:
            rows = self.db.execute(
                f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.0, 1.0) "
                f"LIMIT {TOP}",
                (expr,),
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [self.ids[r[0]] for r in rows]

    def close(self):
        self.db.close()


def score(system, queries: list[dict]) -> dict:
    """success@10, MRR@10 and no-result share per query kind (and over fragments)."""
    per_kind: dict[str, list[tuple[float, bool, bool]]] = {k: [] for k in KINDS}
    misses = []
    started = time.perf_counter()
    for query in queries:
        found = system.search(query["q"])
        rank = found.index(query["id"]) + 1 if query["id"] in found[:TOP] else None
        per_kind[query["kind"]].append((1.0 / rank if rank else 0.0, rank is not None, not found))
        if rank is None and len(misses) < 40:
            misses.append({"kind": query["kind"], "q": query["q"], "got": len(found)})
    seconds = time.perf_counter() - started
    table = {}
    for kind, rows in per_kind.items():
        if rows:
            table[kind] = {
                "queries": len(rows),
                "mrr10": round(sum(r[0] for r in rows) / len(rows), 4),
                "success10": round(sum(r[1] for r in rows) / len(rows), 4),
                "no_results": round(sum(r[2] for r in rows) / len(rows), 4),
            }
    return {"kinds": table, "seconds": round(seconds, 2), "misses": misses}


def identifying(queries: list[dict], corpus: Path) -> tuple[list[dict], dict]:
    """The queries whose text only their own article holds, and how many others were dropped.

    `is one of the` or `state of the` occur word for word in dozens of
    articles: no system can know which one was meant, so such a query
    measures luck, not search. A query counts when its text (in the normal
    form of `indexer.search.fragments`: case, punctuation and spacing
    ignored) appears in its article and in no other document.
    """
    from indexer.search.fragments import normal_form

    texts = {
        r["id"]: f" {normal_form(r['title'])} \n {normal_form(r['body'])} "
        for r in _records(corpus)
    }
    kept, dropped = [], dict.fromkeys(KINDS, 0)
    for query in queries:
        form = normal_form(query["q"]).strip()
        if not _CJK.search(form):
            form = f" {form} "
        holders = [aid for aid, text in texts.items() if form in text]
        if holders == [query["id"]] or query["kind"] in ("title", "title_typo"):
            kept.append(query)
        else:
            dropped[query["kind"]] += 1
    return kept, dropped


def run(
    devset: Path, distractors: int, seed: int, per_article: int, systems, workdir: Path, log=print
) -> dict:
    articles = load_articles(devset)
    queries = make_queries(articles, per_article, seed)
    corpus = write_corpus(articles, distractors, seed, workdir / "corpus")
    queries, dropped = identifying(queries, corpus)
    langs = {lang: sum(a["lang"] == lang for a in articles) for lang in ("en", "zh")}
    results = {
        "devset": str(devset),
        "articles": langs,
        "distractors": distractors,
        "seed": seed,
        "queries": {k: sum(q["kind"] == k for q in queries) for k in KINDS},
        "dropped_not_identifying": dropped,
        "systems": {},
    }
    for name in systems:
        log(f"{name}: building")
        t0 = time.perf_counter()
        if name == "opensearch":
            results["systems"][name] = _run_opensearch(corpus, queries, workdir, log)
            continue
        system = {"newsarchive": NewsarchivePeer, "fts5": Fts5Peer}[name](corpus, workdir / name)
        built = time.perf_counter() - t0
        log(f"{name}: built in {built:.1f}s; querying")
        results["systems"][name] = score(system, queries)
        results["systems"][name]["build_seconds"] = round(built, 1)
        system.close()
    return results


def _run_opensearch(corpus: Path, queries: list[dict], workdir: Path, log) -> dict:
    from bench.opensearch_node import single_node
    from bench.opensearch_peer import OpenSearchPeer

    with single_node(workdir / "opensearch") as url:
        peer = OpenSearchPeer(url)
        t0 = time.perf_counter()
        peer.build(_records(corpus))
        built = time.perf_counter() - t0
        log(f"opensearch: built in {built:.1f}s; querying")
        outcome = score(peer, queries)
        outcome["build_seconds"] = round(built, 1)
        return outcome


def markdown(results: dict) -> str:
    systems = list(results["systems"])
    lines = [
        "| queries | n | " + " | ".join(f"{s} MRR@10 / success@10" for s in systems) + " |",
        "|---|---|" + "---|" * len(systems),
    ]
    for kind in KINDS:
        n = results["queries"].get(kind, 0)
        if not n:
            continue
        cells = []
        for s in systems:
            row = results["systems"][s]["kinds"].get(kind)
            cells.append(f"{row['mrr10']:.3f} / {row['success10']:.3f}" if row else "–")
        lines.append(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
