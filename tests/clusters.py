"""An OpenSearch cluster for the tests, and a fresh alias on it for each test that needs one.

`running_cluster()` starts three nodes on loopback (512 MB heap each) with
`bench.opensearch_node.cluster`, which fetches the integ-test distribution
with mvn the first time (cached in ~/.m2 and unpacked under bench/corpus/)
and, as root (CI), runs the nodes as a system user it creates. Set
`NEWSARCHIVE_TEST_OPENSEARCH_HOSTS` to run the tests against a cluster you
started yourself instead (tests that stop nodes are then skipped).

Each alias (`fresh_alias`) is unique to its test; `drop_alias` deletes
every index, lock and template an indexing run made for it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

EXTERNAL_HOSTS = "NEWSARCHIVE_TEST_OPENSEARCH_HOSTS"
NODES = 3
HEAP_MB = 512


@contextmanager
def running_cluster():
    """(hosts, Cluster or None when external), for the whole session."""
    external = os.environ.get(EXTERNAL_HOSTS)
    if external:
        yield [h.strip() for h in external.split(",") if h.strip()], None
        return
    from bench.opensearch_node import cluster

    # Not under pytest's basetemp: that is private to root, and the nodes
    # run as another user who must reach their data folders.
    workdir = Path(tempfile.mkdtemp(prefix="newsarchive-test-cluster-"))
    try:
        with cluster(workdir, nodes=NODES, heap_mb=HEAP_MB) as running:
            yield running.urls, running
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def fresh_alias(prefix: str = "t") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def cluster_settings(hosts: list[str], alias: str, **extra) -> dict:
    """The app and backend settings that point at `alias` on the test cluster."""
    return {
        "BACKEND": "opensearch",
        "OPENSEARCH_HOSTS": ",".join(hosts),
        "OPENSEARCH_INDEX": alias,
        "OPENSEARCH_TIMEOUT": 30.0,
        **extra,
    }


def drop_alias(hosts: list[str], alias: str) -> None:
    """Delete what indexing runs made for `alias`: its indices, lock and template."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=hosts, timeout=60, max_retries=3, retry_on_timeout=True)
    try:
        client.indices.delete(
            index=f"{alias}-*,{alias}.lock", ignore_unavailable=True, expand_wildcards="all"
        )
        if client.indices.exists_index_template(name=alias):
            client.indices.delete_index_template(name=alias)
    finally:
        client.close()
