"""The cluster's settings and the client: every call bounded, failed nodes skipped.

`ClusterConfig` reads the `OPENSEARCH_*` settings (see `indexer.settings`)
into one picklable value: indexing workers get it and open their own
client after the fork, since a client's connections must never be shared
between processes.

Faults, as the client handles them: every request has a timeout
(`OPENSEARCH_TIMEOUT`); a node that refuses the connection, resets it, or
times out is marked dead for a while and the request is retried on the next
node, as many times as there are nodes; a 502/503/504 answer is retried
the same way. When every node is marked dead the client still tries one
on each request, so the service recovers by itself when nodes return.
What still fails after that becomes `BackendUnavailable` (`unavailable`),
which the service answers with a 503, never a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from opensearchpy import OpenSearch
from opensearchpy.exceptions import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,
    ConnectionTimeout,
    NotFoundError,
    RequestError,
    TransportError,
)

from indexer.search.errors import BackendUnavailable, IndexMissing, QueryError

DEAD_TIMEOUT = 10.0  # seconds a failed node is skipped before it is tried again (doubling)
UNAVAILABLE_STATUS = (429, 502, 503, 504)
TOO_MANY_CLAUSES = "the query expands to too many terms for the search engine; use fewer words"
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,150}$")


@dataclass(frozen=True)
class ClusterConfig:
    hosts: tuple[str, ...]
    alias: str
    user: str = ""
    password: str = ""
    ca_certs: str = ""
    verify_certs: bool = True
    timeout: float = 5.0
    shards: int = 3
    replicas: int = 1
    max_result_window: int = 100_000

    @classmethod
    def from_settings(cls, settings: Mapping) -> ClusterConfig:
        """The `OPENSEARCH_*` settings (defaults from `indexer.settings` where absent)."""
        from indexer.settings import SETTINGS_BY_NAME, convert

        def get(name):
            value = settings.get(name)
            setting = SETTINGS_BY_NAME[name]
            if value is None or value == "":
                return setting.default
            return convert(setting, value) if isinstance(value, str) else value

        hosts = tuple(h.strip().rstrip("/") for h in str(get("OPENSEARCH_HOSTS")).split(",") if h)
        if not hosts:
            raise ValueError("OPENSEARCH_HOSTS names no node")
        alias = str(get("OPENSEARCH_INDEX")).strip()
        if not _INDEX_NAME.match(alias):
            raise ValueError(
                f"OPENSEARCH_INDEX {alias!r} is not a valid index alias "
                "(lowercase letters, digits, '-', '_', '.')"
            )
        return cls(
            hosts=hosts,
            alias=alias,
            user=str(get("OPENSEARCH_USER") or ""),
            password=str(get("OPENSEARCH_PASSWORD") or ""),
            ca_certs=str(get("OPENSEARCH_CA_CERTS") or ""),
            verify_certs=bool(get("OPENSEARCH_VERIFY_CERTS")),
            timeout=float(get("OPENSEARCH_TIMEOUT")),
            shards=int(get("OPENSEARCH_SHARDS")),
            replicas=int(get("OPENSEARCH_REPLICAS")),
            max_result_window=int(get("MAX_PAGE")) * int(get("MAX_PER_PAGE")),
        )

    def describe(self) -> dict:
        """The settings as `newsarchive stats` shows them (never the password)."""
        return {
            "hosts": list(self.hosts),
            "alias": self.alias,
            "user": self.user or None,
            "ca_certs": self.ca_certs or None,
            "verify_certs": self.verify_certs,
            "timeout_s": self.timeout,
            "shards": self.shards,
            "replicas": self.replicas,
        }


def connect(config: ClusterConfig, timeout: float | None = None) -> OpenSearch:
    """A client for this process (open one after forking, never before)."""
    options: dict = {
        "hosts": list(config.hosts),
        "timeout": timeout or config.timeout,
        "max_retries": max(1, len(config.hosts) - 1),  # each node once
        "retry_on_timeout": True,
        "retry_on_status": (502, 503, 504),
        "dead_timeout": DEAD_TIMEOUT,
        "verify_certs": config.verify_certs,
        "ssl_show_warn": config.verify_certs,
        "http_compress": False,
    }
    if config.user:
        options["http_auth"] = (config.user, config.password)
    if config.ca_certs:
        options["ca_certs"] = config.ca_certs
    return OpenSearch(**options)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the cluster cannot answer now (as opposed to a bad request)."""
    if isinstance(exc, ConnectionError | ConnectionTimeout):  # SSLError is a ConnectionError
        return True
    if isinstance(exc, TransportError):
        status = exc.status_code
        return status in UNAVAILABLE_STATUS or status == "N/A"
    return False


