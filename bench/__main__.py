"""`python -m bench`: make a corpus, run the comparison, render results.

python -m bench corpus --size 20000 --seed 1 --out bench/corpus/seed1-n20000
python -m bench run --size 20000 --seed 1 --out bench/results/n20000.json
python -m bench run --size 100000 --systems fts5,newsarchive --http
python -m bench report bench/results/n2000.json bench/results/n20000.json
python -m bench relevance --systems newsarchive,fts5,opensearch
python -m bench extract            # extraction quality against trafilatura (bench/extract.py)
python -m bench bigfile --size 20000   # indexing by file layout: docs/s, peak RSS, vs FTS5
python -m bench extract-snapshot --out /tmp/before.jsonl   # readers' output, for cmp
python -m bench fresh --index DIR SOURCES...   # first request after a restart and a commit
python -m bench curve bench/results/curve-n*.json --chart bench/curve.png   # cost curve
python -m bench overhead --index DIR --profile   # CPU per API request outside the search
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group()
def cli():
    """Benchmarks of newsarchive against naive jieba + Whoosh and SQLite FTS5."""


@cli.command("corpus")
@click.option("--size", type=click.IntRange(min=1), required=True, help="Documents.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def corpus_command(size, seed, out):
    """Write a synthetic bilingual corpus of SIZE documents to OUT."""
    from bench.corpus import write_corpus

    write_corpus(out, size, seed)
    click.echo(f"wrote {size} documents to {out}")


@cli.command("bigfile")
@click.option("--size", type=click.IntRange(min=1), default=20000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--layouts", default="export,files", show_default=True, help="export, files")
@click.option("--no-fts5", is_flag=True, help="Skip the FTS5 peer.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def bigfile_command(size, seed, layouts, no_fts5, out):
    """Index SIZE articles as one JSON Lines export and as files; docs/s and peak RSS."""
    from bench.bigfile import run, table

    results = run(size, seed, tuple(layouts.split(",")), fts5=not no_fts5)
    if out:
        out.write_text(json.dumps(results, indent=2), "utf-8")
    click.echo(table(results))


@cli.command("run")
@click.option("--size", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--systems",
    default=None,
    help="Comma-separated: naive, fts5, newsarchive, newsarchive-opensearch "
    "[default: naive,fts5,newsarchive; with --backend opensearch: "
    "newsarchive,newsarchive-opensearch].",
)
@click.option(
    "--backend",
    type=click.Choice(["whoosh", "opensearch"]),
    default="whoosh",
    show_default=True,
    help="opensearch: also run newsarchive over a 3-node OpenSearch cluster the run "
    "starts (512 MB heap per node), against Whoosh in the same run.",
)
@click.option(
    "--opensearch-nodes",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Nodes of that cluster (1: one shard, no replica).",
)
@click.option("--queries", default="all", show_default=True, help="Query ids (bench/queries.py).")
@click.option("--max-queries", type=int, default=None, help="Use only the first N queries.")
@click.option("--reps", type=int, default=5, show_default=True, help="Timed passes per query.")
@click.option("--naive-reps", type=int, default=1, show_default=True, help="Passes for naive.")
@click.option("--naive-max-queries", type=int, default=None, help="Queries for naive (first N).")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), default=None)
@click.option("--workdir", type=click.Path(path_type=Path), default=None, help="Index folders.")
@click.option("--http", is_flag=True, help="Also load-test gunicorn on newsarchive's index.")
@click.option("--http-seconds", type=int, default=30, show_default=True)
@click.option("--http-connections", type=int, default=8, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def run_command(
    size,
    seed,
    systems,
    backend,
    opensearch_nodes,
    queries,
    max_queries,
    reps,
    naive_reps,
    naive_max_queries,
    corpus_dir,
    workdir,
    http,
    http_seconds,
    http_connections,
    out,
):
    """Index one corpus with each system, run the same queries, report ratios."""
    from bench.report import markdown
    from bench.run import run
    from bench.systems import SYSTEMS

    if systems is None:
        opensearch = backend == "opensearch"
        systems = "newsarchive,newsarchive-opensearch" if opensearch else "naive,fts5,newsarchive"
    names = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise click.BadParameter(f"unknown systems: {', '.join(unknown)}", param_hint="--systems")
    results = run(
        size,
        seed,
        names,
        queries=queries,
        max_queries=max_queries,
        reps=reps,
        naive_reps=naive_reps,
        naive_max_queries=naive_max_queries,
        corpus_dir=corpus_dir,
        work_dir=workdir,
        http=http,
        http_seconds=http_seconds,
        http_connections=http_connections,
        opensearch_nodes=opensearch_nodes,
        log=lambda msg: click.echo(msg, err=True),
    )
    results["command"] = "python -m bench " + " ".join(sys.argv[1:])
    out = out or Path("bench/results") / f"seed{seed}-n{size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    click.echo(markdown([results]))
    click.echo(f"results: {out}", err=True)


@cli.command("curve")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None)
def curve_command(files, chart):
    """The cost curve of several `run` results files: a Markdown table, and a chart."""
    from bench.curve import chart as draw
    from bench.curve import points, table

    rows = points(list(files))
    click.echo(table(rows))
    if chart:
        draw(rows, chart)
        click.echo(f"chart: {chart}", err=True)


@cli.command("report")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def report_command(files):
    """Render result files as the Markdown tables of README's Benchmarks section."""
    from bench.report import markdown

    click.echo(markdown([json.loads(f.read_text("utf-8")) for f in files]))


