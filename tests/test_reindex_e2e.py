"""Re-indexing from cron while the service answers, with real processes end to end.

On loopback ports: gunicorn started with deploy/gunicorn.conf.py and the
settings of deploy/newsarchive.env, nginx with deploy/nginx-newsarchive.conf
in front of it, and client threads querying through nginx the whole time.
Meanwhile the archive folder changes and the crontab's own command runs again
and again, and then indexing runs are killed with SIGKILL at seeded random
moments.

Why one long test rather than several short ones: the claim is about all of
it happening at once (a generation swap under load, a kill while workers are
reading files, the sweep that follows), and restarting the service between
steps would hide exactly the failures it is meant to catch.

The figures (requests, failures, kills survived) are printed and written to
test-artifacts/reindex-e2e.json; README.md ("Deploy") quotes them.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .servers import free_port, start_gunicorn
from .test_deploy import (
    NGINX,
    ROOT,
    cron_environment,
    crontab_job,
    read_env_file,
    render_cron_command,
    render_env_file,
    render_nginx_site,
    require_tool,
    start_nginx,
    stop_nginx,
    write_nginx_conf,
)

pytestmark = pytest.mark.slow

SEED = 20240531
INITIAL_FILES = 400
STABLE_FILES = 40  # never changed: clients expect exactly one hit for each, always
CHANGE_ROUNDS = 4
KILLS = 10
KILL_ROUND = {"added": 400, "changed": 40, "deleted": 20}  # enough work to be killed amid
CLIENT_THREADS = 2
TEST_BUDGET = 170.0  # seconds; every loop below is also bounded by count
ARTIFACT = ROOT / "test-artifacts" / "reindex-e2e.json"

_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, no s/y: stemmers leave these words alone
_EN_WORDS = [
    "port",
    "harbour",
    "cargo",
    "wafer",
    "factory",
    "export",
    "river",
    "bridge",
    "council",
    "budget",
    "rail",
    "station",
    "museum",
    "festival",
    "orchard",
    "weather",
    "rainfall",
    "bank",
    "loan",
    "school",
    "hospital",
]
_ZH_SENTENCES = (
    "无锡市今天举行了新闻发布会。",
    "江阴港口的货物吞吐量持续增长。",
    "集成电路产业链不断完善。",
    "苏州工业园区吸引了更多外资企业。",
    "南京地铁新线路正式开通运营。",
    "当地政府加大了对中小企业的支持力度。",
    "长江沿岸的生态环境明显改善。",
    "今年前五个月江苏外贸进出口保持稳定。",
)


# -- the archive --------------------------------------------------------------


class Archive:
    """A folder of small English and Chinese articles, each with a unique marker word.

    The marker of a file changes whenever its text changes, so "which version
    of which file is searchable" is a set of markers.
    """

    def __init__(self, root: Path, rng: random.Random):
        self.root = root
        self.rng = rng
        self.markers: dict[str, str] = {}  # file name -> marker of its current text
        self._used: set[str] = set()
        self._next = 0
        root.mkdir(parents=True, exist_ok=True)

    def _marker(self) -> str:
        while True:
            word = "qz" + "".join(self.rng.choice(_LETTERS) for _ in range(7))
            if word not in self._used:
                self._used.add(word)
                return word

    def _text(self, marker: str) -> str:
        rng = self.rng
        date = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.5:
            words = rng.sample(_EN_WORDS, 4)
            title = f"{words[0].capitalize()} {words[1]} report {marker}"
            body = " ".join(
                f"The {rng.choice(_EN_WORDS)} {rng.choice(_EN_WORDS)} grew again in Wuxi."
                for _ in range(rng.randint(3, 12))
            )
            return f"Title: {title}\nDate: {date}\nSource: E2E Wire\n\n{body} Ref {marker}.\n"
        title = f"江苏{rng.choice(['经济', '交通', '环境', '科技'])}动态 {marker}"
        body = "".join(rng.choice(_ZH_SENTENCES) for _ in range(rng.randint(3, 12)))
        return f"标题: {title}\n日期: {date}\n来源: 测试通讯社\n\n{body} 编号 {marker} 。\n"

    def add(self, count: int) -> list[str]:
        names = []
        for _ in range(count):
            name = f"article-{self._next:05d}.txt"
            self._next += 1
            self.write(name)
            names.append(name)
        return names

    def write(self, name: str) -> str:
        marker = self._marker()
        (self.root / name).write_text(self._text(marker), "utf-8")
        self.markers[name] = marker
        return marker

    def delete(self, name: str) -> str:
        (self.root / name).unlink()
        return self.markers.pop(name)

    def mutable_names(self) -> list[str]:
        return sorted(n for n in self.markers if int(n[8:13]) >= STABLE_FILES)

    def change(self, added: int, changed: int, deleted: int) -> dict:
        """Add, rewrite and delete files; what each marker's fate should be."""
        names = self.rng.sample(self.mutable_names(), changed + deleted)
        before = dict(self.markers)
        changes = {"old": [], "new": [], "gone": []}
        for name in names[:changed]:
            changes["old"].append(before[name])
            changes["new"].append(self.write(name))
        for name in names[changed:]:
            changes["gone"].append(self.delete(name))
        changes["new"] += [self.markers[n] for n in self.add(added)]
        changes["untouched"] = {
            m for n, m in before.items() if n not in names and self.markers.get(n) == m
        }
        return changes

    def state(self) -> set[str]:
        return set(self.markers.values())