@contextmanager
def unavailable(what: str, index: str | None = None):
    """Turn the cluster's failures into the search seam's errors.

    A cluster that cannot answer: `BackendUnavailable`; a missing index or
    alias: `IndexMissing`; refused credentials: `BackendUnavailable` too
    (an operator's problem; the message says which). Anything else is a
    bug in the request and propagates.
    """
    try:
        yield
    except NotFoundError as exc:
        kind = _error_type(exc)
        if kind in ("index_not_found_exception", "alias_not_found_exception") or (
            "alias" in kind and "missing" in kind  # GET _alias/<name>: "alias [x] missing"
        ):
            raise IndexMissing(
                f"no index {index or ''} on the cluster (run `newsarchive index` first)"
            ) from exc
        raise
    except RequestError as exc:
        if "too_many_clauses" in error_types(exc.info):
            raise QueryError(TOO_MANY_CLAUSES) from exc
        raise
    except (AuthenticationException, AuthorizationException) as exc:
        raise BackendUnavailable(f"{what}: the cluster refused the credentials ({exc})") from exc
    except Exception as exc:
        if is_unavailable(exc):
            raise BackendUnavailable(f"{what}: {describe_error(exc)}") from exc
        raise


def error_types(info) -> set[str]:
    """Every error type in an error answer (its own, its root causes' and their causes')."""
    found: set[str] = set()
    todo = [info.get("error", info) if isinstance(info, dict) else info]
    while todo:
        error = todo.pop()
        if isinstance(error, dict):
            found.add(str(error.get("type", "")))
            todo += error.get("root_cause") or []
            todo += [c for c in (error.get("caused_by"),) if c]
            todo += [f.get("reason") for f in error.get("failed_shards") or []]
        elif isinstance(error, list):
            todo += error
    return found


def _error_type(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    return error.get("type", "") if isinstance(error, dict) else str(exc.error)


def describe_error(exc: BaseException) -> str:
    """One line: what the client or the cluster said."""
    if isinstance(exc, TransportError):
        info = exc.info if isinstance(exc.info, dict) else {}
        error = info.get("error")
        reason = error.get("reason") if isinstance(error, dict) else None
        return f"{exc.status_code} {exc.error}" + (f": {reason}" if reason else "")
    return f"{type(exc).__name__}: {exc}"


# A node that has just died fails the shard copies it held until the cluster
# notices and routes to the replicas (partial results are refused, so that a
# total is never short): such a search is asked again, briefly, then 503.
SHARD_RETRIES = 3
SHARD_RETRY_PAUSE = 0.25
_SHARD_FAILURES = (
    "search_phase_execution_exception",
    "node_disconnected_exception",
    "node_not_connected_exception",
    "no_shard_available_action_exception",
    "node_closed_exception",
    "connect_transport_exception",
)


def shards_failed(response: dict) -> bool:
    """Whether a search failed because shard copies were unreachable (transient).

    Only server-side failures (status 5xx): a query the cluster rejects (400,
    too many clauses) is not asked again.
    """
    error = response.get("error")
    if not error or response.get("status", 500) < 500:
        return False
    text = json.dumps(error) if isinstance(error, dict) else str(error)
    return "too_many_clauses" not in text and any(kind in text for kind in _SHARD_FAILURES)
