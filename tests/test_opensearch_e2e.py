"""The service over a real cluster, end to end: nodes die, cron reindexes, the cluster goes away.

gunicorn (deploy/gunicorn.conf.py, two workers) serves an archive indexed
into the session's three-node cluster while client threads query it the
whole time. Then, in order:

1. one node is killed with SIGKILL: no request may fail;
2. the crontab's own command runs with files added, changed and deleted
   (the node still down): the changes appear, no request fails;
3. the same command with `--rebuild`: the alias moves to a new index, no
   request fails;
4. the node comes back; then every node stops: the API answers 503 JSON
   `backend_unavailable` and /healthz says unavailable, never a 500;
5. the nodes start again: the same gunicorn answers 200 again, unrestarted.

The figures are printed and written to test-artifacts/opensearch-e2e.json.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time

import pytest

from .clusters import cluster_settings
from .servers import fetch, free_port, start_gunicorn, stop
from .test_deploy import (
    ROOT,
    cron_environment,
    crontab_job,
    read_env_file,
    render_cron_command,
    render_env_file,
)
from .test_reindex_e2e import Archive, Figures, NginxClient

pytestmark = [pytest.mark.slow, pytest.mark.opensearch]

SEED = 20261201
FILES = 120
STABLE = 30  # never changed: each must be found exactly once, always
CLIENT_THREADS = 2
ARTIFACT = ROOT / "test-artifacts" / "opensearch-e2e.json"


def _client_loop(port, figures: Figures, stable, stop_event, seed):
    rng = random.Random(seed)
    client = NginxClient(port, figures)  # a plain keep-alive HTTP client
    try:
        while not stop_event.is_set():
            kind = rng.random()
            if kind < 0.6:
                marker = rng.choice(stable)
                status, body = client.get("/api/search", q=marker)
                if status == 200 and json.loads(body)["total"] != 1:
                    figures.wrong(f"{marker}: {body[:200]!r}")
            elif kind < 0.85:
                client.get("/api/search", q=rng.choice(["江阴", "wuxi", "集成电路", "harbour"]))
            else:
                client.get("/", q=rng.choice(["无锡", "cargo"]))
            time.sleep(0.01)
    finally:
        client.close()


def _new_generation(base: str, before: str, within_s: float) -> dict:
    """/healthz once it names a generation other than `before` (or its last answer)."""
    deadline = time.monotonic() + within_s
    while True:
        status, health = fetch(base, "/healthz")
        if status == 200 and health.get("generation") != before:
            return health
        if time.monotonic() > deadline:
            return {"status_code": status, **health, "generation": before}
        time.sleep(1)


class Load:
    """Client threads querying gunicorn; figures are kept per phase."""

    def __init__(self, port: int, stable: list[str]):
        self.port, self.stable = port, stable
        self.phases: dict[str, Figures] = {}
        self._stop: threading.Event | None = None
        self._threads: list[threading.Thread] = []

    def start(self, phase: str) -> Figures:
        figures = self.phases[phase] = Figures()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=_client_loop,
                args=(self.port, figures, self.stable, self._stop, SEED + i),
                daemon=True,
            )
            for i in range(CLIENT_THREADS)
        ]
        for thread in self._threads:
            thread.start()
        return figures

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def report(self) -> dict:
        return {
            name: {
                "requests": f.requests,
                "failures": f.failures,
                "wrong_answers": f.wrong_answers,
                "samples": f.failure_samples[:5],
            }
            for name, f in self.phases.items()
        }


def test_the_service_rides_out_node_failures_reindexing_and_an_outage(
    tmp_path, opensearch_cluster, opensearch_alias
):
    hosts, cluster = opensearch_cluster
    if cluster is None:
        pytest.skip("stops nodes: needs the cluster the session starts itself")
    archive = Archive(tmp_path / "archive", random.Random(SEED))
    archive.add(FILES)
    stable = [archive.markers[n] for n in sorted(archive.markers)[:STABLE]]
    settings = cluster_settings(hosts, opensearch_alias, OPENSEARCH_TIMEOUT=5)
    env_file = render_env_file(
        tmp_path / "newsarchive.env",
        NEWSARCHIVE_INDEX=str(tmp_path / "index"),
        NEWSARCHIVE_SOURCES=str(archive.root),
    )
    with open(env_file, "a", encoding="utf-8") as out:
        out.writelines(f"NEWSARCHIVE_{k}={v}\n" for k, v in settings.items())
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    cron = render_cron_command(crontab_job()[2], env_file, log_dir)
    figures: dict = {"runs": []}

    def run_cron(label: str, rebuild: bool = False) -> None:
        command = (
            cron.replace(" index --wait 60", " index --rebuild --wait 60") if rebuild else cron
        )
        t0 = time.monotonic()
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=cron_environment(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        log = (log_dir / "index.log").read_text("utf-8")[-3000:]
        assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr + log
        figures["runs"].append({"run": label, "seconds": round(time.monotonic() - t0, 2)})

    run_cron("initial build")
    port = free_port()
    service_env = read_env_file(env_file)
    for key in ("NEWSARCHIVE_BIND", "NEWSARCHIVE_WORKERS", "NEWSARCHIVE_ACCESS_LOG"):
        service_env.pop(key)
    gunicorn = start_gunicorn(tmp_path / "index", port, workers=2, env=service_env, capture=False)
    load = Load(port, stable)
    base = f"http://127.0.0.1:{port}"

    def total(marker: str) -> int:
        status, body = fetch(base, "/api/search", q=marker, per_page=1)
        assert status == 200, body
        return body["total"]

    try:
        # 1. A node dies.
        load.start("node killed")
        time.sleep(3)
        t0 = time.monotonic()
        cluster.kill(1)
        figures["node_killed_at_s"] = round(time.monotonic() - t0, 2)
        time.sleep(8)

        # 2. The cron command with changes, the node still down.
        changes = archive.change(added=10, changed=6, deleted=5)
        run_cron("changes, one node down")
        for marker in changes["new"]:
            assert total(marker) == 1, f"new or changed article {marker} missing"
        for marker in changes["old"] + changes["gone"]:
            assert total(marker) == 0, f"old or deleted article {marker} still found"
        load.stop()

        # 3. A rebuild moves the alias under load.
        load.start("rebuild")
        before = fetch(base, "/healthz")[1]["generation"]
        run_cron("rebuild", rebuild=True)
        # Each worker looks the alias's index up again every few seconds; on a
        # loaded machine that can take longer than a fixed pause (CI saw it).
        health = _new_generation(base, before, within_s=60)
        load.stop()
        assert health["generation"] != before, health

        # 4. The node returns; then the whole cluster goes away.
        t0 = time.monotonic()
        cluster.start(1)
        cluster.wait("green")
        figures["node_back_green_s"] = round(time.monotonic() - t0, 1)
        cluster.stop()
        outage = load.start("cluster down")
        time.sleep(5)
        status, body = fetch(base, "/api/search", q="wuxi")
        assert status == 503 and body["error"]["code"] == "backend_unavailable", body
        status, body = fetch(base, "/healthz")
        assert status == 503 and body["status"] == "unavailable", body
        assert body["error"]["code"] == "backend_unavailable"
        load.stop()
        statuses = {s.split(" ", 1)[0] for s in outage.failure_samples}
        assert statuses <= {"503"}, outage.failure_samples  # 503s, never a 500 or a reset

        # 5. Back, without restarting the service.
        t0 = time.monotonic()
        cluster.start()
        cluster.wait("yellow")
        while time.monotonic() - t0 < 180:
            status, body = fetch(base, "/api/search", q=stable[0])
            if status == 200:
                break
            time.sleep(1)
        assert status == 200 and body["total"] == 1, body
        figures["recovered_after_start_s"] = round(time.monotonic() - t0, 1)
        assert gunicorn.poll() is None
        load.start("after the outage")
        time.sleep(10)
        load.stop()
    finally:
        load.stop()
        stop(gunicorn)
        cluster.start()  # whatever happened, the session's other tests need every node
        cluster.wait("green")

    figures["phases"] = load.report()
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2, ensure_ascii=False), "utf-8")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    phases = load.phases
    for name in ("node killed", "rebuild", "after the outage"):
        assert phases[name].requests >= 10, name
        assert phases[name].failures == 0 and phases[name].wrong_answers == 0, (
            name,
            phases[name].failure_samples,
        )
