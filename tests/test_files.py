"""formfill.files: the one bounded reader, the one output check and the one atomic writer (issue 17).

Small synthetic files only: FIFOs, dangling symlinks, symlink loops, hard links, folders and devices
built in tmp folders. The commands that use these are tested in test_api.py (every writer) and
test_forms.py / test_batch.py (every reader of a folder).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from formfill.errors import FormError, InputError, OutputExistsError, TooLargeError, UnsafeOutputError
from formfill.files import (
    NOT_REGULAR,
    PART_SUFFIX,
    check_output,
    identities,
    identity,
    part_owner,
    read_bounded,
    read_within,
    unreadable,
    write_atomic,
)
from tests.helpers import deadline

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")


def parts(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(PART_SUFFIX)]


# --- read_bounded ------------------------------------------------------------------------------------


def test_read_bounded_reads_at_most_one_byte_past_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"x" * 100)
    assert read_bounded(f, 1000) == b"x" * 100
    assert read_bounded(f, 10) == b"x" * 11  # the caller sees it is too large and says so in its words
    with pytest.raises(InputError, match="too big"):
        read_bounded(f, 10, too_large="a.bin is too big")


@posix_only
def test_read_bounded_never_waits_on_a_fifo_or_reads_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    for bad in (fifo, tmp_path, Path("/dev/zero")):
        with deadline(10), pytest.raises(InputError, match="not a regular file") as caught:
            read_bounded(bad, 1000)
        assert str(bad) in caught.value.message and caught.value.exit_code == 2


@posix_only
def test_read_bounded_names_a_dangling_symlink_and_a_loop(tmp_path: Path) -> None:
    (tmp_path / "gone.json").symlink_to(tmp_path / "share" / "gone.json")
    (tmp_path / "loop.json").symlink_to("loop.json")
    with pytest.raises(InputError, match=r"gone\.json: a symlink to a file that does not exist"):
        read_bounded(tmp_path / "gone.json", 10)
    with pytest.raises(InputError, match=r"loop\.json: cannot be read \(a symlink loop\)"):
        read_bounded(tmp_path / "loop.json", 10)
    with pytest.raises(InputError, match=r"nope\.json: no such file"):
        read_bounded(tmp_path / "nope.json", 10)


def test_read_bounded_raises_the_callers_error_type_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(FormError, match=r"^The blank form x\.pdf is not a regular file"):
        read_bounded(tmp_path, 10, name="The blank form x.pdf", error=FormError)


@posix_only
def test_read_bounded_reads_a_pipe_when_asked(tmp_path: Path) -> None:
    """Profiles may come from `<(...)`: a pipe is read like a file, still within the bound."""
    r, w = os.pipe()
    os.write(w, b'{"a": 1}' * 10)
    os.close(w)
    try:
        assert read_bounded(f"/dev/fd/{r}", 20, regular_only=False) == (b'{"a": 1}' * 10)[:21]
    finally:
        os.close(r)


@posix_only
def test_read_within_is_the_raw_reader_under_read_bounded(tmp_path: Path) -> None:
    """The one bounded read: OS errors as they come, None for what is not a regular file, TooLargeError when asked."""
    target = tmp_path / "a.bin"
    target.write_bytes(b"x" * 10)
    assert read_within(target, 4) == b"xxxxx"  # limit + 1: the caller words "too large"
    with pytest.raises(TooLargeError) as err:
        read_within(target, 4, refuse_larger=True)
    assert err.value.size == 10
    assert read_within(target, 10, refuse_larger=True) == b"x" * 10
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with deadline(5):
        assert read_within(fifo, 10) is None
    assert read_within(tmp_path, 10) is None
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_within(link, 10) == b"x" * 10
    with pytest.raises(OSError):
        read_within(link, 10, nofollow=True)  # ELOOP: a last component that is a symlink is refused
    with pytest.raises(FileNotFoundError):
        read_within(tmp_path / "missing", 10)


def test_read_within_lets_the_caller_refuse_the_open_descriptor(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"data")
    seen: list[int] = []

    def inspect(fd: int) -> None:
        seen.append(os.fstat(fd).st_size)
        raise PermissionError("refused")

    with pytest.raises(PermissionError):
        read_within(target, 10, inspect=inspect)
    assert seen == [4]


def test_unreadable_says_why_in_words_that_follow_the_name(tmp_path: Path) -> None:
    (tmp_path / "ok").write_text("x")
    (tmp_path / "gone").symlink_to("/nonexistent/share/a.json")
    (tmp_path / "loop").symlink_to("loop")
    os.mkfifo(tmp_path / "fifo")
    assert unreadable(tmp_path / "ok") is None
    assert unreadable(tmp_path / "gone") == "is a symlink to /nonexistent/share/a.json, which does not exist"
    assert unreadable(tmp_path / "loop") == "cannot be read (a symlink loop)"
    assert unreadable(tmp_path / "fifo") == NOT_REGULAR
    assert unreadable(tmp_path) == NOT_REGULAR


# --- identities and check_output ---------------------------------------------------------------------


@posix_only
def test_identity_is_the_same_through_symlinks_and_hard_links(tmp_path: Path) -> None:
    f = tmp_path / "blank.pdf"
    f.write_bytes(b"%PDF")
    (tmp_path / "soft.pdf").symlink_to(f)
    os.link(f, tmp_path / "hard.pdf")
    assert identity(f) == identity(tmp_path / "soft.pdf") == identity(tmp_path / "hard.pdf") is not None
    assert identity(tmp_path / "missing") is None and identity("nul\0byte") is None
    found = identities([(f, "the blank"), (tmp_path / "hard.pdf", "another name"), (tmp_path / "missing", "x")])
    assert found == {identity(f): "the blank"}  # the first name given wins; a missing file is skipped


@posix_only
def test_check_output_refuses_protected_files_by_identity(tmp_path: Path) -> None:
    f = tmp_path / "blank.pdf"
    f.write_bytes(b"%PDF")
    (tmp_path / "soft.pdf").symlink_to(f)
    os.link(f, tmp_path / "hard.pdf")
    protected = identities([(f, "the blank form blank.pdf")])
    for target in (f, tmp_path / "soft.pdf", tmp_path / "hard.pdf"):
        with pytest.raises(UnsafeOutputError) as caught:
            check_output(target, protected, what="the review")
        message = caught.value.message
        assert message.startswith(f"cannot write the review {target}: it is the blank form blank.pdf; writing "
                                  "there would replace the input")
        assert caught.value.exit_code == 2
    check_output(tmp_path / "new.pdf", protected)  # a new name passes
    (tmp_path / "other.pdf").write_bytes(b"x")
    check_output(tmp_path / "other.pdf", protected)  # so does an unprotected file


@posix_only
def test_check_output_refuses_anything_but_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    cases = {tmp_path: "is a folder, not a regular file", Path("/dev/null"): "not a regular file",
             tmp_path / "fifo": re.escape("not a regular file (a device, FIFO or socket)")}
    for target, why in cases.items():
        with deadline(10), pytest.raises(UnsafeOutputError, match=why):
            check_output(target, what="the report", hint="pass another --report")
    with pytest.raises(InputError, match="NUL byte"):
        check_output(Path("a\0b"))


# --- write_atomic ------------------------------------------------------------------------------------


def test_write_atomic_writes_and_refuses_to_clobber(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "a.json"
    write_atomic(out, b"one", overwrite=False)
    assert out.read_bytes() == b"one"
    with pytest.raises(OutputExistsError, match="already exists"):
        write_atomic(out, b"two", overwrite=False)
    write_atomic(out, b"two", overwrite=True)
    assert out.read_bytes() == b"two" and not parts(out.parent)


@posix_only
def test_write_atomic_never_writes_through_a_protected_link(tmp_path: Path) -> None:
    kept = tmp_path / "kept.pdf"
    kept.write_bytes(b"%PDF keep me")
    link = tmp_path / "link.pdf"
    link.symlink_to(kept)
    with pytest.raises(UnsafeOutputError):
        write_atomic(link, b"new", overwrite=True, protected=identities([(kept, "the blank form kept.pdf")]))
    assert kept.read_bytes() == b"%PDF keep me" and link.is_symlink() and not parts(tmp_path)


def test_write_atomic_a_folder_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_atomic(tmp_path / "file" / "a.pdf", b"x", overwrite=False)


def test_write_atomic_part_file_is_private_and_named_for_its_writer(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        (name,) = parts(tmp_path)
        seen.append((name, stat.S_IMODE(os.fstat(fd).st_mode)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_atomic(tmp_path / "a.i-131.pdf", b"%PDF", overwrite=False)
    ((name, mode),) = seen
    assert mode == 0o600 and part_owner(name) == ("a.i-131.pdf", os.getpid())


def test_write_atomic_removes_its_part_file_on_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError, match="No space left on device"):
        write_atomic(tmp_path / "a.pdf", b"%PDF", overwrite=True)
    assert not parts(tmp_path) and not (tmp_path / "a.pdf").exists()


def test_part_owner_reads_only_write_atomic_names() -> None:
    assert part_owner(".x.i-131.pdf.4242.abc_12.part") == ("x.i-131.pdf", 4242)
    assert part_owner(".i-131_01-20-25.pdf.7.zz.part") == ("i-131_01-20-25.pdf", 7)
    for other in ("x.i-131.pdf", ".x.pdf.part", ".x.pdf.notapid.abc.part", "x.pdf.1.abc.part"):
        assert part_owner(other) is None


# --- write_folder_atomic (formfill package) ----------------------------------------------------------


def test_folder_is_written_all_at_once_and_replaced_only_with_overwrite(tmp_path: Path) -> None:
    from formfill.errors import OutputExistsError
    from formfill.files import write_folder_atomic

    out = tmp_path / "pkg"
    write_folder_atomic(out, {"a.txt": b"one", "b.txt": b"two"}, ["a.txt", "b.txt"])
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    with pytest.raises(OutputExistsError):
        write_folder_atomic(out, {"a.txt": b"new"}, ["a.txt", "b.txt"])
    write_folder_atomic(out, {"a.txt": b"new"}, ["a.txt", "b.txt"], overwrite=True)
    assert [p.name for p in out.iterdir()] == ["a.txt"] and (out / "a.txt").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]  # no temporary folder left behind


def test_folder_holding_other_files_is_never_replaced(tmp_path: Path) -> None:
    from formfill.errors import UnsafeOutputError
    from formfill.files import write_folder_atomic

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "profile.json").write_text("{}")
    with pytest.raises(UnsafeOutputError, match=r"profile\.json"):
        write_folder_atomic(tmp_path / "pkg", {"a.txt": b"x"}, ["a.txt"], overwrite=True)
    assert (tmp_path / "pkg" / "profile.json").read_text() == "{}"
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnsafeOutputError, match="not a folder"):
        write_folder_atomic(tmp_path / "file", {"a.txt": b"x"}, ["a.txt"], overwrite=True)


def test_a_failed_folder_write_leaves_nothing(tmp_path: Path) -> None:
    from formfill.errors import InputError
    from formfill.files import write_folder_atomic

    with pytest.raises(InputError):
        write_folder_atomic(tmp_path / "pkg", {"a.txt": b"x", "../escape/b.txt": b"y"}, ["a.txt"])
    assert list(tmp_path.iterdir()) == []
