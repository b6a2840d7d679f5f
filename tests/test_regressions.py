"""The trust boundary (issue 9) holds for the commands that came after it: review, extract, diff, forms add.

- a hostile or endless file given to `review`, `extract` or `diff` ends with exit 2 and one line naming it;
- `review` never writes over the blank it found by itself, and shows only the photo bytes it checked;
- `diff` refuses a profile with a duplicate key as an unreadable input (exit 2), never as "differences";
- `forms add` keeps the cleaned copy of exactly the bytes it checked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import formfill
from formfill.blanks import load_blank
from tests.helpers import SAMPLES, assert_refused
from tests.helpers import run_untrusted as cli
from tests.hostile_pdfs import BUILDERS
from tests.test_pdf_blank import SAMPLE

PROFILE = SAMPLES / "re-parole.json"


@pytest.fixture(scope="module")
def hostile(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: BUILDERS[name](folder, blank_plain) for name in ("reference-loop", "decompression-bomb",
                                                                   "truncated", "malformed-objects")}


COMMANDS = {
    "review": ["review", "{pdf}", "--profile", str(SAMPLE), "-o", "{out}"],
    "extract": ["extract", "{pdf}"],
    "diff": ["diff", str(SAMPLE), "{pdf}"],
}


@pytest.mark.parametrize("case", ["reference-loop", "decompression-bomb", "truncated", "malformed-objects"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_hostile_pdf_ends_with_exit_2_and_one_line_naming_it(hostile: dict[str, Path], tmp_path: Path,
                                                                case: str, command: str) -> None:
    out = tmp_path / "review.html"
    done = cli(*[a.format(pdf=hostile[case], out=out) for a in COMMANDS[command]], home=tmp_path / "home")
    assert_refused(done, str(hostile[case]))
    assert not out.exists()


def test_review_of_an_endless_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    done = cli("review", "/dev/zero", "--profile", str(SAMPLE), "-o", str(out), home=tmp_path / "home")
    # Refused up front, unread, as extract and diff refuse a device (issue 17: review waited forever on a FIFO).
    assert_refused(done, "/dev/zero", "not a regular file")
    assert not out.exists()


def test_review_never_writes_over_the_blank_it_found(tmp_path: Path, blank_plain: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """No --form: the blank comes from the forms folders, and is an input all the same."""
    from click.testing import CliRunner

    from formfill.cli import main

    forms = tmp_path / "forms"
    forms.mkdir()
    found = forms / blank_plain.name
    shutil.copyfile(blank_plain, found)
    monkeypatch.setenv("FORMFILL_FORMS_DIR", str(forms))
    monkeypatch.setenv("FORMFILL_OFFLINE", "1")
    before = found.read_bytes()
    result = CliRunner().invoke(main, ["review", str(PROFILE), "-o", str(found), "--overwrite"])
    assert result.exit_code == 2, result.output
    assert "is the blank form" in result.output and "Traceback" not in result.output
    assert found.read_bytes() == before


def test_diff_refuses_a_profile_with_a_duplicate_key_as_unreadable(tmp_path: Path) -> None:
    """Exit 1 means "differences" for diff: a profile it cannot read as meant is exit 2, naming the path."""
    text = PROFILE.read_text()
    assert text.count('"applicant": {') == 1
    twice = tmp_path / "twice.json"
    twice.write_text(text.replace('"applicant": {', '"applicant": {\n    "ssn": "987-65-4321",'))
    for args in (["diff", str(twice), str(PROFILE)], ["diff", str(PROFILE), str(twice), "--json"]):
        done = cli(*args, home=tmp_path / "home")
        assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
        shown = done.stdout + done.stderr
        assert "applicant.ssn" in shown and "duplicate key" in shown and "Traceback" not in shown
        assert "987" not in shown and "4321" not in shown
    doc = json.loads(cli("diff", str(PROFILE), str(twice), "--json", home=tmp_path / "home").stdout)
    assert doc["ok"] is False and doc["exit_code"] == 2
    assert [p["code"] for p in doc["problems"]] == ["duplicate_key"]


def test_review_shows_the_photo_bytes_it_checked_not_a_file_swapped_in_later(
        tmp_path: Path, blank_plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --attachments-root, a photo replaced by a link to a file outside the root after the check is never read."""
    import io

    from PIL import Image, ImageStat

    from formfill.checks import package
    from formfill.review import review
    from tests.helpers import write_photo

    data = json.loads((SAMPLES / "advance-parole-i485.json").read_text())
    data["attachments"] = [{"kind": "passport_photo", "path": "photos/p1.jpg"}]
    inside = tmp_path / "inside"
    photo = inside / "photos" / "p1.jpg"
    write_photo(photo)
    (inside / "client.json").write_text(json.dumps(data))
    outside = tmp_path / "outside.jpg"
    Image.new("RGB", (600, 600), (255, 0, 0)).save(outside, "JPEG")
    checked = package.check_package

    def check_then_swap(*args: object, **kwargs: object) -> package.PackageReport:
        report = checked(*args, **kwargs)  # type: ignore[arg-type]
        photo.unlink()
        photo.symlink_to(outside)  # after the check, before anything else reads the path
        return report

    monkeypatch.setattr(package, "check_package", check_then_swap)
    r = review(inside / "client.json", form=formfill.forms.open_blank(blank_plain), check_package=True,
               attachments_root=inside)
    [shown] = r.photos
    assert shown.thumbnail is not None
    red, green, _ = ImageStat.Stat(Image.open(io.BytesIO(shown.thumbnail)).convert("RGB")).mean
    assert red - green < 100, "the thumbnail is the file swapped in after the check"


