"""The prepared blank is cached by the blank's sha256, and a damaged cache entry is never trusted."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

import formfill
from formfill.blanks import load_blank
from formfill.errors import FormError
from formfill.formpackage import edition_marks
from formfill.pdf import blank as pdf_blank
from formfill.pdf.blank import BlankForm, cache_dir

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "advance-parole-i485.json"


def ends_in_classic_xref(data: bytes) -> bool:
    """The file's last startxref points at a classic `xref` table (not an xref stream object)."""
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
    return found is not None and data[int(found.group(1)):].startswith(b"xref")


def test_prepared_blank_is_cached_and_reused(blank_encrypted: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_encrypted.read_bytes()
    first = load_blank(raw, "first")
    cached = list(cache_dir().glob(f"prepared-{first.sha256}-*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == first.data
    second = load_blank(raw, "second")
    assert second.data == first.data
    assert second.was_encrypted and second.had_xfa, "the cache keeps what the blank was"
    assert second.edition == "01/20/25" and len(second.fields) == len(first.fields)


def test_a_damaged_cache_entry_is_rebuilt(blank_encrypted: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_encrypted.read_bytes()
    first = load_blank(raw, "first")
    (entry,) = cache_dir().glob("prepared-*.pdf")
    entry.write_bytes(b"%PDF-1.7 truncated")
    again = load_blank(raw, "again")
    assert again.data == first.data
    assert entry.read_bytes() == first.data


def test_a_blank_with_an_xref_stream_is_given_a_classic_table(blank_plain: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Our fills append a classic xref section; pdftk cannot follow one whose /Prev is an xref stream."""
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_plain.read_bytes()
    assert not ends_in_classic_xref(raw), "the shared plain blank ends in an xref stream"
    blank = load_blank(raw, "plain")
    assert ends_in_classic_xref(blank.data)
    assert not blank.was_encrypted and not blank.had_xfa


def test_a_corrupt_cache_entry_that_looks_valid_is_not_trusted(blank_encrypted: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_encrypted.read_bytes()
    first = load_blank(raw, "first")
    (entry,) = cache_dir().glob("prepared-*.pdf")
    entry.write_bytes(b"%PDF-1.7\ngarbage\nxref\nstartxref\n17\n%%EOF\n")
    assert load_blank(raw, "again").data == first.data


def described(blank: BlankForm) -> list[tuple[object, ...]]:
    return [(i.name, i.kind, i.page, i.rect, i.ref.idnum, i.tooltip, i.max_len, i.flags, i.font, i.font_size,
             i.align, i.on_states, i.options, type(i.value).__name__, i.value) for i in blank.fields.values()]


def test_the_field_index_is_cached_and_reads_as_a_fresh_index(blank_encrypted: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A second open reads the fields from the cache, exactly as indexing the prepared bytes reads them."""
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_encrypted.read_bytes()
    fresh = load_blank(raw, "fresh", use_cache=False)
    load_blank(raw, "first")
    (entry,) = cache_dir().glob("prepared-*.fields-*.json")
    again = load_blank(raw, "again")
    assert described(again) == described(fresh) and len(again.fields) > 300
    assert {n: (f.ref.idnum, f.widths) for n, f in again.fonts.items()} == {
        n: (f.ref.idnum, f.widths) for n, f in fresh.fonts.items()}
    name = next(n for n, i in fresh.fields.items() if i.kind == "check")
    got, want = again.fields[name].obj, fresh.fields[name].obj  # a field's dictionary is parsed when asked for
    assert sorted(got) == sorted(want) and got["/T"] == want["/T"] and got["/Rect"] == want["/Rect"]
    assert (again.form, again.edition) == (fresh.form, fresh.edition) == ("I-131", "01/20/25")
    assert entry.exists()


def test_a_damaged_field_index_is_discarded_loudly_and_rebuilt(blank_plain: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    raw = blank_plain.read_bytes()
    first = load_blank(raw, "first")
    (entry,) = cache_dir().glob("prepared-*.fields-*.json")
    doc = json.loads(entry.read_text())
    kept = doc["body"]
    doc["body"] = doc["body"].replace('"text"', '"check"', 1)  # a kind changed behind the digest
    entry.write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING, logger="formfill"):
        again = load_blank(raw, "again")
    assert "discarding the cached field index" in caplog.text
    assert described(again) == described(first)
    assert json.loads(entry.read_text())["body"] == kept, "rebuilt"


def test_a_pristine_verdict_of_another_blank_is_never_trusted(blank_plain: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A filled form given a copy of the real blank's cached "pristine" verdict is still refused."""
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path))
    load_blank(blank_plain.read_bytes(), "blank")
    (verdict,) = cache_dir().glob("prepared-*.pristine-*.json")
    filled = tmp_path / "filled.pdf"
    formfill.fill(SAMPLE, form=blank_plain, output=filled)
    raw = filled.read_bytes()
    with pytest.raises(FormError, match="looks like a filled form"):
        load_blank(raw, "filled")
    prepared = pdf_blank.load_blank(raw, "filled", marks=edition_marks()).prepared_sha256
    assert prepared is not None
    forged = verdict.with_name(verdict.name.replace(verdict.name.split("-")[1], prepared))
    forged.write_bytes(verdict.read_bytes())
    with pytest.raises(FormError, match="looks like a filled form"):
        load_blank(raw, "filled")
    assert not forged.exists(), "the substituted verdict was discarded"


# --- the forms folder's index (formfill.blank_index): finding a blank opens only the one it uses ----------

import shutil  # noqa: E402

from formfill import blank_index, forms  # noqa: E402
from formfill.api import guard_output  # noqa: E402
from formfill.errors import UnsafeOutputError  # noqa: E402


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, blank_plain: Path, blank_2019: Path) -> Path:
    """A cache folder holding both blanks prepared once (each test starts from a copy, without an index)."""
    warm = tmp_path_factory.mktemp("warm-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORMFILL_CACHE_DIR", str(warm))
        for blank in (blank_plain, blank_2019):
            load_blank(blank.read_bytes(), str(blank))
    return warm


@pytest.fixture
def folder(tmp_path: Path, blank_plain: Path, blank_2019: Path, prepared: Path,
           monkeypatch: pytest.MonkeyPatch) -> Path:
    """A forms folder with the 01/20/25 blank (a.pdf) and the 04/24/19 one (z.pdf, sorting after it)."""
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    shutil.copyfile(blank_plain, forms_dir / "a.pdf")
    shutil.copyfile(blank_2019, forms_dir / "z.pdf")
    shutil.copytree(prepared, tmp_path / "cache")
    monkeypatch.setenv("FORMFILL_FORMS_DIR", str(forms_dir))
    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FORMFILL_OFFLINE", "1")
    return forms_dir


def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = forms.open_blank

    def spy(path: str | Path) -> object:
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(forms, "open_blank", spy)
    return seen


def index_doc() -> dict:  # type: ignore[type-arg]
    return json.loads(blank_index.index_path().read_text())  # type: ignore[no-any-return]


def test_the_folder_is_indexed_and_then_only_the_blank_used_is_opened(folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seen = opened(monkeypatch)
    assert forms.find_blank(None) == folder / "a.pdf"
    assert sorted(p.name for p in seen) == ["a.pdf", "a.pdf", "z.pdf"]  # indexed both, then used one
    entries = index_doc()["entries"]
    assert (entries[str(folder / "z.pdf")]["edition"], entries[str(folder / "a.pdf")]["edition"]) == (
        "04/24/19", "01/20/25")
    assert entries[str(folder / "a.pdf")]["sha256"] == hashlib_of(folder / "a.pdf")
    seen.clear()
    assert forms.find_blank(None) == folder / "a.pdf"
    assert seen == [folder / "a.pdf"]  # the 04/24/19 blank is not opened again
    (folder / "z.pdf").unlink()
    forms.find_blank(None)
    assert str(folder / "z.pdf") not in index_doc()["entries"]  # a file gone is forgotten


def hashlib_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_changed_behind_its_size_and_mtime_is_read_again_never_trusted(folder: Path) -> None:
    forms.find_blank(None)
    doc = index_doc()
    doc["entries"][str(folder / "z.pdf")].update(edition="01/20/25", sha256="0" * 64)  # as if z.pdf were swapped
    blank_index.index_path().write_text(json.dumps(doc))
    assert forms.find_blank(None) == folder / "a.pdf"  # z.pdf sorts first, is opened, and is not what was said
    again = index_doc()["entries"][str(folder / "z.pdf")]
    assert (again["edition"], again["sha256"]) == ("04/24/19", hashlib_of(folder / "z.pdf"))


def test_a_damaged_index_is_rebuilt_loudly(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    blank_index.index_path().parent.mkdir(parents=True, exist_ok=True)
    blank_index.index_path().write_text(json.dumps({"index": blank_index.MARK, "stamp": forms.index_stamp(),
                                                    "entries": {"x": {"size": "big"}}}))
    with caplog.at_level(logging.WARNING, logger="formfill"):
        assert forms.find_blank(None) == folder / "a.pdf"
    assert "is damaged (its entry for x is malformed); rebuilding it" in caplog.text
    assert set(index_doc()["entries"]) == {str(folder / "a.pdf"), str(folder / "z.pdf")}


@pytest.mark.parametrize("foreign", [b"not json at all", b'{"entries": {}}', b"\xff\xfe"])
def test_a_foreign_index_is_left_alone_loudly(folder: Path, caplog: pytest.LogCaptureFixture,
                                              foreign: bytes) -> None:
    blank_index.index_path().parent.mkdir(parents=True, exist_ok=True)
    blank_index.index_path().write_bytes(foreign)
    with caplog.at_level(logging.WARNING, logger="formfill"):
        assert forms.find_blank(None) == folder / "a.pdf"
    assert "is not a forms index formfill wrote" in caplog.text and "left alone" in caplog.text
    assert blank_index.index_path().read_bytes() == foreign


def test_an_index_name_linked_to_a_blank_never_writes_through(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    blank_index.index_path().parent.mkdir(parents=True, exist_ok=True)
    blank_index.index_path().symlink_to(folder / "z.pdf")
    before = (folder / "z.pdf").read_bytes()
    with caplog.at_level(logging.WARNING, logger="formfill"):
        assert forms.find_blank(None) == folder / "a.pdf"
    assert "not a regular file" in caplog.text and (folder / "z.pdf").read_bytes() == before
    assert blank_index.index_path().is_symlink()


def test_no_output_replaces_the_index(folder: Path) -> None:
    forms.find_blank(None)
    with pytest.raises(UnsafeOutputError, match="the forms index"):
        guard_output(blank_index.index_path(), overwrite=True)


def test_an_index_for_other_packages_or_another_version_holds_nothing() -> None:
    entry = {"size": 1, "mtime_ns": 2, "sha256": None, "form": "", "edition": ""}
    raw = json.dumps({"index": blank_index.MARK, "stamp": "old", "entries": {"/x.pdf": entry}}).encode()
    assert blank_index.parse(raw, "old") == {"/x.pdf": blank_index.Entry(1, 2, None, "", "")}
    assert blank_index.parse(raw, "new") == {}
    assert blank_index.fingerprint(("marks",), "1") != blank_index.fingerprint(("marks",), "2")
