"""Stream data within the decompression bounds: every filter of a chain, output by output.

A stream may name a chain of filters (`/Filter [/ASCIIHexDecode /FlateDecode /FlateDecode]`), each
decoding what the one before produced. A bomb hides in the last one: 1.2 KB in the file, 640 KB
after the first filter, 640 MiB after the second. So every filter's output is limited as it is
produced, not only the first's, and `check_streams` decodes every stream of a file this way before
pypdf, pdfminer (pdfplumber) or pdfium decode any of it with their own, looser or absent, bounds.

Flate is inflated here in bounded steps (strictly: data zlib rejects is damaged). The other
filters are pypdf's public decoders run under a pypdf configuration whose output limit is ours
(ASCIIHex and ASCII85 expand at most fourfold; ASCII85's output length is bounded before decoding).
Image filters (DCT, JPX, JBIG2, CCITT) are passed through: their output is an image, which is not
decoded here and must end the chain. A filter formfill does not know is refused: its output cannot
be bounded.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, FlateDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    StreamObject,
)

from formfill.errors import FormError, StreamBoundsError
from formfill.pdf.keys import (
    BITS_PER_COMPONENT,
    COLOR_SPACE,
    DECODE_PARMS,
    FILTER,
    HEIGHT,
    IMAGE_MASK,
    PREDICTOR,
    SUBTYPE,
    TYPE,
    WIDTH,
)
from formfill.pdf.keys import N as ICC_COMPONENTS

MAX_STREAM_BYTES = 32 * 2**20  # any one filter's output, so any one stream (the I-131's largest is under 1 MB)
MAX_DECODED_BYTES = 128 * 2**20  # all streams of a file together (the I-131's: about 2 MB)
MAX_FILTERS = 8  # filters in one chain (the I-131 uses one)

# The filters formfill reads, with their abbreviations (ISO 32000-1, 7.4); the key names are formfill.pdf.keys'.
FLATE = frozenset({"/FlateDecode", "/Fl"})
LZW = frozenset({"/LZWDecode", "/LZW"})
ASCII_HEX = frozenset({"/ASCIIHexDecode", "/AHx"})
ASCII_85 = frozenset({"/ASCII85Decode", "/A85"})
RUN_LENGTH = frozenset({"/RunLengthDecode", "/RL"})
IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"})
CRYPT = "/Crypt"  # decryption is pypdf's, before any filter: here it is the identity
IMAGE = "/Image"  # the /Subtype of an image XObject
NOT_CONTENT = frozenset({"/XRef", "/ObjStm", "/Metadata", "/EmbeddedFile"})  # /Type of streams drawing nothing
# Colour components per colour space family (ISO 32000-1 8.6), abbreviations as inline images spell them;
# a space not listed (a resource name, a /Pattern) counts as 4, the most a common space has.
COMPONENTS = {"/DeviceGray": 1, "/G": 1, "/CalGray": 1, "/Indexed": 1, "/I": 1, "/Separation": 1,
              "/DeviceRGB": 3, "/RGB": 3, "/CalRGB": 3, "/Lab": 3, "/DeviceCMYK": 4, "/CMYK": 4}

_WHITESPACE = b"\x00\t\n\x0c\r "


@dataclass(frozen=True)
class Step:
    """One filter of a chain with its decode parameters (empty when it has none)."""

    name: str
    parms: Mapping[str, Any]


def too_large(limit: int = MAX_STREAM_BYTES) -> StreamBoundsError:
    """The refusal of a stream whose decoded data would pass `limit`."""
    return StreamBoundsError(f"a stream decompresses to more than {_mb(limit)}")


def damaged(what: str) -> StreamBoundsError:
    """The refusal of a stream that does not decode at all (`what` says why)."""
    return StreamBoundsError(f"damaged or malformed: {what}")


def _mb(size: int) -> str:
    return f"{size // 2**20} MB" if size >= 2**20 else f"{size} bytes"


# --- one filter at a time: pure functions of bytes ---------------------------------------------------


def inflate(data: bytes, limit: int = MAX_STREAM_BYTES, *, complete: bool = False) -> bytes:
    """Flate data inflated, refused as soon as its output passes `limit`.

    Data zlib rejects is damaged; data that ends before its zlib stream does is accepted (viewers
    show what there is) unless `complete` is asked for. Bytes after the end of the zlib stream are ignored.
    """
    pieces: list[bytes] = []
    if not _inflate_into(data, limit, pieces.append) and complete:
        raise damaged("a stream's Flate data ends before the stream does")
    return b"".join(pieces)


def inflated_size(data: bytes, limit: int = MAX_STREAM_BYTES) -> int:
    """The length `inflate` would return, found holding at most one megabyte of output at a time."""
    sizes: list[int] = []
    _inflate_into(data, limit, lambda piece: sizes.append(len(piece)))
    return sum(sizes)


_PIECE = 2**20


def _inflate_into(data: bytes, limit: int, sink: Callable[[bytes], object]) -> bool:
    """Inflate `data` a megabyte in and at most a megabyte out at a time, handing each piece to `sink`.

    Returns whether the zlib stream ended. zlib's own `flush()` has no output bound, so pending
    output is drained with bounded `decompress` calls instead.
    """
    inflater = zlib.decompressobj()
    size = 0
    try:
        for start in range(0, len(data), _PIECE):
            pending = data[start : start + _PIECE]
            while True:
                piece = inflater.decompress(pending, _PIECE)
                size += len(piece)
                if size > limit:
                    raise too_large(limit)
                if piece:
                    sink(piece)
                pending = inflater.unconsumed_tail
                if inflater.eof or (not pending and len(piece) < _PIECE):
                    break
            if inflater.eof:
                break
    except zlib.error as err:
        raise damaged(f"a stream's Flate data does not decode ({err})") from None
    return inflater.eof


def ascii85_size(data: bytes) -> int:
    """At most how many bytes ASCII85 data decodes to: 4 per `z`, 4 per 5 other characters (rounded up)."""
    end = data.find(b"~>")
    body = (data if end < 0 else data[:end]).translate(None, _WHITESPACE).removeprefix(b"<~")
    zeros = body.count(b"z")
    return 4 * zeros + -(-(len(body) - zeros) // 5) * 4


def decode_step(step: Step, data: bytes, limit: int = MAX_STREAM_BYTES) -> bytes:
    """What one filter makes of `data`, refused as soon as its output passes `limit`."""
    name = step.name
    if name == CRYPT or name in IMAGE_FILTERS:
        return data
    if name in FLATE:
        inflated = inflate(data, limit)
        if _predictor(step.parms) <= 1:
            return inflated
        return _bounded(FlateDecode.decode, data, step.parms, limit)  # the predictor, once within the bounds
    if name in ASCII_85 and ascii85_size(data) > limit:
        raise too_large(limit)
    if name in ASCII_HEX:
        return _bounded(ASCIIHexDecode.decode, data, None, limit)
    if name in ASCII_85:
        return _bounded(ASCII85Decode.decode, data, None, limit)
    if name in LZW:
        return _bounded(LZWDecode.decode, data, step.parms, limit)
    if name in RUN_LENGTH:
        return _bounded(RunLengthDecode.decode, data, None, limit)
    raise damaged(f"a stream uses the filter {name}, which formfill cannot check")


def _predictor(parms: Mapping[str, Any]) -> int:
    value = parms.get(PREDICTOR, 1)
    return value if isinstance(value, int) else 1


def _bounded(decoder: Any, data: bytes, parms: Mapping[str, Any] | None, limit: int) -> bytes:
    """A pypdf decoder run with its output limits set to `limit` (pypdf checks them as it produces output)."""
    try:
        with apply_configuration(zlib_maximum_output_length=limit, lzw_maximum_output_length=limit,
                                 run_length_maximum_output_length=limit):
            out = decoder(data, DictionaryObject(parms) if parms else None)
    except LimitReachedError:
        raise too_large(limit) from None
    except (PyPdfError, ValueError, TypeError, IndexError, KeyError, AttributeError) as err:  # "damaged", in pypdf
        raise damaged(f"a filter's data does not decode: {type(err).__name__}") from None
    if not isinstance(out, bytes) or len(out) > limit:
        raise too_large(limit)
    return out


def decode_chain(data: bytes, chain: Sequence[Step], limit: int = MAX_STREAM_BYTES) -> bytes:
    """The stream's bytes after every filter of its chain, each filter's output within `limit`."""
    data, last = _all_but_last(data, chain, limit)
    out = data if last is None else decode_step(last, data, limit)
    if len(out) > limit:  # no filter, or an image passed through
        raise too_large(limit)
    return out


def chain_size(data: bytes, chain: Sequence[Step], limit: int = MAX_STREAM_BYTES) -> int:
    """At most how long `decode_chain` is, holding little more than the last filter's input.

    A last Flate filter is only counted, a megabyte at a time, and its predictor (PNG or TIFF,
    which never lengthens data, and which pypdf runs slowly on large images) is not run.
    """
    data, last = _all_but_last(data, chain, limit)
    if last is None:
        size = len(data)
    elif last.name in FLATE:
        size = inflated_size(data, limit)
    else:
        size = len(decode_step(last, data, limit))
    if size > limit:
        raise too_large(limit)
    return size


def _all_but_last(data: bytes, chain: Sequence[Step], limit: int) -> tuple[bytes, Step | None]:
    """The input of the chain's last filter (decoded through the others), and that filter."""
    if len(chain) > MAX_FILTERS:
        raise damaged(f"a stream names {len(chain)} filters, more than {MAX_FILTERS}")
    if not chain:
        return data, None
    for step in chain[:-1]:
        if step.name in IMAGE_FILTERS:
            raise damaged(f"a stream's image filter {step.name} is followed by another filter")
        data = decode_step(step, data, limit)
    return data, chain[-1]


