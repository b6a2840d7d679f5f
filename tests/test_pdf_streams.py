"""Decompression bounds that no filter chain walks around (issue 17).

- each filter of a chain (Flate with or without a predictor, ASCIIHex, ASCII85, LZW, RunLength) is
  limited as it produces output, whichever position the bomb takes; image filters pass through;
- /DecodeParms pair with /Filter as ISO 32000-1 says, or the stream is refused;
- every stream a file lists is checked, reachable or not, and all of them together;
- through the CLI, in a subprocess limited in address space and measured: a chained bomb as a field's
  appearance (verify, review, extract) or as page 1 of a blank (forms add, --form, --printed, the
  forms folder, the download) ends with exit 2 and one line, in bounded memory and time, storing nothing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import http.server
import io
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NullObject,
    NumberObject,
)

import formfill
from formfill.blanks import load_blank
from formfill.errors import FormError, StreamBoundsError
from formfill.forms import open_blank
from formfill.pdf import streams
from formfill.pdf.streams import (
    MAX_STREAM_BYTES,
    Step,
    ascii85_size,
    chain_of,
    chain_size,
    check_streams,
    components,
    decode_chain,
    decode_step,
    decoded,
    image_bytes,
    inflate,
    inflated_size,
    inline_image_bytes,
    samples_size,
)
from tests.helpers import REPO, SAMPLES, http_serving
from tests.hostile_pdfs import CHAINS, chain_bomb, image_bomb, lzw

SAMPLE = SAMPLES / "advance-parole-i485.json"
MEMORY_LIMIT = 1536 * 2**20  # address space of each CLI run: a regression dies here instead of eating the machine
PEAK_LIMIT_MB = 300  # resident memory a refusal may take (the code before this took 1.4 GB; a plain fill 110 MB)
SECONDS_LIMIT = 30  # wall time a refusal may take on a loaded machine (the code before this took up to 33 s)

# --- one filter at a time -----------------------------------------------------------------------------


def test_inflate_is_refused_as_soon_as_its_output_passes_the_limit() -> None:
    data = zlib.compress(bytes(5000))
    assert inflate(data, 5000) == bytes(5000)
    assert inflated_size(data, 5000) == 5000
    for refuse in (lambda: inflate(data, 4999), lambda: inflated_size(data, 4999)):
        with pytest.raises(StreamBoundsError, match="decompresses to more than 4999 bytes"):
            refuse()


def test_inflate_drains_output_a_megabyte_at_a_time_to_the_last_byte() -> None:
    """Output pending inside zlib when a piece is full is drained with bounded calls, never lost or unbounded."""
    size = 3 * 2**20 + 7
    data = zlib.compress(bytes(size), 9)
    assert len(inflate(data)) == size == inflated_size(data)
    assert inflated_size(data, size) == size
    with pytest.raises(StreamBoundsError):
        inflated_size(data, size - 1)


def test_damaged_flate_is_refused_and_a_cut_one_only_when_it_must_end() -> None:
    data = zlib.compress(b"BT /F1 10 Tf (hello) Tj ET" * 50)
    with pytest.raises(StreamBoundsError, match="damaged or malformed"):
        inflate(b"not zlib at all")
    cut = data[: len(data) // 2]
    assert b"hello" in inflate(cut)  # viewers show what there is
    with pytest.raises(StreamBoundsError, match="ends before"):
        inflate(cut, complete=True)
    assert inflate(data + b"\r\n", complete=True) == inflate(data)  # bytes after the zlib stream are ignored


@pytest.mark.parametrize("payload", [b"", b"a", b"abcd", b"abcde", bytes(4), bytes(4000), os.urandom(999),
                                     bytes(8) + b"xyz" + bytes(13)])
def test_ascii85_size_is_never_below_what_the_data_decodes_to(payload: bytes) -> None:
    data = base64.a85encode(payload, adobe=True)[2:]  # PDF omits the leading <~
    assert len(payload) <= ascii85_size(data) <= len(payload) + 3
    assert decode_step(Step("/ASCII85Decode", {}), data) == payload


ENCODE = {
    "/FlateDecode": zlib.compress,
    "/ASCIIHexDecode": lambda data: binascii.hexlify(data) + b">",
    "/ASCII85Decode": lambda data: base64.a85encode(data, adobe=True)[2:],
    "/LZWDecode": lzw,
    "/RunLengthDecode": lambda data: run_length(data),
}


def run_length(data: bytes) -> bytes:
    """RunLengthDecode's encoding: a repeated byte as one run (up to 128), any other byte as a literal of one."""
    out = bytearray()
    for byte, group in itertools.groupby(data):
        count = len(list(group))
        for start in range(0, count, 128):
            n = min(128, count - start)
            out += bytes([257 - n, byte]) if n > 1 else bytes([0, byte])
    return bytes(out + b"\x80")