def test_review_of_a_verified_pdf_with_a_huge_page_stays_bounded(blank_plain: Path) -> None:
    """A page box 50 times the form's still verifies (values are fields); its image must not grow with it."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, RectangleObject

    from formfill.review import MAX_PAGE_PIXELS, review

    blank = formfill.forms.open_blank(blank_plain)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(formfill.fill(PROFILE, form=blank).data)))
    page = writer.pages[0]
    page[NameObject("/MediaBox")] = RectangleObject([0, 0, 4000, 4000])
    page.pop(NameObject("/CropBox"), None)
    buf = io.BytesIO()
    writer.write(buf)
    r = review(PROFILE, filled=buf.getvalue())
    assert r.pages[0].width == 4000
    assert all(p.pixels[0] * p.pixels[1] <= MAX_PAGE_PIXELS * 1.01 for p in r.pages), [p.pixels for p in r.pages]
    assert r.pages[1].pixels == (1020, 1320)  # a letter page keeps its 120 DPI


def test_forms_add_keeps_the_bytes_it_checked(tmp_path: Path, blank_plain: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file replaced by a filled form between the check and the copy: the checked blank is what is kept."""
    from formfill import forms

    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    candidate = tmp_path / "i-131.pdf"
    shutil.copyfile(blank_plain, candidate)
    filled = formfill.fill(PROFILE, form=forms.open_blank(blank_plain)).data
    checked = forms.for_form

    def check_then_swap(blank: object) -> object:
        found = checked(blank)  # type: ignore[arg-type]
        candidate.write_bytes(filled)  # another client's filled form, after the check
        return found

    monkeypatch.setattr(forms, "for_form", check_then_swap)
    kept = forms.add_form(candidate)
    assert kept.read_bytes() == load_blank(blank_plain.read_bytes()).data  # the cleaned copy of the checked bytes
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no .part left behind


@pytest.mark.parametrize("nest", [("[", "]"), ('{"a": ', "}")])
def test_diff_of_a_deeply_nested_profile_is_exit_2_never_a_traceback(tmp_path: Path, nest: tuple[str, str]) -> None:
    """500 levels pass the JSON reader (and validation's own refusal) but not diff's walk of an invalid profile."""
    data = json.loads(PROFILE.read_text())
    text = json.dumps(data)[:-1] + ', "deep": ' + nest[0] * 500 + "1" + nest[1] * 500 + "}"
    deep = tmp_path / "deep.json"
    deep.write_text(text)
    for args in (["diff", str(deep), str(PROFILE)], ["diff", str(PROFILE), str(deep)]):
        assert_refused(cli(*args, home=tmp_path / "home"), str(deep), "nested too deeply")