# --- streams of a pypdf document -------------------------------------------------------------------


def raw_bytes(stream: StreamObject) -> bytes:
    """A stream's bytes as the file holds them (decrypted), before any filter.

    pypdf has no public accessor for them: `get_data()` decodes the whole chain with pypdf's own,
    looser bounds, which is what this module exists to check first. So this is the one place
    formfill reads pypdf's private `_data`.
    """
    data = stream._data  # the one private pypdf attribute formfill reads (see above); tests pin the versions
    return data if isinstance(data, bytes) else b""


def chain_of(stream: DictionaryObject) -> list[Step]:
    """The stream's filters paired with their decode parameters, as ISO 32000-1 7.3.8.2 pairs them.

    `/Filter` is a name or an array of names; `/DecodeParms` is absent, null, one dictionary for a
    single filter, or an array with one entry (a dictionary or null) for each filter. Anything
    else is malformed: pairing parameters with the wrong filter would check other data than a
    viewer decodes.
    """
    filters = _resolved(stream.get(FILTER))
    if filters is None:
        names: list[Any] = []
    elif isinstance(filters, ArrayObject):
        names = [_resolved(f) for f in filters]
    else:
        names = [filters]
    if not all(isinstance(n, NameObject) for n in names):
        raise damaged(f"a stream's {FILTER} is not a name or an array of names")
    if len(names) > MAX_FILTERS:
        raise damaged(f"a stream names {len(names)} filters, more than {MAX_FILTERS}")
    parms = _resolved(stream.get(DECODE_PARMS))
    if parms is None:
        entries: list[Any] = [None] * len(names)
    elif isinstance(parms, DictionaryObject) and len(names) == 1:
        entries = [parms]
    elif isinstance(parms, ArrayObject) and len(parms) == len(names):
        entries = [_resolved(p) for p in parms]
    else:
        raise damaged(f"a stream's {DECODE_PARMS} do not match its {FILTER} ({len(names)} filter(s))")
    if not all(p is None or isinstance(p, DictionaryObject) for p in entries):
        raise damaged(f"a stream's {DECODE_PARMS} are not dictionaries")
    return [Step(str(n), dict(p) if p is not None else {}) for n, p in zip(names, entries, strict=True)]


