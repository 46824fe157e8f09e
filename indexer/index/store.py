"""Where the index lives on disk, and how it changes without ever breaking.

Layout of the index folder::

    var/index/
      CURRENT            name of the generation users see (replaced atomically)
      gen-<stamp>/       a complete Whoosh index + newsarchive.json (metadata)
      indexing.lock      held by the one indexing run allowed at a time

Why generations: `--rebuild` (and a change of segmenter or schema) builds a
whole new index beside the live one and then swaps `CURRENT` with one
`os.replace`, so a kill at any moment leaves either the old index or the new
one in front of users, never half of one. Incremental runs write into the
current generation; each Whoosh commit writes its new table of contents to a
temporary file and renames it, so a kill mid-run leaves the last commit.

Why deferred deletion: Whoosh deletes merged-away segment files at commit,
while a service process may still hold a searcher over them and open one of
their files lazily. `GracefulStorage` keeps those files; the next indexing
run sweeps files that no commit references and that are older than
`SWEEP_AFTER` seconds.

Why a failed run cleans up at once: a run that fails (a full disk, a
worker that died, an interrupt) knows which files it wrote, and those that
no commit references can be read by nobody. Left for the sweep, they would
keep the disk full for ten minutes and make the next run fail the same way;
`discard_uncommitted` removes them as soon as the failure is known. Only a
run killed outright leaves its files to the sweep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import filelock
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer.index.schema import SCHEMA_VERSION, build_schema
from indexer.ingest.errors import IndexBusy
from indexer.search.errors import IndexMissing
from indexer.search.request import IndexVersion

CURRENT = "CURRENT"
META = "newsarchive.json"
LOCK = "indexing.lock"
SWEEP_AFTER = 600.0
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


class GracefulStorage(FileStorage):
    """A FileStorage that leaves deleted files for a later sweep."""

    def delete_file(self, name):
        pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # -- the generation users see ---------------------------------------
    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text("utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if name and (self.root / name).is_dir() else None

    def current_dir(self) -> Path:
        name = self.current_name()
        if name is None:
            raise IndexMissing(f"no index in {self.root} (run `newsarchive index` first)")
        return self.root / name

    def exists(self) -> bool:
        return self.current_name() is not None

    def storage(self, gen_dir: Path) -> GracefulStorage:
        return GracefulStorage(str(gen_dir))

    def open(self, gen_dir: Path | None = None):
        """Open a Whoosh index (the current generation by default)."""
        gen_dir = gen_dir or self.current_dir()
        return whoosh_index.FileIndex(self.storage(gen_dir), schema=None, indexname="MAIN")

    def meta(self, gen_dir: Path | None = None) -> dict:
        gen_dir = gen_dir or self.current_dir()
        try:
            return json.loads((gen_dir / META).read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def write_meta(self, gen_dir: Path, **updates) -> dict:
        meta = self.meta(gen_dir)
        meta.update(updates)
        tmp = gen_dir / f".{META}.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, gen_dir / META)
        return meta

    # -- building and swapping ------------------------------------------
    def new_generation(self, **meta) -> Path:
        """Create an empty index beside the current one (not yet visible)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        gen_dir = self.root / f"gen-{stamp}"
        gen_dir.mkdir()
        try:
            self.storage(gen_dir).create_index(build_schema(), indexname="MAIN")
            self.write_meta(gen_dir, schema_version=SCHEMA_VERSION, created=_now(), **meta)
        except BaseException:
            shutil.rmtree(gen_dir, ignore_errors=True)
            raise
        return gen_dir

    def last_commit(self) -> tuple[str, int] | None:
        """(generation folder, Whoosh TOC number) users see now, or None without an index."""
        try:
            ix = self.open()
            try:
                return (self.current_name(), ix.latest_generation())
            finally:
                ix.close()
        except Exception:
            return None

    def version(self, name: str, commit: int | None) -> IndexVersion:
        """Generation `name` at Whoosh commit (TOC number) `commit`, dated by its TOC file.

        The TOC file is written once, by the commit it names: its
        modification time is when that commit was made.
        """
        gen_dir = self.root / name
        commit = -1 if commit is None else int(commit)
        try:
            committed = (gen_dir / f"_MAIN_{commit}.toc").stat().st_mtime
        except OSError:  # an empty index has no TOC of its own
            committed = gen_dir.stat().st_mtime
        return IndexVersion(
            generation=name,
            commit=commit,
            committed=datetime.fromtimestamp(int(committed), UTC),
            created=_parse_time(self.meta(gen_dir).get("created")),
        )

    def document_count(self) -> int | None:
        """Documents in the current commit, or None when there is no readable index."""
        try:
            ix = self.open()
            try:
                return ix.doc_count()
            finally:
                ix.close()
        except Exception:
            return None

    def publish(self, gen_dir: Path) -> None:
        """Make `gen_dir` the index users see, atomically, then tidy up."""
        previous = self.current_name()
        _fsync_dir(gen_dir)
        tmp = self.root / f".{CURRENT}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(gen_dir.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)
        keep = {gen_dir.name, previous}
        self.remove_generations(keep)

    def remove_generations(self, keep: set) -> None:
        """Delete generations other than `keep`: abandoned builds and old ones.

        The previous generation is kept until the next swap so that a service
        still reading it is not pulled out from under.
        """
        for path in self.root.glob("gen-*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    def sweep(self, gen_dir: Path, older_than: float = SWEEP_AFTER) -> int:
        """Delete files that no recent table of contents references.

        A file stays while the latest TOC, or any TOC committed less than
        `older_than` seconds ago, refers to it: a searcher opened on one of
        those may still read it. Only after it has been unreferenced for that
        long (and is itself that old) does it go, old TOC files included.
        """
        from whoosh.index import TOC

        storage = self.storage(gen_dir)
        now = time.time()
        tocs = []
        for path in gen_dir.iterdir():
            m = _TOC.match(path.name)
            if m:
                tocs.append((int(m.group(1)), path))
        if not tocs:
            return 0
        tocs.sort()
        latest = tocs[-1][0]
        live = {META, "MAIN_WRITELOCK"}
        for gen, path in tocs:
            try:
                recent = now - path.stat().st_mtime <= older_than
            except FileNotFoundError:
                continue
            if gen != latest and not recent:
                continue
            live.add(path.name)
            try:
                toc = TOC.read(storage, "MAIN", gen=gen)
            except Exception:  # an unreadable old TOC protects nothing
                if gen == latest:
                    raise
                continue
            for seg in toc.segments:
                live.update(_segment_files(gen_dir, seg))
        removed = 0
        for path in gen_dir.iterdir():
            if path.name in live or path.name.startswith("."):
                continue
            try:
                if now - path.stat().st_mtime > older_than:
                    removed += _remove(path)  # a folder: Whoosh's MAIN.tmp of a killed run
            except FileNotFoundError:
                pass
        return removed

    def discard_uncommitted(self, gen_dir: Path, existed: set[str] | None) -> int:
        """After a failed run: delete what it wrote that no commit references.

        `existed` names the generation's files before the run (None: the run
        created the generation). A generation that is not the current one
        goes whole: nobody can be reading it. In the current one, a file the
        run created stays only while a table of contents (any commit, so a
        searcher opened on an earlier commit of this run keeps its files)
        refers to it. Whoosh's temporary `*.tmp` folders go too: the caller
        holds the lock, so no writer is using them. Returns the files removed.
        """
        if gen_dir.name != self.current_name():
            shutil.rmtree(gen_dir, ignore_errors=True)
            return 1
        existed = existed or set()
        live = {META, "MAIN_WRITELOCK"} | self.committed_files(gen_dir)
        removed = 0
        for path in list(gen_dir.iterdir()):
            temporary = path.is_dir() and path.name.endswith(".tmp")
            if not temporary and (path.name in live or path.name in existed):
                continue
            removed += _remove(path)
        return removed

    def committed_files(self, gen_dir: Path) -> set[str]:
        """Every TOC file in `gen_dir` and the segment files each one names."""
        from whoosh.index import TOC

        storage = self.storage(gen_dir)
        names = set()
        for path in gen_dir.iterdir():
            m = _TOC.match(path.name)
            if not m:
                continue
            names.add(path.name)
            try:
                toc = TOC.read(storage, "MAIN", gen=int(m.group(1)))
            except Exception:  # half-written by the failed run: protects nothing
                names.discard(path.name)
                continue
            for seg in toc.segments:
                names.update(_segment_files(gen_dir, seg))
        return names

    # -- the single-writer lock -----------------------------------------
    @contextmanager
    def lock(self, wait: float = 0):
        """Hold the indexing lock; raise IndexBusy if it cannot be had in time.

        The lock is an flock on a file: the kernel releases it when its holder
        dies, so a run killed with SIGKILL never blocks the next one.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.root / LOCK), timeout=wait)
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise IndexBusy(f"another indexing run holds {self.root / LOCK}") from exc
        try:
            yield
        finally:
            lock.release()


def _remove(path: Path) -> int:
    """Delete a file or a folder; 1 if it was there, 0 if it had already gone."""
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return 0
    return 1


def _segment_files(gen_dir: Path, segment) -> set:
    # segment_id() already starts with the index name: "MAIN_<id>".
    return {p.name for p in gen_dir.glob(segment.segment_id() + ".*")}


def _parse_time(text) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