def test_a_pipe_named_like_a_pdf_in_the_forms_folder_never_hangs_the_scan(tmp_path: Path, blank_plain: Path) -> None:
    import os
    import subprocess

    forms = tmp_path / "home" / "forms"
    forms.mkdir(parents=True)
    shutil.copyfile(blank_plain, forms / blank_plain.name)
    os.mkfifo(forms / "a-pipe.pdf")  # sorts first: the scan meets it before the blank
    out = tmp_path / "out.pdf"
    try:
        done = cli("fill", str(PROFILE), "-o", str(out), home=tmp_path / "home", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the scan of the forms folder blocked on a FIFO")
    assert done.returncode == 0, done.stderr
    listed = cli("forms", "list", home=tmp_path / "home")
    assert "a-pipe.pdf: not usable" in listed.stdout and "not a regular file" in listed.stdout
    assert_refused(cli("forms", "add", str(forms / "a-pipe.pdf"), home=tmp_path / "home"), "not a regular file")


def test_diff_masks_an_identifier_nested_inside_an_invalid_profile(tmp_path: Path) -> None:
    """An invalid profile is compared as written: `applicant.ssn.number` is an SSN all the same."""
    data = json.loads(PROFILE.read_text())
    data["applicant"]["ssn"] = {"number": "456-55-0199"}
    data["applicant"]["a_number"] = {"value": {"digits": "A-234-567-890"}}
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data))
    for args in (["diff", str(PROFILE), str(odd)], ["diff", str(odd), str(PROFILE), "--json"]):
        done = cli(*args, home=tmp_path / "home")
        assert done.returncode == 1, done.stderr
        assert "applicant.ssn.number" in done.stdout
        for digits in ("456-55", "456550", "234-567", "234567"):
            assert digits not in done.stdout + done.stderr


def _with_heavy_sheet(blank_plain: Path, megabytes: float) -> bytes:
    """A filled form whose continuation sheet's page draws `megabytes` of tiny text operations."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    from tests.helpers import long_profile

    data = long_profile(json.loads((SAMPLES / "advance-parole-i485.json").read_text()))
    filled = formfill.fill(data, form=formfill.forms.open_blank(blank_plain)).data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(filled)))
    sheet = writer.pages[-1]
    font = next(iter(sheet["/Resources"]["/Font"]))  # type: ignore[index]
    unit = b"BT %s 1 Tf 10 10 Td (a) Tj ET\n" % font.encode()
    stream = DecodedStreamObject()
    stream.set_data(unit * int(megabytes * 2**20 / len(unit)))
    sheet[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_extract_skips_a_sheet_page_far_larger_than_text(blank_plain: Path) -> None:
    """pdfminer takes ~100 MB and seconds per MB of content (8 MB: 23 s, 750 MB); no sheet is that large."""
    from formfill.extract import extract

    ex = extract(_with_heavy_sheet(blank_plain, 2), name="heavy.pdf")
    assert any("page 15 is not read as a continuation sheet" in p.message for p in ex.problems), ex.problems


def test_extract_reading_sheets_is_bounded_in_time(blank_plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sheets that take longer than the time bound to parse are given up on: reported unread, never waited for."""
    import importlib

    extract_mod = importlib.import_module("formfill.extract")  # `formfill.extract` is also the function
    raw = _with_heavy_sheet(blank_plain, 3)  # ~8 s of pdfminer
    monkeypatch.setattr(extract_mod, "MAX_SHEET_CONTENT", 8 * 2**20)
    monkeypatch.setattr(extract_mod, "PREPARE_SECONDS", 1)
    ex = extract_mod.extract(raw, name="heavy.pdf")
    assert any(p.message == "the continuation sheets could not be read as text" for p in ex.problems), ex.problems


def test_verify_refuses_a_sheet_page_far_larger_than_text_without_parsing_it(blank_plain: Path) -> None:
    """Before: 8 MB of text operations took verify 23 s and 640 MB to give up; no sheet formfill writes is 1 MB."""
    from tests.helpers import long_profile

    data = long_profile(json.loads((SAMPLES / "advance-parole-i485.json").read_text()))
    result = formfill.verify(_with_heavy_sheet(blank_plain, 2), data)
    assert not result.ok
    assert [p.message for p in result.problems] == [
        "continuation sheet 1 does not read back as written (its page content is over 1 MB)"]