@pytest.mark.parametrize("name", list(ENCODE))
def test_each_filter_decodes_and_stops_at_the_limit(name: str) -> None:
    payload = bytes(3000) + b"content" * 100
    data = ENCODE[name](payload)
    assert decode_step(Step(name, {}), data, len(payload)) == payload
    with pytest.raises(StreamBoundsError, match="decompresses to more than 1000 bytes"):
        decode_step(Step(name, {}), data, 1000)


@pytest.mark.parametrize("name", ["/Fl", "/AHx", "/A85", "/LZW", "/RL"])
def test_abbreviated_filter_names_are_the_same_filters(name: str) -> None:
    full = {"/Fl": "/FlateDecode", "/AHx": "/ASCIIHexDecode", "/A85": "/ASCII85Decode", "/LZW": "/LZWDecode",
            "/RL": "/RunLengthDecode"}[name]
    assert decode_step(Step(name, {}), ENCODE[full](b"x" * 500)) == b"x" * 500


def test_damaged_data_of_any_filter_is_refused_not_a_traceback() -> None:
    for name, data in (("/ASCIIHexDecode", b"zz>"), ("/ASCII85Decode", b"\x7f\x7f~>"), ("/LZWDecode", b"\xff" * 9)):
        with pytest.raises(StreamBoundsError, match="damaged or malformed"):
            decode_step(Step(name, {}), data)


# --- chains --------------------------------------------------------------------------------------------


def _encode_chain(filters: list[str], payload: bytes) -> bytes:
    for name in reversed(filters):
        payload = ENCODE[name](payload)
    return payload


@pytest.mark.parametrize("filters", [
    ["/FlateDecode", "/FlateDecode"],
    ["/ASCIIHexDecode", "/FlateDecode"],
    ["/ASCII85Decode", "/FlateDecode", "/FlateDecode"],
    ["/FlateDecode", "/RunLengthDecode"],
    ["/FlateDecode", "/LZWDecode"],
    ["/LZWDecode", "/FlateDecode"],
    ["/ASCIIHexDecode", "/ASCII85Decode", "/FlateDecode"],
])
def test_a_bomb_is_stopped_whichever_filter_of_the_chain_it_hides_in(filters: list[str]) -> None:
    """Every filter but the last stays well within the limit; the last would pass it by far."""
    payload = bytes(200_000)
    data = _encode_chain(filters, payload)
    chain = [Step(f, {}) for f in filters]
    assert decode_chain(data, chain) == payload
    assert chain_size(data, chain) == len(payload)
    limit = 50_000
    stages = [data]
    for step in chain[:-1]:
        stages.append(decode_step(step, stages[-1]))
    assert all(len(stage) < limit for stage in stages), "only the last filter's output is large"
    for refuse in (decode_chain, chain_size):
        with pytest.raises(StreamBoundsError, match="decompresses to more than"):
            refuse(data, chain, limit)


def _png_up(rows: list[bytes]) -> bytes:
    """PNG predictor 'Up' (filter type 2) applied to equal rows of bytes."""
    out, previous = bytearray(), bytes(len(rows[0]))
    for row in rows:
        out += b"\x02" + bytes((a - b) % 256 for a, b in zip(row, previous, strict=True))
        previous = row
    return bytes(out)


def test_a_predictor_is_run_where_a_filter_follows_and_only_counted_at_the_end() -> None:
    """/DecodeParms pair with their own filter: the predictor of the Flate filter, before ASCIIHex decodes."""
    text = b"0 0 1 rg 10 10 100 20 re f " * 40
    hexed = binascii.hexlify(text)
    columns = 8
    hexed += b"0" * (-len(hexed) % columns)
    rows = [hexed[i : i + columns] for i in range(0, len(hexed), columns)]
    data = zlib.compress(_png_up(rows))
    parms = {"/Predictor": NumberObject(12), "/Columns": NumberObject(columns)}
    chain = [Step("/FlateDecode", parms), Step("/ASCIIHexDecode", {})]
    assert decode_chain(data, chain).rstrip(b"\x00") == text
    last = [Step("/FlateDecode", parms)]
    assert decode_chain(data, last) == hexed
    assert chain_size(data, last) == len(hexed) + len(rows), "the predictor's row tags are counted, not removed"


