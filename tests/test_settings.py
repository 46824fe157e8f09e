"""The settings table is the single source of truth: README documents every setting."""

from __future__ import annotations

import pytest

from indexer.settings import SETTINGS

from .conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme.split("<!-- settings-table -->")[1].split("<!-- /settings-table -->")[0]
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in table, setting.name
        assert setting.help.split(" (")[0].rstrip(".") in table, setting.name


def test_environment_overrides_the_default(monkeypatch):
    from indexer.settings import env_value

    monkeypatch.setenv("NEWSARCHIVE_PER_PAGE", "25")
    assert env_value("PER_PAGE") == 25
    monkeypatch.delenv("NEWSARCHIVE_PER_PAGE")
    assert env_value("PER_PAGE") == 10


def test_userdict_in_the_service_config_file_reaches_the_segmenter(tmp_path, monkeypatch):
    from indexer.analysis.segmenter import get_segmenter, use_userdict
    from service import create_app

    words = tmp_path / "words.txt"
    words.write_text("鳗鲡苗场 50 n\n", "utf-8")
    config = tmp_path / "newsarchive.cfg"
    config.write_text(f"USERDICT = {str(words)!r}\nINDEX = {str(tmp_path / 'ix')!r}\n")
    monkeypatch.setenv("NEWSARCHIVE_CONFIG", str(config))
    monkeypatch.delenv("NEWSARCHIVE_USERDICT", raising=False)
    try:
        create_app()
        assert get_segmenter().has_word("鳗鲡苗场")
    finally:
        use_userdict(None)
    assert not get_segmenter().has_word("鳗鲡苗场")


@pytest.mark.parametrize(("build", "built"), [("true", True), ("false", False)])
def test_serve_builds_a_missing_index_only_when_build_on_start_is_on(
    tmp_path, monkeypatch, build, built
):
    from click.testing import CliRunner

    from indexer import cli
    from indexer.index.store import IndexStore

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text("Title: Wafer news\n\nA wafer plant opened.", "utf-8")
    started = []
    monkeypatch.setattr(cli.os, "execve", lambda *args: started.append(args))
    monkeypatch.setenv("NEWSARCHIVE_BUILD_ON_START", build)
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(
        cli.cli, ["serve", "--index", str(index_dir), "--source", str(archive)]
    )
    assert result.exit_code == 0, result.output
    assert started  # gunicorn is started either way
    assert IndexStore(index_dir).exists() is built


def test_production_with_a_cluster_needs_its_hosts_not_an_index_folder(monkeypatch):
    from service import ConfigError, create_app

    monkeypatch.setenv("NEWSARCHIVE_ENV_NAME", "production")
    monkeypatch.setenv("NEWSARCHIVE_BACKEND", "opensearch")
    monkeypatch.delenv("NEWSARCHIVE_INDEX", raising=False)
    monkeypatch.delenv("NEWSARCHIVE_OPENSEARCH_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="NEWSARCHIVE_OPENSEARCH_HOSTS") as refused:
        create_app()
    assert "NEWSARCHIVE_INDEX" not in str(refused.value)
    monkeypatch.setenv("NEWSARCHIVE_OPENSEARCH_HOSTS", "https://os1.internal:9200")
    assert create_app().config["OPENSEARCH_HOSTS"] == "https://os1.internal:9200"


def test_an_unknown_backend_stops_the_service_with_its_name(monkeypatch):
    from service import ConfigError, create_app

    monkeypatch.setenv("NEWSARCHIVE_BACKEND", "solr")
    with pytest.raises(ConfigError, match="NEWSARCHIVE_BACKEND='solr'"):
        create_app()
