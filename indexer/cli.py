"""The `newsarchive` command: index, stats, search and serve.

Exit codes of `index` are for cron: 0 all went well, 1 some files failed
(they are listed) or the index could not be written, 75 (EX_TEMPFAIL)
another indexing run holds the lock. Log lines are timestamped; the progress
bar appears only on a terminal. A full disk or a read-only index folder is
an operator's problem, not a bug: it gets one line saying what failed, where,
what the index still holds and what to do, never a traceback.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from indexer.settings import ENV_PREFIX, SETTINGS_BY_NAME, env_value

EXIT_FAILED = 1
EXIT_BUSY = 75

log = logging.getLogger("newsarchive")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )
    # The OpenSearch client logs every request at INFO: detail for --verbose.
    logging.getLogger("opensearch").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _index_option(fn):
    return click.option(
        "--index",
        "index_dir",
        envvar=ENV_PREFIX + "INDEX",
        default=lambda: env_value("INDEX"),
        show_default="var/index in the project",
        type=click.Path(file_okay=False, path_type=Path),
        help=SETTINGS_BY_NAME["INDEX"].help,
    )(fn)


@click.group()
@click.version_option(package_name="newsarchive")
def cli():
    """Full-text search over an English and Chinese news archive."""


@cli.command("index")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@_index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside and swap it in.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another indexing run to finish before giving up (exit 75).",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
def index_command(sources, index_dir, rebuild, wait, workers, as_json, verbose):
    """Index SOURCES (folders or files; default: NEWSARCHIVE_SOURCES, else seeds/).

    Incremental by default: new files are added, changed files re-indexed,
    documents of vanished files removed.
    """
    from indexer.ingest.errors import IndexBusy
    from indexer.ingest.run import run_index
    from indexer.ingest.workers import WorkerDied
    from indexer.search.errors import BackendUnavailable

    _setup_logging(verbose)
    if not sources:
        sources = [Path(s) for s in str(env_value("SOURCES")).split(os.pathsep) if s]
    backend = _index_backend(index_dir)
    before = backend.checkpoint()
    try:
        with backend.lock(wait=wait):
            summary = run_index(
                backend, list(sources), rebuild=rebuild, workers=workers, progress=_progress()
            )
    except IndexBusy as exc:
        log.error("%s; exiting", exc)
        sys.exit(EXIT_BUSY)
    except WorkerDied as exc:
        log.error("%s; earlier commits are kept, the next run redoes the rest", exc)
        sys.exit(EXIT_FAILED)
    except BackendUnavailable as exc:
        log.error("indexing failed: %s; %s", exc, backend.describe_failure(before))
        sys.exit(EXIT_FAILED)
    except OSError as exc:
        log.error("%s", write_failure_line(exc, backend, before))
        sys.exit(EXIT_FAILED)
    _warn_if_disk_low(index_dir)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        for path, reason in summary.failures:
            click.echo(f"failed: {path}: {reason}", err=True)
        click.echo(summary.line())
    sys.exit(0 if summary.ok else EXIT_FAILED)


_WHAT_TO_DO = {
    errno.ENOSPC: "free space on that file system or move the index (NEWSARCHIVE_INDEX) "
    "to a larger one, then run again",
    errno.EDQUOT: "raise the disk quota or free space, then run again",
    errno.EROFS: "mount the file system read-write or point NEWSARCHIVE_INDEX at a "
    "writable folder, then run again",
    errno.EACCES: "give the user running newsarchive write access to the index folder, "
    "then run again",
    errno.EPERM: "give the user running newsarchive write access to the index folder, "
    "then run again",
}


def _settings(index_dir) -> dict:
    """Every setting from the environment (BACKEND, OPENSEARCH_*...), with --index."""
    from indexer.settings import SETTINGS

    return {**{s.name: env_value(s.name) for s in SETTINGS}, "INDEX": index_dir}


def _index_backend(index_dir):
    from indexer.ingest.backend import open_index_backend

    return open_index_backend(_settings(index_dir))


@contextmanager
def _search_backend(index_dir):
    from indexer.search.backend import open_backend

    backend = open_backend(_settings(index_dir))
    try:
        yield backend
    finally:
        backend.close()


def write_failure_line(exc: OSError, backend, before) -> str:
    """One line for an OSError while writing: what, where, what is left, what to do."""
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    state = backend.describe_failure(before)
    todo = _WHAT_TO_DO.get(exc.errno, "check the file system, then run again")
    # No free-space figure here: until this process exits, files the failed
    # writer still holds open count as used even though they are deleted.
    return f"indexing failed writing the index: {what}{where}; {state}; {todo}"


def _warn_if_disk_low(index_dir) -> None:
    from indexer.disk import disk_space

    warning = disk_space(index_dir, env_value("MIN_FREE_MB")).warning()
    if warning:
        log.warning("%s", warning)


def _progress():
    """A bar of articles with docs/s and ETA, on a terminal only (cron mails stay clean)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="article", unit_scale=True, file=sys.stderr, leave=False)
        bar.total = max(total, done)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


