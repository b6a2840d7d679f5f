"""Hostile PDFs built at run time (never committed): loops, deep nesting, decompression bombs, junk.

Each builder writes one file into a folder and returns its path; tests/test_pdf_blank.py feeds them
to the CLI as a blank (--form, forms add) and as a file to verify, tests/test_pdf_streams.py the chained
bombs (`chain_bomb`: a filter chain each of whose stages but the last is small) likewise.
"""

from __future__ import annotations

import base64
import binascii
import functools
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NullObject,
    NumberObject,
)

from tests.helpers import raw_pdf

BOMB_BYTES = 2 * 2**30  # inflates to 2 GiB of zeros
CHAIN_BYTES = 640 * 2**20  # the chained bombs decode to 640 MiB of zeros (the last filter of the chain's output)
FLATE_TWICE = ("/FlateDecode", "/FlateDecode")




def reference_loop(folder: Path) -> Path:
    """A page tree whose kid is itself, a field whose kid is itself, and an object that is a reference to itself."""
    path = folder / "loop.pdf"
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R /Loop 5 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
        b"<< /Fields [4 0 R] >>",
        b"<< /T (a) /Kids [4 0 R] /Parent 4 0 R >>",
        b"5 0 R",
    ]))
    return path


def deep_nesting(folder: Path, depth: int = 200_000) -> Path:
    """An array nested 200,000 deep inside the catalog (a recursive parser overflows its stack)."""
    path = folder / "deep.pdf"
    nested = b"[" * depth + b"]" * depth
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R /Deep " + nested + b" >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Fields [] /Deep " + nested + b" >>",
    ]))
    return path