def test_image_filters_pass_through_only_at_the_end_and_unknown_filters_are_refused() -> None:
    jpeg = b"\xff\xd8\xff\xe0 not decoded here \xff\xd9"
    assert decode_chain(jpeg, [Step("/DCTDecode", {})]) == jpeg
    assert decode_chain(zlib.compress(jpeg), [Step("/FlateDecode", {}), Step("/DCTDecode", {})]) == jpeg
    assert decode_chain(jpeg, [Step("/Crypt", {"/Name": "/Identity"})]) == jpeg
    with pytest.raises(StreamBoundsError, match="followed by another filter"):
        decode_chain(jpeg, [Step("/DCTDecode", {}), Step("/FlateDecode", {})])
    with pytest.raises(StreamBoundsError, match="filter /BrotliDecode, which formfill cannot check"):
        decode_chain(jpeg, [Step("/BrotliDecode", {})])
    with pytest.raises(StreamBoundsError, match="more than 8"):
        decode_chain(jpeg, [Step("/Crypt", {})] * 9)
    with pytest.raises(StreamBoundsError, match="decompresses to more than 10 bytes"):
        decode_chain(jpeg, [Step("/JPXDecode", {})], 10)  # an image counts as its own bytes
    with pytest.raises(StreamBoundsError, match="decompresses to more than 10 bytes"):
        decode_chain(jpeg, [], 10)


def _stream(data: bytes, filters: object = None, parms: object = None) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    if filters is not None:
        stream[NameObject("/Filter")] = filters  # type: ignore[assignment]
    if parms is not None:
        stream[NameObject("/DecodeParms")] = parms  # type: ignore[assignment]
    return stream


def _names(*names: str) -> ArrayObject:
    return ArrayObject(NameObject(n) for n in names)


PARMS = DictionaryObject({NameObject("/Predictor"): NumberObject(1)})


@pytest.mark.parametrize(("filters", "parms", "expected"), [
    (None, None, []),
    (NameObject("/FlateDecode"), None, [("/FlateDecode", {})]),
    (NameObject("/FlateDecode"), PARMS, [("/FlateDecode", {"/Predictor": 1})]),
    (_names("/AHx", "/Fl"), None, [("/AHx", {}), ("/Fl", {})]),
    (_names("/AHx", "/Fl"), ArrayObject([NullObject(), PARMS]), [("/AHx", {}), ("/Fl", {"/Predictor": 1})]),
    (_names("/Fl"), PARMS, [("/Fl", {"/Predictor": 1})]),
    (_names("/Fl"), NullObject(), [("/Fl", {})]),
])
def test_decode_parameters_pair_with_their_filters(filters: object, parms: object,
                                                   expected: list[tuple[str, dict[str, int]]]) -> None:
    assert [(s.name, dict(s.parms)) for s in chain_of(_stream(b"", filters, parms))] == expected


@pytest.mark.parametrize(("filters", "parms"), [
    (_names("/AHx", "/Fl"), PARMS),  # one dictionary for two filters: which one's?
    (_names("/AHx", "/Fl"), ArrayObject([PARMS])),  # one entry short
    (NameObject("/Fl"), ArrayObject([PARMS, PARMS])),  # one too many
    (_names("/AHx", "/Fl"), ArrayObject([PARMS, NumberObject(3)])),  # not a dictionary
    (ArrayObject([NameObject("/Fl"), NumberObject(1)]), None),  # not a name
    (NumberObject(7), None),
])
def test_decode_parameters_that_do_not_match_the_filters_are_refused(filters: object, parms: object) -> None:
    with pytest.raises(StreamBoundsError, match="damaged or malformed"):
        chain_of(_stream(b"", filters, parms))


# --- every stream of a file -----------------------------------------------------------------------------