def _resolved(value: Any) -> Any:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return None if value is None or isinstance(value, NullObject) else value


def decoded(stream: StreamObject, limit: int = MAX_STREAM_BYTES) -> bytes:
    """A stream's data after its whole filter chain, within the bounds: the bounded `get_data()`."""
    return decode_chain(raw_bytes(stream), chain_of(stream), limit)


def decoded_size(stream: StreamObject, limit: int = MAX_STREAM_BYTES) -> int:
    """At most how many bytes a stream decodes to (refused beyond `limit`): `chain_size` of its data."""
    return chain_size(raw_bytes(stream), chain_of(stream), limit)


def every_object(reader: PdfReader) -> Iterator[IndirectObject]:
    """A reference to every object the file's cross-reference tables list, reachable or not.

    `xref` and `xref_objStm` are pypdf's public record of them (pypdf has no accessor method).
    """
    seen: set[int] = set()
    for generation, table in sorted(reader.xref.items()):
        for number in sorted(table):
            if number not in seen:
                seen.add(number)
                yield IndirectObject(number, generation, reader)
    for number in sorted(reader.xref_objStm):
        if number not in seen:
            seen.add(number)
            yield IndirectObject(number, 0, reader)


def check_streams(reader: PdfReader) -> int:
    """Decode every stream of the file within the bounds; the decoded bytes of all of them together.

    The pixels an image declares count as what it decodes to (pdfium decodes an image whole to
    draw it, whatever its data): an image XObject's, and each inline image's in content streams.
    Run before anything else decodes a stream of the file, so pypdf, pdfminer and pdfium only ever
    meet streams that are within the bounds. An object pypdf cannot resolve is skipped: nothing
    formfill or its readers use can be such an object (resolving what is used fails the read), and
    an object stream holding it is checked as an object of its own.
    """
    total = 0
    for ref in every_object(reader):
        try:
            obj = ref.get_object()
        except FormError:
            raise  # the time limit, among others
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            continue
        if isinstance(obj, StreamObject):
            total += _checked(obj)
            if total > MAX_DECODED_BYTES:
                raise StreamBoundsError(f"its streams decompress to more than {_mb(MAX_DECODED_BYTES)}")
    return total