@functools.cache
def flate_zeros(size: int) -> bytes:
    """Flate data of `size` zeros (a multiple of 16 MiB), built in a fraction of a second instead of compressing
    them all (2 GiB took 7 s of CPU per process, for each module that built a bomb).

    After a full flush the compressor starts afresh, so every further 16 MiB chunk of zeros compresses to
    the same bytes: compress it once and repeat it. The trailer's Adler-32 of n zeros is (n mod 65521, 1).
    """
    chunk = bytes(16 * 2**20)
    assert size % len(chunk) == 0 and size >= 3 * len(chunk), size
    packer = zlib.compressobj(9)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # with the 2-byte zlib header
    repeated = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH) == repeated, "zlib did not repeat itself"
    end = packer.flush(zlib.Z_FINISH)[:-4]  # the final empty block, without the checksum of only 3 chunks
    adler = ((size % 65521) << 16) | 1
    return first + repeated * (size // len(chunk) - 1) + end + adler.to_bytes(4, "big")


def _bomb_stream() -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(flate_zeros(BOMB_BYTES))  # written as is: already Flate data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream


def _zeros(size: int) -> Iterator[bytes]:
    chunk = bytes(16 * 2**20)
    for start in range(0, size, len(chunk)):
        yield chunk[: size - start]


def _deflate(parts: Iterable[bytes]) -> Iterator[bytes]:
    packer = zlib.compressobj(9)
    for part in parts:
        yield packer.compress(part)
    yield packer.flush()


def _run_length(parts: Iterable[bytes]) -> Iterator[bytes]:
    """RunLengthDecode's encoding of zeros only: 128 zeros per two bytes (the filter's best ratio)."""
    for part in parts:
        assert not part.strip(b"\0"), "only zeros"
        yield b"\x81\x00" * (len(part) // 128) + (bytes([257 - len(part) % 128, 0]) if len(part) % 128 > 1 else
                                                   b"\x00\x00" if len(part) % 128 else b"")
    yield b"\x80"


def _whole(encode: Callable[[bytes], bytes]) -> Callable[[Iterable[bytes]], Iterator[bytes]]:
    def run(parts: Iterable[bytes]) -> Iterator[bytes]:
        yield encode(b"".join(parts))
    return run


ENCODERS: dict[str, Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    "/FlateDecode": _deflate,
    "/RunLengthDecode": _run_length,
    "/ASCIIHexDecode": _whole(lambda data: binascii.hexlify(data) + b">"),
    "/ASCII85Decode": _whole(lambda data: base64.a85encode(data, adobe=True)[2:]),  # PDF omits the leading <~
}


def lzw(data: bytes) -> bytes:
    """LZWDecode's encoding (ISO 32000-1 7.4.4: 9 to 12 bit codes, EarlyChange 1), clearing a full table."""
    clear, end, first = 256, 257, 258
    codes, table, next_code, word = [clear], {bytes([i]): i for i in range(256)}, first, b""
    for byte in data:
        longer = word + bytes([byte])
        if longer in table:
            word = longer
            continue
        codes.append(table[word])
        if next_code < 4096:
            table[longer], next_code = next_code, next_code + 1
        else:
            codes.append(clear)
            table, next_code = {bytes([i]): i for i in range(256)}, first
        word = bytes([byte])
    codes += [table[word], end] if word else [end]
    out, bits, count, width, next_code = bytearray(), 0, 0, 9, first
    for code in codes:  # packed high bit first, widening as the decoder's table grows
        bits, count = (bits << width) | code, count + width
        while count >= 8:
            count -= 8
            out.append((bits >> count) & 0xFF)
        bits &= (1 << count) - 1
        if code == clear:
            width, next_code = 9, first
        elif code != end:
            next_code += 1
            width = min(12, max(width, next_code.bit_length()))
    if count:
        out.append((bits << (8 - count)) & 0xFF)
    return bytes(out)


ENCODERS["/LZWDecode"] = _whole(lzw)


@functools.cache
def _encoded_zeros(last: str, size: int) -> bytes:
    """`size` zeros encoded for the filter `last`, kept: the 640 MiB stage takes seconds to build."""
    if last == "/FlateDecode" and size % (16 * 2**20) == 0 and size >= 48 * 2**20:
        return flate_zeros(size)
    return b"".join(ENCODERS[last](_zeros(size)))


def encoded(filters: Iterable[str], size: int = CHAIN_BYTES) -> bytes:
    """Raw stream bytes that the filter chain `filters` (applied first to last) decodes to `size` zeros.

    The encoders run last filter first; only that one sees all `size` bytes (16 MiB at a time).
    """
    *rest, last = filters
    data = _encoded_zeros(last, size)
    for name in reversed(rest):
        data = b"".join(ENCODERS[name]([data]))
    return data


def chained_bomb_stream(filters: tuple[str, ...] = FLATE_TWICE, size: int = CHAIN_BYTES,
                        parms: bool = False) -> DecodedStreamObject:
    """A stream whose filter chain decodes to `size` bytes, each stage much smaller than the next.

    With [/FlateDecode /FlateDecode] and 640 MiB: 1.2 KB in the file, 640 KB after the first filter
    (within any per-stream bound), 640 MiB after the second. `parms` adds a /DecodeParms array of
    nulls matching the filters, as a PDF writer would.
    """
    stream = DecodedStreamObject()
    stream.set_data(encoded(filters, size))  # written as is: already encoded
    stream[NameObject("/Filter")] = ArrayObject(NameObject(f) for f in filters)
    if parms:
        stream[NameObject("/DecodeParms")] = ArrayObject(NullObject() for _ in filters)
    return stream


def bomb(folder: Path, base: Path, name: str = "bomb.pdf", stream: DecodedStreamObject | None = None) -> Path:
    """A real form (blank or filled) whose first page also draws a stream that inflates to 2 GiB (or `stream`)."""
    path = folder / name
    reader = PdfReader(base)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    ref = writer._add_object(stream if stream is not None else _bomb_stream())
    contents = page.get("/Contents")
    page[NameObject("/Contents")] = ArrayObject([contents, ref] if contents is not None else [ref])
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def appearance_bomb(folder: Path, base: Path, name: str = "appearance-bomb.pdf",
                    stream: DecodedStreamObject | None = None) -> Path:
    """A real form whose first text field with an appearance draws a chained bomb (the Flate one by default)."""
    path = folder / name
    reader = PdfReader(base)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    xobject = stream if stream is not None else chained_bomb_stream()
    xobject.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                    NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (0, 0, 100, 20))})
    ref = writer._add_object(xobject)
    for page in writer.pages:
        for annot in page.get("/Annots", ArrayObject()):
            widget = annot.get_object()
            if str(widget.get("/FT", "")) == "/Tx" and "/AP" in widget:
                widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): ref})
                with path.open("wb") as fh:
                    writer.write(fh)
                return path
    raise AssertionError(f"{base} has no text field with an appearance")