def _pdf(*streams_: DecodedStreamObject, reachable: bool = True) -> PdfReader:
    """A one-page PDF whose page draws `streams_` (or merely holds them as objects nothing refers to)."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    refs = [writer._add_object(s) for s in streams_]
    if reachable:
        page[NameObject("/Contents")] = ArrayObject(refs)
    buf = io.BytesIO()
    writer.write(buf)
    return PdfReader(io.BytesIO(buf.getvalue()))


@functools.cache
def _flate_twice(size: int) -> bytes:
    return zlib.compress(zlib.compress(bytes(size), 9), 9)


def _bomb(size: int = 40 * 2**20) -> DecodedStreamObject:
    """[/FlateDecode /FlateDecode] to `size` zeros: 40 KB after the first filter, 40 MB after the second."""
    return _stream(_flate_twice(size), _names("/FlateDecode", "/FlateDecode"))


def test_every_stream_of_a_file_is_checked_reachable_or_not() -> None:
    page = _stream(zlib.compress(b"q Q" * 100), NameObject("/FlateDecode"))
    assert check_streams(_pdf(page)) >= 300
    for reachable in (True, False):
        with pytest.raises(StreamBoundsError, match=f"decompresses to more than {MAX_STREAM_BYTES // 2**20} MB"):
            check_streams(_pdf(page, _bomb(), reachable=reachable))


def test_all_streams_of_a_file_together_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [_stream(zlib.compress(bytes(6000)), NameObject("/FlateDecode")) for _ in range(3)]
    assert check_streams(_pdf(*parts)) >= 18000
    monkeypatch.setattr(streams, "MAX_DECODED_BYTES", 15000)
    with pytest.raises(StreamBoundsError, match="its streams decompress to more than"):
        check_streams(_pdf(*parts))


def test_decoded_is_get_data_within_the_bounds() -> None:
    stream = _stream(_encode_chain(["/ASCIIHexDecode", "/FlateDecode"], b"BT (x) Tj ET"),
                     _names("/ASCIIHexDecode", "/FlateDecode"))
    assert decoded(stream) == b"BT (x) Tj ET"
    with pytest.raises(StreamBoundsError):
        decoded(_bomb())


def test_the_real_blanks_are_within_the_bounds(blank_plain: Path, blank_encrypted: Path, blank_2019: Path) -> None:
    """Including the uscis.gov blank's /Crypt filter and its predictor-coded cross-reference streams."""
    for path in (blank_plain, blank_encrypted, blank_2019):
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        assert 2**20 // 2 < check_streams(reader) < 4 * 2**20


@pytest.mark.slow
def test_load_blank_names_the_file_and_the_bound(blank_plain: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(blank_plain))
    writer._add_object(_bomb())  # an orphan: no reader would decode it, but it is in the file
    buf = io.BytesIO()
    writer.write(buf)
    for pristine in (True, False):
        with pytest.raises(FormError,
                           match=r"^orphan\.pdf could not be read as a PDF form \(a stream decompresses to more than "
                                 r"32 MB\)$"):
            load_blank(buf.getvalue(), "orphan.pdf", use_cache=False, pristine=pristine)


# --- images: the pixels they declare ------------------------------------------------------------------


def test_an_images_size_is_what_it_declares() -> None:
    assert samples_size(528, 523, 3, 8) == 528 * 523 * 3
    assert samples_size(1125, 75, 1, 1) == 141 * 75, "rows are padded to whole bytes"
    assert samples_size(-5, 10, 3, 8) == 0
    assert components(NameObject("/DeviceCMYK")) == 4
    assert components(ArrayObject([NameObject("/Indexed"), NameObject("/DeviceRGB"), NumberObject(255)])) == 1
    icc = DictionaryObject({NameObject("/N"): NumberObject(3)})
    assert components(ArrayObject([NameObject("/ICCBased"), icc])) == 3
    assert components(ArrayObject([NameObject("/DeviceN"), _names("/Cyan", "/Spot1"), NameObject("/DeviceCMYK")])) == 2
    assert components(NameObject("/CS0")) == 4, "a name not resolved counts as the most a common space has"
    image = DictionaryObject({NameObject("/Subtype"): NameObject("/Image"), NameObject("/Width"): NumberObject(40_000),
                              NameObject("/Height"): NumberObject(40_000),
                              NameObject("/ColorSpace"): NameObject("/DeviceGray")})
    assert image_bytes(image) == 40_000 * 40_000
    image[NameObject("/ImageMask")] = BooleanObject(True)
    assert image_bytes(image) == 5000 * 40_000


