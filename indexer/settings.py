"""One table of settings: defaults, environment variables, CLI help and docs.

Every setting can be given as an environment variable `NEWSARCHIVE_<NAME>`
(what systemd's EnvironmentFile sets), in the service's config file as
`<NAME> = value`, or as a CLI option where one exists. tests/test_settings.py
fails when a setting is missing from README.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "NEWSARCHIVE_"


def project_dir() -> Path:
    """The checkout this package runs from, or the working directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    type: type = str
    required_in_production: bool = False  # with the backend it belongs to (`required`)


SETTINGS = (
    Setting("INDEX", str(project_dir() / "var" / "index"), "Index folder.", str, True),
    Setting(
        "SOURCES",
        str(project_dir() / "seeds"),
        f"Archive folders or files to index, separated by '{os.pathsep}'.",
    ),
    Setting("USERDICT", "", "Extra jieba user dictionary (word [freq] [tag] per line)."),
    Setting("PER_PAGE", 10, "Results per page when the request does not say.", int),
    Setting("MAX_PER_PAGE", 100, "Largest per_page a request may ask for.", int),
    Setting("MAX_PAGE", 1000, "Deepest result page a request may ask for.", int),
    Setting("FACET_LIMIT", 50, "Most values listed per facet (location: per level).", int),
    Setting("BUILD_ON_START", True, "Build the index at start-up when there is none.", bool),
    Setting(
        "QUERY_TIMEOUT_MS",
        3000,
        "Time budget of one search in ms; a query that needs longer is refused with 503 "
        "query_too_expensive and advice.",
        int,
    ),
    Setting(
        "ANSWER_CACHE_MB",
        32,
        "Whole answers each worker keeps until the next commit, in MB of pickled answers "
        "(about 1,500 results pages at 100k articles; 0: none). A request asked again is "
        "not searched again. Whoosh only: OpenSearch keeps its own caches.",
        int,
    ),
    Setting(
        "MIN_FREE_MB",
        1024,
        "Free space on the index's file system, in MB, below which `newsarchive stats`, "
        "`newsarchive index` and /healthz warn (a rebuild needs room for a second index).",
        int,
    ),
    Setting(
        "BACKEND",
        "whoosh",
        "Search engine: `whoosh` (the embedded index in INDEX) or `opensearch` "
        "(a cluster: see Scaling out).",
    ),
    Setting(
        "OPENSEARCH_HOSTS",
        "http://127.0.0.1:9200",
        "OpenSearch node URLs, comma-separated; a node that fails is skipped "
        "and the request retried on another.",
        str,
        True,
    ),
    Setting(
        "OPENSEARCH_INDEX",
        "newsarchive",
        "The alias users search; each rebuild makes a new index `<alias>-<stamp>` behind it.",
    ),
    Setting("OPENSEARCH_USER", "", "User for HTTP basic authentication (empty: none)."),
    Setting("OPENSEARCH_PASSWORD", "", "Password of OPENSEARCH_USER."),
    Setting(
        "OPENSEARCH_CA_CERTS",
        "",
        "CA bundle (PEM) that signed the nodes' certificates (empty: the system's).",
    ),
    Setting(
        "OPENSEARCH_VERIFY_CERTS",
        True,
        "Verify the nodes' TLS certificates and host names (turn off only for a test cluster).",
        bool,
    ),
    Setting(
        "OPENSEARCH_TIMEOUT",
        5.0,
        "Seconds one request to the cluster may take before it is retried on another node "
        "(keep it times the number of nodes below gunicorn's TIMEOUT).",
        float,
    ),
    Setting("OPENSEARCH_SHARDS", 3, "Primary shards of a new index (taken at a rebuild).", int),
    Setting(
        "OPENSEARCH_REPLICAS",
        1,
        "Copies of each shard on other nodes (1: any one node may fail); "
        "set by every indexing run.",
        int,
    ),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
BACKEND_SETTINGS = {"whoosh": ("INDEX",), "opensearch": ("OPENSEARCH_",)}


def required(backend: str) -> list[Setting]:
    """Settings production must give explicitly with `backend`: its own, not the other's.

    (The Whoosh index folder means nothing to a cluster, and the reverse.)
    """
    others = [p for name, prefixes in BACKEND_SETTINGS.items() if name != backend for p in prefixes]
    return [
        s for s in SETTINGS if s.required_in_production and not s.name.startswith(tuple(others))
    ]


def env_value(name: str):
    """The setting from the environment, else its default, converted."""
    setting = SETTINGS_BY_NAME[name]
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return setting.default
    return convert(setting, raw)


def convert(setting: Setting, raw):
    if setting.type is bool and isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return setting.type(raw)
