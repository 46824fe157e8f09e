"""The settings table is the single source of truth: README documents every setting."""

from __future__ import annotations

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