@pytest.mark.parametrize(("content", "sizes"), [
    (b"q BI /W 10 /H 20 /CS /RGB /BPC 8 ID xyz EI Q", [600]),
    (b"BI/Width 10/Height 20/ColorSpace/DeviceGray/BitsPerComponent 8\nID\nxyz\nEI", [200]),
    (b"BI /W 16 /H 2 /IM true ID \x00\x00\x00\x00 EI", [4]),
    (b"BI /W 10 /H 10 /CS [/I /RGB 1 <000000ffffff>] /BPC 8 ID x EI", [400]),  # an array space: 4 components
    (b"BI /W 4 /H 4 /CS /G ID 0123456789abcdef EI BI /W 8 /H 1 /CS /G ID 01234567 EI", [16, 8]),
    (b"(BI /W 9 /H 9 ID) Tj BIX /W 99 /H 99 ID", []),  # in a string, and not the BI operator
    (b"BI /W 1 /H 1 /CS /G ID <BI /W 50000 /H 50000 /CS /G> EI", [1]),  # the next BI is in the image's data
    (b"BI /W 1 /H 1 /CS /G ID \xff EI BI /W 99999 /W 1 /H 3 ID x EI", [1, 99999 * 3 * 4]),  # the largest value counts
    (b"BI /W 5 /H 5", []),  # no data follows
])
def test_inline_images_are_sized_from_their_dictionaries(content: bytes, sizes: list[int]) -> None:
    assert list(inline_image_bytes(content)) == sizes


def test_an_image_declaring_too_many_pixels_is_refused_whatever_its_data(tmp_path: Path, blank_plain: Path) -> None:
    for inline in (False, True):
        path = image_bomb(tmp_path, blank_plain, f"image-{inline}.pdf", inline=inline)
        reader = PdfReader(path)
        with pytest.raises(StreamBoundsError, match="an image declares more than 32 MB of pixels"):
            check_streams(reader)
        assert check_streams(PdfReader(image_bomb(tmp_path, blank_plain, f"small-{inline}.pdf", inline=inline,
                                                  side=2000)))


# --- through the CLI, measured ---------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float


def measured(*args: str, home: Path, env: dict[str, str] | None = None, timeout: int = 120) -> Run:
    """The real CLI in a subprocess limited in address space, with its own peak resident memory and wall time."""

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    environ = {**os.environ, "FORMFILL_HOME": str(home), "FORMFILL_OFFLINE": "1", **(env or {})}
    environ.pop("FORMFILL_FORMS_DIR", None)
    if env and "FORMFILL_FORMS_DIR" in env:
        environ["FORMFILL_FORMS_DIR"] = env["FORMFILL_FORMS_DIR"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "formfill", *args], stdout=out, stderr=err, cwd=REPO,
                                env=environ, preexec_fn=bounded)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not every child's
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024, seconds)