# -- looking at the index and the service --------------------------------------


def indexed_markers(index_dir: Path) -> set[str]:
    """Markers of every searchable article, read the way the service reads them."""
    from indexer.index.searcher import Searcher
    from indexer.search.request import SearchRequest

    found: set[str] = set()
    with Searcher(index_dir) as searcher:
        page, total = 1, None
        while total is None or len(found) < total:
            result = searcher.search(
                SearchRequest(q="", page=page, per_page=100, facets=False, snippets=False)
            )
            total = result.total
            if not result.hits:
                break
            found.update(hit["title"].rsplit(" ", 1)[-1] for hit in result.hits)
            page += 1
        assert len(found) == total, f"{total} articles listed as {len(found)} markers"
    return found


def children(pid: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def processes_with_env(token: str) -> list[int]:
    """Live processes whose environment holds `token` (the indexer and its workers)."""
    found = []
    needle = token.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


@dataclass
class Figures:
    requests: int = 0
    failures: int = 0
    wrong_answers: int = 0
    failure_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ok: bool, ms: float, why: str = "") -> None:
        with self.lock:
            self.requests += 1
            self.latencies_ms.append(ms)
            if not ok:
                self.failures += 1
                self._sample(why)

    def wrong(self, why: str) -> None:
        """A 200 whose content was wrong (an article missing while it should be there)."""
        with self.lock:
            self.wrong_answers += 1
            self._sample(why)

    def _sample(self, why: str) -> None:
        if len(self.failure_samples) < 20:
            self.failure_samples.append(why)


class NginxClient:
    """One keep-alive connection to nginx; every request is counted in `figures`."""

    def __init__(self, port: int, figures: Figures):
        self.port = port
        self.figures = figures
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, **params) -> tuple[int, bytes]:
        if params:
            path += "?" + urllib.parse.urlencode(params)
        started = time.perf_counter()
        reused = self.conn.sock is not None
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
            status = response.status
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            self.conn.close()
            if reused:
                # nginx closes a keep-alive connection idle for its keepalive_timeout
                # (30 s; a cron run on a loaded machine takes longer): ask again on
                # a new connection, as any HTTP client does for a GET.
                return self.get(path)
            self.figures.record(False, (time.perf_counter() - started) * 1000, repr(exc))
            return 0, b""
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.figures.record(False, (time.perf_counter() - started) * 1000, repr(exc))
            return 0, b""
        ms = (time.perf_counter() - started) * 1000
        self.figures.record(status == 200, ms, f"{status} {path}: {body[:200]!r}")
        return status, body

    def total(self, marker: str) -> int:
        status, body = self.get("/api/search", q=marker, per_page=1)
        assert status == 200, body
        return json.loads(body)["total"]

    def settles(self, marker: str, expected: int, seconds: float = 30) -> bool:
        """Whether searches for `marker` soon find `expected` articles, four times in a row."""
        deadline = time.monotonic() + seconds
        in_a_row = 0
        while in_a_row < 4 and time.monotonic() < deadline:
            in_a_row = in_a_row + 1 if self.total(marker) == expected else 0
            if not in_a_row:
                time.sleep(0.05)
        return in_a_row == 4

    def close(self):
        self.conn.close()


