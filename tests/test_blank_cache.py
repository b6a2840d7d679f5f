"""The prepared blank is cached by the blank's sha256, and a damaged cache entry is never trusted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formfill.formpackage import load_blank
from formfill.pdf.blank import cache_dir


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