def assert_refused_in_bounds(run: Run, *fragments: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert run.peak_mb < PEAK_LIMIT_MB, f"peak {run.peak_mb:.0f} MB"
    assert run.seconds < SECONDS_LIMIT, f"{run.seconds:.1f} s"


@pytest.fixture(scope="module")
def filled(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("filled") / "client.pdf"
    formfill.fill(SAMPLE, form=open_blank(blank_plain), output=out)
    return out


@pytest.fixture(scope="module")
def bombs(blank_plain: Path, filled: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Each chain as page 1 of the real blank ("page") and as a field's appearance in a filled form ("appearance")."""
    folder = tmp_path_factory.mktemp("chains")
    out: dict[tuple[str, str], Path] = {}
    for chain in CHAINS:
        out[chain, "page"] = chain_bomb(folder, blank_plain, chain)
        out[chain, "appearance"] = chain_bomb(folder, filled, chain, appearance=True)
    return out


BOUND = "could not be read as a PDF form (a stream decompresses to more than 32 MB)"
ON_A_FILLED_FORM = {
    "verify": ["verify", "{pdf}", "--profile", str(SAMPLE)],
    "verify --printed": ["verify", "{pdf}", "--profile", str(SAMPLE), "--printed"],
    "review": ["review", "{pdf}", "--profile", str(SAMPLE), "-o", "{out}"],
    "extract": ["extract", "{pdf}", "-o", "{out}"],
}
AS_A_BLANK = {
    "forms add": ["forms", "add", "{pdf}"],
    "fill --form": ["fill", str(SAMPLE), "--form", "{pdf}", "-o", "{out}"],
    "fill --printed": ["fill", str(SAMPLE), "--printed", "--form", "{pdf}", "-o", "{out}"],
    "batch --form": ["batch", str(SAMPLE), "--form", "{pdf}", "-o", "{outdir}", "--jobs", "1"],
}
IMAGES = "could not be read as a PDF form (an image declares more than 32 MB of pixels)"
CASES = [("flate-twice", "appearance", cmd) for cmd in ON_A_FILLED_FORM] + [
    ("flate-twice", "page", cmd) for cmd in AS_A_BLANK] + [
    (chain, where, cmd) for chain in CHAINS if chain != "flate-twice"
    for where, cmd in (("appearance", "verify"), ("page", "forms add"))]


@pytest.mark.slow
@pytest.mark.parametrize(("chain", "where", "command"), CASES)
def test_a_chained_bomb_is_refused_in_bounded_memory_and_time(bombs: dict[tuple[str, str], Path], tmp_path: Path,
                                                               chain: str, where: str, command: str) -> None:
    pdf, out, home = bombs[chain, where], tmp_path / "out", tmp_path / "home"
    args = [a.format(pdf=pdf, out=out, outdir=tmp_path / "outdir") for a in {**ON_A_FILLED_FORM, **AS_A_BLANK}[command]]
    run = measured(*args, home=home)
    assert_refused_in_bounds(run, str(pdf), BOUND)
    assert not out.exists()
    assert not (tmp_path / "outdir").exists() or not list((tmp_path / "outdir").glob("*.pdf"))
    assert not list(home.rglob("*.pdf")), "the forms folder keeps nothing it refused"


@pytest.mark.slow
@pytest.mark.parametrize("inline", [False, True], ids=["xobject", "inline"])
@pytest.mark.parametrize("command", ["review", "verify --printed", "forms add"])
def test_an_image_declaring_gigabytes_of_pixels_is_refused_before_pdfium_draws_it(
    blank_plain: Path, filled: Path, tmp_path: Path, inline: bool, command: str
) -> None:
    """40,000 x 40,000 grey pixels from a few KB: `review` rendered it at 1.7 GB and 32-38 s before."""
    pdf = image_bomb(tmp_path, blank_plain if command == "forms add" else filled, inline=inline)
    out, home = tmp_path / "out", tmp_path / "home"
    args = [a.format(pdf=pdf, out=out) for a in {**ON_A_FILLED_FORM, **AS_A_BLANK}[command]]
    assert_refused_in_bounds(measured(*args, home=home), str(pdf), IMAGES)
    assert not out.exists() and not list(home.rglob("*.pdf"))


@pytest.mark.slow
def test_a_chained_bomb_in_the_forms_folder_is_never_decoded(bombs: dict[tuple[str, str], Path],
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "i-131.pdf").write_bytes(bombs["flate-twice", "page"].read_bytes())
    run = measured("fill", str(SAMPLE), "-o", str(tmp_path / "out.pdf"), home=tmp_path / "home",
                   env={"FORMFILL_FORMS_DIR": str(folder)})
    assert_refused_in_bounds(run, "No blank I-131 found")
    assert not (tmp_path / "out.pdf").exists()


@pytest.fixture
def server(bombs: dict[tuple[str, str], Path]) -> Iterator[str]:
    """127.0.0.1 serving the chained bomb as the blank to download."""
    body = bombs["flate-twice", "page"].read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http_serving(Handler) as base:
        yield f"{base}/i-131.pdf"


@pytest.mark.slow
def test_a_downloaded_chained_bomb_is_refused_and_not_kept(server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = measured("fill", str(SAMPLE), "-o", str(tmp_path / "out.pdf"), home=home,
                   env={"FORMFILL_OFFLINE": "", "FORMFILL_FORMS_URL": server, "FORMFILL_FETCH_TIMEOUT": "10"})
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert "downloading" in lines[0] and BOUND in lines[-1], run.stderr
    assert run.peak_mb < PEAK_LIMIT_MB and run.seconds < SECONDS_LIMIT, (run.peak_mb, run.seconds)
    assert not list(home.rglob("*.pdf")) and not (tmp_path / "out.pdf").exists()
