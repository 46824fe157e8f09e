"""Finding files, sidecar overrides, and every way a file can fail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from indexer.sources import SourceError, iter_source_files, read_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_004 = next(SEEDS.glob("004_*.txt"))


def write(path: Path, text: str = "Title\n\nBody text.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- iter_source_files -----------------------------------------------------------


def test_folders_are_walked_recursively_in_sorted_order(tmp_path):
    root = tmp_path / "archive"
    for name in ["b.txt", "a.html", "sub/c.jsonl", "sub/deeper/d.json", "A.HTM", "z.txt"]:
        write(root / name)
    found = [f.relative_to(root).as_posix() for _, f in iter_source_files([root])]
    assert found == ["A.HTM", "a.html", "b.txt", "sub/c.jsonl", "sub/deeper/d.json", "z.txt"]
    assert {r for r, _ in iter_source_files([root])} == {root}


def test_hidden_files_sidecars_and_other_suffixes_are_skipped(tmp_path):
    root = tmp_path / "archive"
    write(root / "a.txt")
    write(root / "a.txt.meta.json", "{}")
    write(root / ".hidden.txt")
    write(root / ".git" / "b.txt")
    write(root / "notes.md")
    write(root / "image.png")
    assert [f.name for _, f in iter_source_files([root])] == ["a.txt"]


def test_a_directory_named_like_a_file_is_walked_not_yielded(tmp_path):
    root = tmp_path / "archive"
    write(root / "x.txt" / "inner.txt")
    assert [f.relative_to(root).as_posix() for _, f in iter_source_files([root])] == [
        "x.txt/inner.txt"
    ]


def test_single_files_are_yielded_with_their_folder_as_root(tmp_path):
    one = write(tmp_path / "one.txt")
    other = write(tmp_path / "notes.md")
    sidecar = write(tmp_path / "one.txt.meta.json", "{}")
    assert list(iter_source_files([one, other, sidecar, tmp_path / "missing.txt"])) == [
        (tmp_path, one),
        (tmp_path, other),
    ]


def test_symlink_loops_do_not_hang_the_walk(tmp_path):
    root = tmp_path / "archive"
    write(root / "a.txt")
    os.symlink(root, root / "loop")
    assert [f.name for _, f in iter_source_files([root])] == ["a.txt"]


# -- sidecars -----------------------------------------------------------------------


def test_sidecar_overrides_what_the_file_says(tmp_path):
    path = write(tmp_path / "a.txt", " date 2023-10-31 Extracted title\n\nBody text.\n")
    sidecar = {
        "title": "Corrected title",
        "date": "2023-11-01",
        "url": "https://example.com/a",
        "source": "Wuxi Daily",
        "language": "en",
        "locations": "Wuxi, Jiangyin",
    }
    write(tmp_path / "a.txt.meta.json", json.dumps(sidecar))
    [article], warnings = read_articles(path, "a.txt")
    assert warnings == []
    assert article.title == "Corrected title"
    assert article.declared_date == "2023-11-01"
    assert article.url == "https://example.com/a"
    assert article.source == "Wuxi Daily"
    assert article.declared_lang == "en"
    assert article.declared_locations == ["Wuxi", "Jiangyin"]
    assert article.body == "Body text."


def test_sidecar_for_a_newspaper_page_applies_shared_and_per_article_fields(tmp_path):
    path = tmp_path / SEED_004.name
    path.write_bytes(SEED_004.read_bytes())
    sidecar = {
        "date": "2023-06-10",
        "articles": [{"locations": ["南京"]}, None, {"title": "Corrected"}],
    }
    write(tmp_path / (SEED_004.name + ".meta.json"), json.dumps(sidecar, ensure_ascii=False))
    articles, warnings = read_articles(path, SEED_004.name)
    assert warnings == []
    assert [a.declared_date for a in articles] == ["2023-06-10"] * 4
    assert articles[0].declared_locations == ["南京"]
    assert articles[1].declared_locations is None
    assert articles[2].title == "Corrected"
    assert articles[3].title == "市政府与上海建工集团签署战略合作协议"


def test_sidecar_null_clears_a_field_and_unknown_fields_are_warned_about(tmp_path):
    path = write(tmp_path / "a.txt", " date 2023-10-31 Title\n\nBody.\n")
    write(tmp_path / "a.txt.meta.json", json.dumps({"date": None, "tittle": "typo"}))
    [article], warnings = read_articles(path, "a.txt")
    assert article.declared_date is None
    assert warnings == ["sidecar a.txt.meta.json: ignored field(s) tittle"]


def test_sidecar_with_more_entries_than_articles_is_a_warning(tmp_path):
    path = write(tmp_path / "a.txt")
    write(tmp_path / "a.txt.meta.json", json.dumps({"articles": [{}, {"title": "x"}]}))
    _, warnings = read_articles(path, "a.txt")
    assert "2 entries in 'articles' but the file has 1 article(s)" in warnings[0]


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        ('{"title": "unterminated', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"articles": {"title": "x"}}', "'articles' must be a list"),
        ('{"articles": [42]}', r"articles\[0\] must be an object"),
        ('{"locations": 42}', "field 'locations'"),
        ('{"title": ["a"]}', "field 'title'"),
        ('{"title": null}', "'title' must be a string"),
    ],
)
def test_malformed_sidecar_is_a_source_error(tmp_path, sidecar, reason):
    path = write(tmp_path / "a.txt")
    write(tmp_path / "a.txt.meta.json", sidecar)
    with pytest.raises(SourceError, match=reason):
        read_articles(path, "a.txt")


# -- failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\r\n\t ", "empty file"),
        ("bom-only.txt", b"\xef\xbb\xbf\n", "empty file"),
        ("junk.txt", bytes(range(256)) * 20, "not text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "PNG image"),
        ("bad16.txt", b"\xff\xfe\x00\xd8\x41\x00", "invalid UTF-16"),
        ("trunc.json", b'{"title": "a", "body": ', "invalid JSON"),
        ("junk.html", b"\x1f\x8b\x08\x00" + bytes(100), "gzip"),
        ("only-nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no "),
        ("notes.md", b"# Notes\n", "unsupported file type '.md'"),
    ],
)
def test_unreadable_files_raise_source_error_with_a_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError, match=reason):
        read_articles(path, name)


def test_a_directory_named_x_txt_is_a_source_error(tmp_path):
    (tmp_path / "x.txt").mkdir()
    with pytest.raises(SourceError, match="is a directory"):
        read_articles(tmp_path / "x.txt", "x.txt")


def test_a_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        read_articles(tmp_path / "gone.txt", "gone.txt")


def test_a_fifo_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(SourceError, match="not a regular file"):
        read_articles(tmp_path / "pipe.txt", "pipe.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_permissions_are_a_source_error(tmp_path):
    path = write(tmp_path / "secret.txt")
    path.chmod(0)
    try:
        with pytest.raises(SourceError, match="cannot read: Permission denied"):
            read_articles(path, "secret.txt")
    finally:
        path.chmod(0o644)


def test_a_read_error_is_a_source_error_even_for_root(tmp_path, monkeypatch):
    path = write(tmp_path / "secret.txt")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SourceError, match="cannot read: Permission denied"):
        read_articles(path, "secret.txt")


def test_a_reader_bug_comes_out_as_source_error(tmp_path, monkeypatch):
    import indexer.sources.text as text_module

    def broken(text):
        raise KeyError("boom")

    monkeypatch.setattr(text_module, "articles_from_text", broken)
    path = write(tmp_path / "a.txt")
    with pytest.raises(SourceError, match="cannot parse: KeyError") as info:
        read_articles(path, "a.txt")
    assert isinstance(info.value.__cause__, KeyError)


def test_rel_and_part_are_set_on_every_article():
    articles, _ = read_articles(SEED_004, "papers/2023/004.txt")
    assert [(a.path, a.part) for a in articles] == [("papers/2023/004.txt", n) for n in range(4)]