def image_bomb(folder: Path, base: Path, name: str = "image-bomb.pdf", *, inline: bool = False,
               side: int = 40_000) -> Path:
    """`base` whose first page draws a `side` x `side` grey image (1.6 GB of pixels at 40,000) from 100 bytes.

    The data (one row of zeros, deflated) passes every stream bound; the image's declared size is what
    a renderer allocates whatever its data, so it is bounded on its own. `inline`: the image sits in
    the page's content (BI ... ID ... EI) instead of being an image XObject.
    """
    path = folder / name
    reader = PdfReader(base)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    data = zlib.compress(bytes(side))  # one row: the image's data is small and within every bound
    if inline:
        content = b"q 100 0 0 100 50 50 cm BI /W %d /H %d /CS /G /BPC 8 /F /Fl ID " % (side, side) + data + b" EI Q"
    else:
        image = DecodedStreamObject()
        image.set_data(data)
        image.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                      NameObject("/Width"): NumberObject(side), NameObject("/Height"): NumberObject(side),
                      NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                      NameObject("/BitsPerComponent"): NumberObject(8),
                      NameObject("/Filter"): NameObject("/FlateDecode")})
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        xobjects[NameObject("/Huge")] = writer._add_object(image)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        content = b"q 100 0 0 100 50 50 cm /Huge Do Q"
    stream = DecodedStreamObject()
    stream.set_data(content)
    contents = page.get("/Contents")
    drawn = contents.get_object() if contents is not None else ArrayObject()
    page[NameObject("/Contents")] = ArrayObject([*(drawn if isinstance(drawn, ArrayObject) else [contents]),
                                                writer._add_object(stream)])
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def truncated(folder: Path, base: Path) -> Path:
    """The first 40 % of a real blank: the xref and most objects are gone."""
    path = folder / "truncated.pdf"
    data = base.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 5])
    return path


def malformed(folder: Path) -> Path:
    """Objects of the wrong types where a form needs dictionaries and numbers."""
    path = folder / "malformed.pdf"
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        b"<< /Type /Pages /Kids [(not a page) 7] /Count /many >>",
        b"<< /Fields (not an array) /DR 42 >>",
    ]))
    return path


def garbage_xref(folder: Path, base: Path) -> Path:
    """A real blank whose xref offsets all point at the wrong place."""
    path = folder / "garbage-xref.pdf"
    data = bytearray(base.read_bytes())
    start = data.rfind(b"startxref")
    data[start:] = b"startxref\n999999999\n%%EOF\n"
    path.write_bytes(bytes(data))
    return path


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "reference-loop": lambda folder, base: reference_loop(folder),
    "deep-nesting": lambda folder, base: deep_nesting(folder),
    "decompression-bomb": lambda folder, base: bomb(folder, base),
    "truncated": truncated,
    "malformed-objects": lambda folder, base: malformed(folder),
    "garbage-xref": garbage_xref,
}

# Chained decompression bombs as page 1 of a blank: every stage but the last is within the bounds.
CHAINS: dict[str, tuple[str, ...]] = {
    "flate-twice": FLATE_TWICE,
    "hex-then-flate": ("/ASCIIHexDecode", "/FlateDecode"),
    "flate-then-run-length": ("/FlateDecode", "/RunLengthDecode"),
    "a85-flate-flate": ("/ASCII85Decode", "/FlateDecode", "/FlateDecode"),
}


def chain_bomb(folder: Path, base: Path, chain: str, *, appearance: bool = False) -> Path:
    """`base` with the chain `chain` as page 1's content (a blank) or as a field's appearance (a filled form)."""
    stream = chained_bomb_stream(CHAINS[chain], parms=chain == "flate-twice")
    if appearance:
        return appearance_bomb(folder, base, f"{chain}-appearance.pdf", stream)
    return bomb(folder, base, f"{chain}-page.pdf", stream)
