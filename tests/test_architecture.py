"""The code's shape: one search seam, no import cycles, modules of a readable size."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.index.searcher import Searcher
from indexer.index.writer import WhooshIndex
from indexer.ingest.backend import IndexBackend, open_index_backend
from indexer.search.backend import Exporting, SearchBackend, open_backend

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "service")
MAX_LINES = 500
DATA_TABLES = {"indexer/extract/data/build_gazetteer.py"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            found[".".join(parts)] = path
    return found


def _top_level_imports(path: Path, modules: dict) -> set[str]:
    """Modules of this project that `path` imports, at the top or inside functions.

    Imports inside functions count too: moving an import into a function
    hides a cycle from Python, not from the reader.
    """
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n in modules}


def test_importing_the_service_loads_no_search_engine():
    code = (
        "import sys, service, service.api, service.pages\n"
        "from service import create_app\n"
        "create_app({'TESTING': True, 'INDEX': '/nonexistent'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('whoosh', 'jieba', 'rjieba', 'indexer.index')))\n"
        "print(sorted(m for m in sys.modules if m.startswith('indexer.index')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["[]", "[]"], out


def test_the_service_speaks_only_to_the_search_seam():
    for path in (ROOT / "service").rglob("*.py"):
        for name in _top_level_imports(path, _modules()) | _all_imports(path):
            assert not name.startswith("indexer.index"), f"{path.name} imports {name}"


def _all_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_there_are_no_import_cycles():
    modules = _modules()
    graph = {name: _top_level_imports(path, modules) - {name} for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(name, trail):
        state[name] = 1
        for dep in graph[name]:
            if state.get(dep) == 1:
                cycles.append([*trail[trail.index(dep) :], dep] if dep in trail else [name, dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package importing its own submodule is not a cycle of concepts.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert real == [], real


def test_no_module_is_longer_than_a_reader_can_hold():
    too_long = []
    for path in (ROOT / "indexer").rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        if rel in DATA_TABLES:
            continue
        lines = len(path.read_text("utf-8").splitlines())
        if lines > MAX_LINES:
            too_long.append((rel, lines))
    assert too_long == []


def test_the_whoosh_searcher_is_a_search_backend(seed_index):
    with Searcher(seed_index) as searcher:
        assert isinstance(searcher, SearchBackend) and isinstance(searcher, Exporting)
    backend = open_backend({"INDEX": str(seed_index), "QUERY_TIMEOUT_MS": 0})
    try:
        assert isinstance(backend, SearchBackend)
        assert backend.search.__self__.query_timeout is None
    finally:
        backend.close()


def test_the_opensearch_searcher_is_a_search_backend_that_exports():
    backend = open_backend({"BACKEND": "opensearch", "OPENSEARCH_HOSTS": "http://127.0.0.1:9"})
    try:  # nothing is asked of the cluster (`SearchBackend`'s check reads `generation`)
        assert isinstance(backend, Exporting)
    finally:
        backend.close()


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown BACKEND 'solr'"):
        open_backend({"BACKEND": "solr", "INDEX": "/tmp/x"})


def _imports_outside_factories(path: Path, factories: set[str]) -> set[str]:
    """Modules `path` imports anywhere except inside the named factory functions."""
    names = set()

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and child.name in factories:
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                names.add(child.module)
            elif isinstance(child, ast.Import):
                names.update(a.name for a in child.names)
            walk(child)

    walk(ast.parse(path.read_text("utf-8")))
    return names


def test_the_ingest_pipeline_and_the_cli_reach_backends_only_through_their_factories():
    paths = [*(ROOT / "indexer" / "ingest").glob("*.py"), ROOT / "indexer" / "cli.py"]
    for path in paths:
        for name in _imports_outside_factories(path, {"open_index_backend"}):
            assert not name.startswith(("indexer.index", "whoosh")), f"{path.name}: {name}"


def test_the_whoosh_index_is_an_index_backend(tmp_path):
    backend = open_index_backend({"INDEX": str(tmp_path / "index")})
    assert isinstance(backend, IndexBackend)
    assert isinstance(backend, WhooshIndex) and not backend.exists()
    with pytest.raises(ValueError, match="unknown BACKEND 'solr'"):
        open_index_backend({"BACKEND": "solr", "INDEX": str(tmp_path)})


def test_feeds_and_exports_answer_501_on_a_backend_that_cannot_export(seed_index):
    from service import create_app
    from service.search_index import _KEY

    class SearchOnly:  # a SearchBackend without `export` and `version`
        def __init__(self, inner):
            self.inner = inner

        def search(self, request):
            return self.inner.search(request)

    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    with Searcher(seed_index) as searcher:
        app.extensions[_KEY] = SearchOnly(searcher)
        client = app.test_client()
        assert client.get("/api/search?q=wafer").status_code == 200
        for path in ("/feed.atom?q=wafer", "/api/export?q=wafer&format=csv"):
            response = client.get(path)
            assert response.status_code == 501
            assert response.get_json()["error"]["code"] == "not_supported"