@cli.command("shapes")
@click.option("--index", "index_dir", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def shapes_command(index_dir, out):
    """The most expensive query shapes on INDEX, with and without the time budget."""
    from bench.shapes import markdown, run

    results = run(index_dir, log=lambda m: click.echo(m, err=True))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    click.echo(markdown(results))


@cli.command("snapshot")
@click.option("--index", "index_dir", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def snapshot_command(index_dir, out):
    """The API's answers to the benchmark queries, for a byte-for-byte comparison."""
    from bench.snapshot import snapshot

    click.echo(f"{snapshot(index_dir, out)} answers written to {out}")


@cli.command("overhead")
@click.option("--index", "index_dir", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--rounds", default=5, show_default=True, help="Passes over the requests.")
@click.option("--profile", is_flag=True, help="Add a cProfile of the requests, search left out.")
def overhead_command(index_dir, rounds, profile):
    """CPU time per API request outside the search, in the service's own process."""
    from bench.overhead import overhead

    report = overhead(index_dir, rounds=rounds, profile=profile)
    text = report.pop("profile", None)
    click.echo(json.dumps(report, indent=2))
    if text:
        click.echo(text)


@cli.command("stories")
@click.option("--index", "index_dir", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--files", default=1000, show_default=True, help="Files indexed for the A/B.")
@click.option(
    "--sizes", default="5000,100000", show_default=True, help="Generated component-pass sizes."
)
def stories_command(index_dir, corpus, files, sizes):
    """What grouping copies costs: indexing, the component pass, first-pass queries."""
    import json

    from bench import stories

    sigs, signed, dates, view_seconds = stories.index_signatures(index_dir)
    report = {
        "component_pass_index": {
            **stories.component_cpu(sigs, signed, dates),
            "in_view_build_ms": round(view_seconds * 1000, 1),
        },
        "component_pass_generated": [
            stories.component_cpu(*stories.generated_signatures(int(n))) for n in sizes.split(",")
        ],
        "first_pass": stories.first_pass_cpu(index_dir),
    }
    if corpus is not None:
        report["indexing"] = stories.indexing_cpu(corpus, files)
    click.echo(json.dumps(report, indent=2))


@cli.command("fresh")
@click.option("--index", "index_dir", type=click.Path(exists=True, path_type=Path), required=True)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench/results/work/fresh"),
    show_default=True,
    help="Where the copy of the index goes (an article is added to it).",
)
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def fresh_command(index_dir, workdir, sources):
    """First request after a gunicorn start and after a commit, on a copy of INDEX."""
    from bench.fresh import run

    click.echo(json.dumps(run(index_dir, list(sources), workdir), indent=1))


@cli.command("devset")
@click.option(
    "--mirrors",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Use existing clones (<owner>+<name>/repo) instead of cloning from GitHub.",
)
def devset_command(mirrors):
    """Write bench/corpus/devset/articles.jsonl from public sources (see bench/devset.py)."""
    from bench.devset import build

    click.echo(build(mirrors))


@cli.command("relevance")
@click.option(
    "--devset",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("bench/corpus/devset/articles.jsonl"),
    show_default=True,
    help="Real articles, JSON Lines (python -m bench devset writes it).",
)
@click.option("--distractors", type=int, default=5000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--per-article", type=int, default=3, show_default=True, help="Fragments each.")
@click.option(
    "--systems",
    default="newsarchive,fts5",
    show_default=True,
    help="Comma-separated: newsarchive, fts5, opensearch.",
)
@click.option("--workdir", type=click.Path(path_type=Path), default=Path("bench/corpus/relevance"))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench/results/relevance.json"),
)
def relevance_command(devset, distractors, seed, per_article, systems, workdir, out):
    """Known-item queries (titles, English fragments, Chinese spans): MRR@10, success@10."""
    from bench.relevance import markdown, run

    names = [s.strip() for s in systems.split(",") if s.strip()]
    results = run(
        devset,
        distractors,
        seed,
        per_article,
        names,
        workdir,
        log=lambda m: click.echo(m, err=True),
    )
    results["command"] = "python -m bench " + " ".join(sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    click.echo(markdown(results))
    click.echo(f"results: {out}", err=True)


@cli.command("extract")
@click.option(
    "--scrapinghub",
    type=click.Path(path_type=Path),
    default=None,
    help="Checkout or bare git dir of scrapinghub/article-extraction-benchmark (else cloned).",
)
@click.option(
    "--htmldate",
    type=click.Path(path_type=Path),
    default=None,
    help="Checkout or bare git dir of adbar/htmldate (else cloned).",
)
@click.option(
    "--trafilatura",
    type=click.Path(path_type=Path),
    default=None,
    help="Checkout or bare git dir of adbar/trafilatura (else cloned).",
)
@click.option(
    "--only",
    default="en,zh,zh-eval,dates",
    show_default=True,
    help="Sets: en, zh (the committed pages; no download), zh-eval, dates.",
)
@click.option("--verbose", is_flag=True, help="List wrong titles/dates and the worst pages.")
def extract_command(scrapinghub, htmldate, trafilatura, only, verbose):
    """Body F1, titles and dates of newsarchive and trafilatura on the development pages."""
    from bench.extract import (
        SYSTEMS,
        fixture_pages,
        htmldate_pages,
        score,
        scrapinghub_pages,
        table,
        trafilatura_zh_pages,
    )

    log = (lambda msg: click.echo(msg, err=True)) if verbose else None
    wanted = {w.strip() for w in only.split(",")}
    sets = {}
    if "en" in wanted:
        sets["en (scrapinghub)"] = scrapinghub_pages(scrapinghub)
        sets["en (fixtures)"] = fixture_pages(lang="en")
    if "zh" in wanted:
        sets["zh (fixtures)"] = fixture_pages(lang="zh")
    if "zh-eval" in wanted:
        sets["zh (trafilatura eval)"] = trafilatura_zh_pages(trafilatura)
    if "dates" in wanted:
        sets["dates (htmldate mediacloud 2020)"] = htmldate_pages(htmldate)
    results = {}
    for name, pages in sets.items():
        results[name] = {system: score(pages, system, log) for system in SYSTEMS}
        if verbose:
            for system, s in results[name].items():
                worst = ", ".join(f"{n} {f:.2f}" for f, n in s.worst[:8])
                click.echo(f"  {name} {system} worst: {worst}", err=True)
    click.echo(table(results))


@cli.command("extract-snapshot")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def extract_snapshot_command(out):
    """Every cached and committed page as the index would hold it, for `cmp`."""
    from bench.extract_snapshot import snapshot

    counts = snapshot(out)
    click.echo(f"{sum(counts.values())} records ({counts}) written to {out}")


@cli.command("_child", hidden=True)
@click.argument("spec")
def child_command(spec):
    from bench.run import child_main

    child_main(json.loads(spec))


if __name__ == "__main__":
    cli()