def client_loop(port, figures, stable: list[str], stop_event, seed: int, deadline: float):
    """Query through nginx until told to stop: searches, pages, health and static files."""
    rng = random.Random(seed)
    client = NginxClient(port, figures)
    try:
        while not stop_event.is_set() and time.monotonic() < deadline:
            kind = rng.random()
            if kind < 0.55:
                marker = rng.choice(stable)
                status, body = client.get("/api/search", q=marker)
                if status == 200 and json.loads(body)["total"] != 1:
                    figures.wrong(f"{marker}: {body[:200]!r}")
            elif kind < 0.75:
                client.get("/api/search", q=rng.choice(["江阴", "wuxi", "集成电路", "harbour"]))
            elif kind < 0.85:
                client.get("/", q=rng.choice(["无锡", "cargo"]))
            elif kind < 0.95:
                client.get("/healthz")
            else:
                client.get("/static/probe.css")
            time.sleep(0.005)
    finally:
        client.close()


# -- the test -----------------------------------------------------------------


def test_reindex_from_cron_under_load_and_survive_sigkill(tmp_path):
    require_tool(NGINX, "nginx", "nginx")
    started = time.monotonic()
    deadline = started + TEST_BUDGET
    rng = random.Random(SEED)
    archive = Archive(tmp_path / "archive", rng)
    archive.add(INITIAL_FILES)
    stable = [archive.markers[n] for n in sorted(archive.markers)[:STABLE_FILES]]
    index_dir = tmp_path / "index"
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    env_file = render_env_file(
        tmp_path / "newsarchive.env",
        NEWSARCHIVE_INDEX=str(index_dir),
        NEWSARCHIVE_SOURCES=str(archive.root),
    )
    _env, _fields, cron_line = crontab_job()
    cron_command = render_cron_command(cron_line, env_file, log_dir)
    runs: list[dict] = []

    def run_cron(label: str, rebuild: bool = False) -> float:
        """The crontab's command; `rebuild` adds --rebuild to it."""
        command = cron_command
        if rebuild:
            command = command.replace(" index --wait 60", " index --rebuild --wait 60")
            assert command != cron_command
        t0 = time.monotonic()
        result = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=cron_environment(),
            capture_output=True,
            text=True,
            timeout=max(30.0, deadline - time.monotonic() + 60),
        )
        seconds = time.monotonic() - t0
        assert result.returncode == 0 and result.stdout == "", (
            result.stdout + result.stderr + (log_dir / "index.log").read_text("utf-8")[-3000:]
        )
        runs.append({"run": label, "seconds": round(seconds, 2)})
        return seconds

    run_cron("initial build")
    assert indexed_markers(index_dir) == archive.state()

    figures = Figures()
    static_dir = tmp_path / "static"
    shutil.copytree(ROOT / "service" / "static", static_dir)
    (static_dir / "probe.css").write_text("main { max-width: 60rem; }\n" * 30, "utf-8")
    gunicorn_port, nginx_port = free_port(), free_port()
    service_env = read_env_file(env_file)
    for key in ("NEWSARCHIVE_BIND", "NEWSARCHIVE_WORKERS", "NEWSARCHIVE_ACCESS_LOG"):
        service_env.pop(key)  # start_gunicorn sets these for the test's port
    gunicorn = start_gunicorn(index_dir, gunicorn_port, workers=2, env=service_env)
    gunicorn_log: list[str] = []
    drain = threading.Thread(target=_drain, args=(gunicorn.stdout, gunicorn_log), daemon=True)
    drain.start()
    nginx = None
    stop_event = threading.Event()
    clients: list[threading.Thread] = []
    kill_log: list[dict] = []
    swept = 0
    try:
        gunicorn_workers = _wait_for_workers(gunicorn.pid, 2)
        site = render_nginx_site(nginx_port, gunicorn_port, static_dir)
        nginx = start_nginx(write_nginx_conf(tmp_path / "nginx", site), nginx_port)
        for i in range(CLIENT_THREADS):
            thread = threading.Thread(
                target=client_loop,
                args=(nginx_port, figures, stable, stop_event, SEED + i, deadline),
                daemon=True,
            )
            thread.start()
            clients.append(thread)
        checker = NginxClient(nginx_port, figures)

        # 1. The cron command, again and again, while files come, change and go.
        for round_no in range(CHANGE_ROUNDS):
            changes = archive.change(added=12, changed=6, deleted=5)
            if round_no == CHANGE_ROUNDS - 1:
                # A rebuild under load: built aside, swapped in with one rename.
                rebuild_seconds = run_cron(f"change round {round_no + 1} (--rebuild)", True)
                rebuild_size = len(archive.markers)
            else:
                run_cron(f"change round {round_no + 1}")
            # Each worker answers from its previous view until its next one,
            # built aside after the commit, is swapped in: moments, not more.
            for marker in changes["new"]:
                assert checker.settles(marker, 1), f"new or changed article {marker} missing"
            for marker in changes["old"] + changes["gone"]:
                assert checker.settles(marker, 0), f"old or deleted article {marker} still found"
            assert indexed_markers(index_dir) == archive.state()

        # 2. SIGKILL at random moments; each time the next run must finish the job.
        # Kill moments are fractions of how long an uninterrupted run of the
        # same work takes: measured first, then taken from each run that
        # completed a killed run's work (a rebuild scales with the archive).
        archive.change(**KILL_ROUND)
        incremental_seconds = run_cron("calibration")
        for kill_no in range(KILLS):
            rebuild = kill_no == 1
            if rebuild:
                typical = rebuild_seconds * len(archive.markers) / rebuild_size
            else:
                typical = incremental_seconds
            if time.monotonic() > deadline - 3 * typical - 5:
                break
            before = indexed_markers(index_dir)
            assert before == archive.state()
            changes = archive.change(**KILL_ROUND)
            target = archive.state()
            token = f"NEWSARCHIVE_E2E_RUN={tmp_path.name}-{kill_no}"
            argv = [*_newsarchive_argv(), "index", "--wait", "60"]
            if rebuild:
                argv.insert(-2, "--rebuild")
            env = {**cron_environment(), **read_env_file(env_file)}
            env["NEWSARCHIVE_E2E_RUN"] = token.partition("=")[2]
            delay = rng.uniform(0.05, 0.9) * typical
            with open(log_dir / "index.log", "a", encoding="utf-8") as log:
                since = time.time()
                proc = subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
                time.sleep(delay)
                killed = proc.poll() is None
                phase = _phase(index_dir, proc.pid, since) if killed else "finished"
                if killed:
                    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID`
                proc.wait(timeout=60)

            # No process of the killed run lives on holding the locks.
            t0 = time.monotonic()
            while processes_with_env(token) and time.monotonic() - t0 < 15:
                time.sleep(0.05)
            left = processes_with_env(token)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            assert not left, f"processes of the killed indexing run outlived it: {left}"
            orphans_gone = time.monotonic() - t0

            # The index opens and holds every article committed before the kill,
            # and no half of an update.
            after_kill = indexed_markers(index_dir)
            assert after_kill <= before | target
            assert changes["untouched"] <= after_kill
            for old, new in zip(changes["old"], changes["new"], strict=False):
                assert not (old in after_kill and new in after_kill), f"{old} and {new}"
            state = (
                "before" if after_kill == before else "after" if after_kill == target else "mixed"
            )
            for marker in rng.sample(sorted(changes["untouched"]), 5):
                found = checker.total(marker)
                assert found == 1, (
                    f"untouched article {marker} found {found} times after kill {kill_no + 1} "
                    f"(rebuild={rebuild}, phase={phase}, index={state}, "
                    f"settles={checker.settles(marker, 1)}, on disk={marker in after_kill})"
                )

            # What the killed run wrote into the live generation without
            # committing it (a rebuild writes into a generation of its own).
            live_dir = _current_generation(index_dir)
            leftovers = []
            if state == "before" and not rebuild:
                leftovers = [p for p in live_dir.iterdir() if p.stat().st_mtime >= since]

            # The next cron tick comes 15 minutes later: age what the killed run
            # left behind, so that the sweep it triggers really happens.
            _age(index_dir, seconds=20 * 60)
            seconds = run_cron(f"after kill {kill_no + 1}")
            if state == "before" and not rebuild:
                incremental_seconds = seconds  # it did all the killed run's work
            assert indexed_markers(index_dir) == target
            assert not [p.name for p in leftovers if p.exists()], "not swept"
            assert not (_current_generation(index_dir) / "MAIN.tmp").exists()
            swept += len(leftovers)
            for marker in changes["new"][:10]:
                assert checker.settles(marker, 1), f"{marker} missing after the next run"
            for marker in changes["gone"][:5] + changes["old"][:5]:
                assert checker.settles(marker, 0), f"{marker} still found after the next run"
            kill_log.append(
                {
                    "kill": kill_no + 1,
                    "rebuild": rebuild,
                    "killed": killed,
                    "after_seconds": round(delay, 2),
                    "of_a_run_of_seconds": round(typical, 2),
                    "phase": phase,
                    "index_after_kill": state,
                    "orphans_gone_after_s": round(orphans_gone, 2),
                    "files_left_then_swept": len(leftovers),
                }
            )
        checker.close()

        # The same gunicorn, with the same workers, served the whole time.
        assert gunicorn.poll() is None and children(gunicorn.pid) == gunicorn_workers
    finally:
        stop_event.set()
        for thread in clients:
            thread.join(timeout=40)
        if nginx is not None:
            stop_nginx(nginx)
        _stop_gunicorn(gunicorn, drain)
        (tmp_path / "gunicorn.log").write_text("".join(gunicorn_log), "utf-8")
        if any("Traceback" in line for line in gunicorn_log):
            print(f"gunicorn logged errors: {tmp_path / 'gunicorn.log'}")

    kills = sum(1 for k in kill_log if k["killed"])
    latencies = sorted(figures.latencies_ms) or [0.0]
    report = {
        "seed": SEED,
        "requests": figures.requests,
        "failed_requests": figures.failures,
        "wrong_answers": figures.wrong_answers,
        "kills": kills,
        "kills_survived": kills,
        "files_killed_runs_left_swept": swept,
        "kill_rounds": kill_log,
        "index_runs": runs,
        "articles_at_end": len(archive.markers),
        "gunicorn_restarts": 0,
        "latency_ms": {
            "median": round(statistics.median(latencies), 1),
            "p99": round(latencies[int(len(latencies) * 0.99) - 1], 1),
            "max": round(latencies[-1], 1),
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=2), "utf-8")
    print("\nreindex e2e:", json.dumps(report, indent=2))

    assert figures.failures == 0 and figures.wrong_answers == 0, figures.failure_samples
    assert figures.requests > 500
    assert kills >= 3, kill_log


def _drain(stream, lines: list[str]) -> None:
    """Read gunicorn's output as it comes, so a full pipe never blocks its logging."""
    for raw in iter(stream.readline, b""):
        lines.append(raw.decode("utf-8", "replace"))


def _stop_gunicorn(proc: subprocess.Popen, drain: threading.Thread) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    drain.join(timeout=10)
    proc.stdout.close()


def _current_generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text("utf-8").strip()


def _phase(index_dir: Path, pid: int, since: float) -> str:
    """What a running indexer is doing, judged from outside just before the kill."""
    # Whoosh's writer makes MAIN.tmp when it opens (a killed rebuild's
    # abandoned generation keeps an old one: only this run's counts).
    writer_open = any(p.stat().st_mtime >= since for p in index_dir.glob("gen-*/MAIN.tmp"))
    if not writer_open:
        return "starting"  # imports, sweep, scan of the archive, reading the index state
    return "reading files" if children(pid) else "writing"


def _wait_for_workers(pid: int, count: int) -> set[int]:
    """gunicorn answers as soon as one worker is up; the others follow."""
    t0 = time.monotonic()
    while len(children(pid)) < count and time.monotonic() - t0 < 30:
        time.sleep(0.1)
    workers = children(pid)
    assert len(workers) == count, workers
    return workers


def _newsarchive_argv() -> list[str]:
    script = Path(sys.executable).parent / "newsarchive"
    return [str(script)] if script.exists() else [sys.executable, "-m", "indexer.cli"]


def _age(root: Path, seconds: float) -> None:
    then = time.time() - seconds
    for path in [root, *root.rglob("*")]:
        try:
            os.utime(path, (then, then), follow_symlinks=False)
        except FileNotFoundError:
            pass
