"""Hostile PDFs built at run time (never committed): loops, deep nesting, decompression bombs, junk.

Each builder writes one file into a folder and returns its path; tests/test_trust_pdf.py feeds them
to the CLI as a blank (--form, forms add) and as a file to verify.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

BOMB_BYTES = 2 * 2**30  # inflates to 2 GiB of zeros


def _raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A classic PDF from numbered object bodies (object n is objects[n - 1]) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def reference_loop(folder: Path) -> Path:
    """A page tree whose kid is itself, a field whose kid is itself, and an object that is a reference to itself."""
    path = folder / "loop.pdf"
    path.write_bytes(_raw_pdf([
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
    path.write_bytes(_raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R /Deep " + nested + b" >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Fields [] /Deep " + nested + b" >>",
    ]))
    return path


def _bomb_data() -> bytes:
    """Flate data of BOMB_BYTES zeros, built in under a second instead of compressing 2 GiB.

    After a full flush the compressor starts afresh, so every further 16 MiB chunk of zeros compresses to
    the same bytes: compress it once and repeat it. The trailer's Adler-32 of n zeros is (n mod 65521, 1).
    """
    chunk = bytes(16 * 2**20)
    packer = zlib.compressobj(9)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # with the 2-byte zlib header
    repeated = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH) == repeated, "zlib did not repeat itself"
    end = packer.flush(zlib.Z_FINISH)[:-4]  # the final empty block, without the checksum of only 3 chunks
    adler = ((BOMB_BYTES % 65521) << 16) | 1
    return first + repeated * (BOMB_BYTES // len(chunk) - 1) + end + adler.to_bytes(4, "big")


def _bomb_stream() -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(_bomb_data())  # written as is: already Flate data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream


def bomb(folder: Path, base: Path, name: str = "bomb.pdf") -> Path:
    """A real form (blank or filled) whose first page also draws a stream that inflates to 2 GiB."""
    path = folder / name
    reader = PdfReader(base)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    ref = writer._add_object(_bomb_stream())
    contents = page.get("/Contents")
    page[NameObject("/Contents")] = ArrayObject([contents, ref] if contents is not None else [ref])
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
    path.write_bytes(_raw_pdf([
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