@cli.command("stats")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats_command(index_dir, as_json):
    """Documents, languages, date range, top places, size, last update and free space."""
    from indexer.disk import disk_space
    from indexer.search.errors import BackendUnavailable, IndexMissing

    try:
        with _search_backend(index_dir) as backend:
            stats = backend.stats()
    except (IndexMissing, BackendUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    disk = disk_space(index_dir, env_value("MIN_FREE_MB"))
    stats["disk"] = disk.as_dict()
    stats["warnings"] = [w for w in (disk.warning(),) if w]
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"documents:     {stats['documents']}")
    langs = ", ".join(f"{k} {v}" for k, v in stats["by_language"].items())
    click.echo(f"by language:   {langs}")
    dr = stats["date_range"]
    click.echo(f"date range:    {dr['first']} .. {dr['last']} ({dr['undated']} undated)")
    top = ", ".join(f"{p['label']} ({p['count']})" for p in stats["top_locations"])
    click.echo(f"top locations: {top}")
    click.echo(f"index size:    {stats['index_bytes'] / 1e6:.1f} MB in {stats['index_path']}")
    click.echo(f"segments:      {stats['segments']}")
    cluster = stats.get("cluster")
    if cluster:
        s = cluster["settings"]
        click.echo(
            f"cluster:       {cluster['name']} {cluster['status']}, {cluster['nodes']} nodes, "
            f"{', '.join(s['hosts'])}"
        )
        click.echo(
            f"alias:         {s['alias']} -> {stats['generation']}, {s['shards']} shards, "
            f"{s['replicas']} replicas, timeout {s['timeout_s']} s, "
            f"certificates {'verified' if s['verify_certs'] else 'NOT verified'}"
            + (f" (CA {s['ca_certs']})" if s["ca_certs"] else "")
            + (f", user {s['user']}" if s["user"] else "")
        )
    click.echo(f"last update:   {stats['last_update']}")
    click.echo(
        f"free space:    {disk.free_bytes / 2**20:,.1f} MB of {disk.total_bytes / 2**20:,.1f} MB"
        f" (warning below {disk.min_free_bytes / 2**20:,.0f} MB)"
    )
    for warning in stats["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@cli.command("search")
@click.argument("query", default="")
@_index_option
@click.option("--location", "locations", multiple=True, help="Place (any language); repeatable.")
@click.option("--from", "date_from", help="From date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", help="To date (inclusive).")
@click.option("--lang", "langs", multiple=True, help="en, zh or mixed; repeatable.")
@click.option("--source", "sources", multiple=True, help="Publisher; repeatable.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default=None)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def search_command(
    query, index_dir, locations, date_from, date_to, langs, sources, sort, limit, as_json
):
    """Search the index from the shell."""
    import re

    from indexer.search.errors import BackendUnavailable, FilterError, IndexMissing, QueryError
    from indexer.search.request import SearchRequest

    request = SearchRequest(
        q=query,
        per_page=limit,
        sort=sort,
        locations=list(locations),
        date_from=date_from,
        date_to=date_to,
        langs=list(langs),
        sources=list(sources),
    )
    try:
        with _search_backend(index_dir) as backend:
            result = backend.search(request)
    except (QueryError, FilterError) as exc:
        raise click.UsageError(str(exc)) from exc
    except (IndexMissing, BackendUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} results ({result.took_ms} ms)")
    if result.relaxed:
        r = result.relaxed
        click.echo(f"not all words found: showing articles with {r['matched_words']} of {r['of']}")
    if result.expanded:
        click.echo(
            "also searched: "
            + "; ".join(f"{k} → {', '.join(v)}" for k, v in result.expanded.items())
        )
    for hit in result.hits:
        click.echo(f"\n{hit['date'] or 'undated'}  {hit['title']}  [{hit['id']}]")
        snippet = re.sub(r"</?mark>", "", hit.get("snippet", ""))
        click.echo("  " + _unescape(snippet)[:300])
    if result.suggestion:
        click.echo(f"\ndid you mean: {result.suggestion}")


@cli.command("serve")
@_index_option
@click.option(
    "--bind",
    envvar=ENV_PREFIX + "BIND",
    default="127.0.0.1:8000",
    show_default=True,
    help="Address gunicorn listens on.",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="gunicorn workers.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Archive to index when there is no index yet (default: NEWSARCHIVE_SOURCES, seeds/).",
)
def serve_command(index_dir, bind, workers, sources):
    """Serve search with gunicorn, building the index first when there is none.

    (Unless NEWSARCHIVE_BUILD_ON_START is false: then it serves 503 until an
    indexing run has built the index.)
    """
    from indexer.ingest.errors import IndexBusy
    from indexer.ingest.run import run_index
    from indexer.search.errors import BackendUnavailable

    _setup_logging()
    backend = _index_backend(index_dir)
    try:
        exists = backend.exists()
    except BackendUnavailable as exc:
        log.warning("%s: the service answers 503 until the cluster does", exc)
        exists = True  # nothing to build now; the service recovers when it answers
    if not exists and not env_value("BUILD_ON_START"):
        log.warning(
            "no index in %s and BUILD_ON_START is off: the service answers 503 until "
            "`newsarchive index` builds one",
            index_dir,
        )
    elif not exists:
        if not sources:
            sources = [Path(s) for s in str(env_value("SOURCES")).split(os.pathsep) if s]
        log.info("no index in %s: building it from %s", index_dir, ", ".join(map(str, sources)))
        try:
            with backend.lock(wait=600):
                if not backend.exists():
                    click.echo(run_index(backend, list(sources)).line())
        except IndexBusy as exc:
            raise click.ClickException(str(exc)) from exc
    from indexer.settings import project_dir

    env = dict(os.environ)
    env[ENV_PREFIX + "INDEX"] = str(Path(index_dir).resolve())
    env[ENV_PREFIX + "BIND"] = bind
    if workers:
        env[ENV_PREFIX + "WORKERS"] = str(workers)
    conf = project_dir() / "deploy" / "gunicorn.conf.py"
    args = [sys.executable, "-m", "gunicorn"]
    args += ["-c", str(conf)] if conf.exists() else ["--preload", "-b", bind]
    args.append("service:create_app()")
    log.info("serving %s on http://%s/", index_dir, bind)
    os.execve(sys.executable, args, env)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def main():  # pragma: no cover - console entry point
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