def _checked(stream: StreamObject) -> int:
    """One stream's decoded size, with the images it is or draws within the bounds too."""
    if _resolved(stream.get(SUBTYPE)) == IMAGE:
        if image_bytes(stream) > MAX_STREAM_BYTES:
            raise too_many_pixels()
        return decoded_size(stream)
    if _resolved(stream.get(TYPE)) in NOT_CONTENT:
        return decoded_size(stream)
    data = decoded(stream)
    if any(size > MAX_STREAM_BYTES for size in inline_image_bytes(data)):
        raise too_many_pixels()
    return len(data)


# --- images: the pixels they declare -------------------------------------------------------------


def too_many_pixels() -> StreamBoundsError:
    """The refusal of an image whose declared pixels pass the per-stream bound, whatever its data."""
    return StreamBoundsError(f"an image declares more than {_mb(MAX_STREAM_BYTES)} of pixels")


def samples_size(width: int, height: int, components: int, bits: int) -> int:
    """Decoded bytes of an image's samples: rows padded to whole bytes (ISO 32000-1 8.9.5)."""
    return max(height, 0) * -(-max(width, 0) * components * bits // 8)


def components(space: Any) -> int:
    """Colour components of a colour space (a name or an array such as [/ICCBased 12 0 R])."""
    space = _resolved(space)
    if isinstance(space, ArrayObject) and space:
        family = str(_resolved(space[0]))
        detail = _resolved(space[1]) if len(space) > 1 else None
        if family == "/ICCBased" and isinstance(detail, DictionaryObject):
            n = _resolved(detail.get(ICC_COMPONENTS))
            return n if isinstance(n, int) and 0 < n <= 32 else 4
        if family == "/DeviceN" and isinstance(detail, ArrayObject):
            return max(1, min(len(detail), 32))
        return COMPONENTS.get(family, 4)
    return COMPONENTS.get(str(space), 4)


def image_bytes(stream: DictionaryObject) -> int:
    """What an image XObject decodes to, from the size, colour space and depth it declares."""
    def number(key: str, default: int) -> int:
        value = _resolved(stream.get(key))
        return int(value) if isinstance(value, int | float) and abs(value) < 2**62 else default

    mask = _resolved(stream.get(IMAGE_MASK))
    if isinstance(mask, BooleanObject) and mask.value:
        return samples_size(number(WIDTH, 0), number(HEIGHT, 0), 1, 1)
    return samples_size(number(WIDTH, 0), number(HEIGHT, 0), components(stream.get(COLOR_SPACE)),
                        number(BITS_PER_COMPONENT, 8))


_SPACE = rb"\x00\t\n\x0c\r "
_INLINE_START = re.compile(rb"(?<![^" + _SPACE + rb"\])>}])BI(?=[" + _SPACE + rb"/])")
_INLINE_DATA = re.compile(rb"[" + _SPACE + rb"\])>}]ID[" + _SPACE + rb"]")
_INLINE_NUMBER = re.compile(rb"/(W|Width|H|Height|BPC|BitsPerComponent)[" + _SPACE + rb"]*(\d{1,30})")
_INLINE_SPACE = re.compile(rb"/(?:CS|ColorSpace)[" + _SPACE + rb"]*(/[^" + _SPACE + rb"()<>\[\]{}/%]*)")
_INLINE_MASK = re.compile(rb"/(?:IM|ImageMask)[" + _SPACE + rb"]*true")


def inline_image_bytes(content: bytes) -> Iterator[int]:
    """What each inline image (`BI <dictionary> ID <data> EI`) of a content stream declares it decodes to.

    Each value is the largest the dictionary text gives for it, so text planted in an earlier image's
    data cannot hide a later image's size; a colour space other than a device name counts as 4 components.
    """
    pos = 0
    while (start := _INLINE_START.search(content, pos)) is not None:
        data = _INLINE_DATA.search(content, start.end())
        if data is None:
            return  # no image data follows: no later BI can start an image either
        entries = content[start.end() : data.start() + 1]
        numbers: dict[bytes, int] = {}
        for key, value in _INLINE_NUMBER.findall(entries):
            numbers[key[:1]] = max(numbers.get(key[:1], 0), int(value))
        spaces = [COMPONENTS.get(name.decode("latin-1"), 4) for name in _INLINE_SPACE.findall(entries)]
        mask = _INLINE_MASK.search(entries) is not None and b"B" not in numbers
        yield samples_size(numbers.get(b"W", 0), numbers.get(b"H", 0), 1 if mask else max(spaces, default=4),
                           1 if mask else numbers.get(b"B", 8))
        pos = data.end()


@contextmanager
def bounded_pypdf() -> Iterator[None]:
    """pypdf's own decoding (cross-reference and object streams while parsing) held to the same bounds."""
    with apply_configuration(zlib_maximum_output_length=MAX_STREAM_BYTES, lzw_maximum_output_length=MAX_STREAM_BYTES,
                             run_length_maximum_output_length=MAX_STREAM_BYTES):
        yield
