"""Passport-photo checks: every check fires on an image built to fail it and stays quiet on a compliant one.

All images are generated here with Pillow (an ellipse head on a neck and shoulders, a hair cap, two dark
eyes on an off-white background); no photos of people.
"""

from __future__ import annotations

import json
import os
import random
import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from formfill.checks.photo import (
    Finding,
    PhotoReport,
    PhotoSpec,
    check_photo,
    check_photos,
    compare_photos,
    default_spec,
)
from tests.helpers import deadline, invoke

BG = (244, 243, 239)
SKIN = (206, 162, 132)
HAIR = (62, 42, 30)
SHIRT = (40, 60, 110)
TODAY = date(2026, 3, 1)


def portrait(size: int = 600, *, head: float = 0.60, eyes: float = 0.62, top: float = 0.12,
             bg: tuple[int, int, int] = BG, eyes_drawn: bool = True, shoulders: bool = True) -> Image.Image:
    """A synthetic passport photo. ``head`` = chin to top of hair and ``eyes`` = eye line from the
    bottom, both as fractions of the height; ``top`` = the gap above the hair."""
    s = size
    im = Image.new("RGB", (s, s), bg)
    d = ImageDraw.Draw(im)
    chin = top + head
    face_w = 0.7 * head
    cx = s / 2
    if shoulders:
        d.rounded_rectangle((0.08 * s, (chin + 0.08) * s, 0.92 * s, s * 1.1), radius=int(0.12 * s), fill=SHIRT)
        d.rectangle((cx - 0.08 * s, (chin - 0.1) * s, cx + 0.08 * s, (chin + 0.12) * s), fill=SKIN)
    d.ellipse((cx - (face_w / 2 + 0.02) * s, top * s, cx + (face_w / 2 + 0.02) * s, (top + 0.6 * head) * s),
              fill=HAIR)
    d.ellipse((cx - face_w / 2 * s, (top + 0.08 * head) * s, cx + face_w / 2 * s, chin * s), fill=SKIN)
    if eyes_drawn:
        ey, r = (1 - eyes) * s, 0.018 * s
        for dx in (-0.075, 0.075):
            d.ellipse((cx + dx * s - r, ey - r, cx + dx * s + r, ey + r), fill=(35, 28, 25))
    my = (chin - 0.12 * head) * s
    d.line((cx - 0.05 * s, my, cx + 0.05 * s, my), fill=(150, 70, 70), width=max(1, s // 150))
    return im


def save(im: Image.Image, path: Path, **kwargs: Any) -> Path:
    im.save(path, **kwargs)
    return path


def codes(report: PhotoReport, *, severities: tuple[str, ...] = ("error", "warning")) -> set[str]:
    return {f.code for f in report.findings if f.severity in severities}


def find(report: PhotoReport, code: str) -> Finding:
    matches = [f for f in report.findings if f.code == code]
    assert matches, f"no {code} finding in {[f.code for f in report.findings]}"
    return matches[0]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return save(portrait(), tmp_path / "good.jpg", quality=90, dpi=(300, 300))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that *claims* huge dimensions (a decompression bomb's calling card) with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------- compliant


def test_compliant_print_photo_has_no_errors_or_warnings(good: Path) -> None:
    report = check_photo(good, today=TODAY)
    assert report.readable and report.ok
    assert codes(report) == set()
    assert codes(report, severities=("info",)) == {"photo_date_unknown"}
    m = report.measurements
    assert (m["width_px"], m["height_px"], m["format"]) == (600, 600, "JPEG")
    assert m["print_size_in"] == [2.0, 2.0]
    head = m["head"]
    assert head["measured"] is True and "silhouette" in head["method"]
    # Drawn: head 60% of the height, eyes 62% up. The chin estimate sits a little high, by design.
    assert 0.55 <= head["head_fraction"] <= 0.62
    assert 0.59 <= head["eye_fraction"] <= 0.65


def test_compliant_digital_photo_passes(good: Path) -> None:
    report = check_photo(good, digital=True, today=TODAY)
    assert codes(report) == set(), report.findings
    assert report.measurements["file_bytes"] <= 240 * 1024


def test_report_serialises_to_json(good: Path) -> None:
    doc = check_photo(good, today=TODAY).to_dict()
    text = json.dumps(doc)
    assert json.loads(text)["ok"] is True
    assert set(doc) == {"file", "readable", "ok", "findings", "measurements"}
    assert set(doc["findings"][0]) == {"code", "severity", "message", "file", "measured", "required"}


def test_spec_is_loaded_from_package_data() -> None:
    spec = PhotoSpec.load()
    assert spec.recent_days == 30
    assert spec.num("digital", "max_bytes") == 245760
    assert (spec.num("head", "min_fraction"), spec.num("head", "max_fraction")) == (0.50, 0.69)
    assert (spec.num("eyes", "min_fraction"), spec.num("eyes", "max_fraction")) == (0.56, 0.69)


# -------------------------------------------------------------------------------------- size and format


def test_not_square(tmp_path: Path) -> None:
    im = portrait().crop((0, 0, 600, 540)).resize((600, 540))
    report = check_photo(save(im, tmp_path / "wide.jpg", quality=90), today=TODAY)
    assert find(report, "not_square").severity == "error"
    assert not report.ok


def test_slightly_off_square_within_tolerance_is_quiet(tmp_path: Path) -> None:
    im = portrait(606).crop((0, 0, 606, 600))
    assert "not_square" not in codes(check_photo(save(im, tmp_path / "p.jpg", quality=90), today=TODAY))


def test_too_small_for_print(tmp_path: Path) -> None:
    report = check_photo(save(portrait(400), tmp_path / "small.jpg", quality=90), today=TODAY)
    finding = find(report, "too_small")
    assert finding.severity == "error" and finding.measured == "400x400"
    assert finding.required == {"min_px": 600}


def test_digital_pixel_range(tmp_path: Path) -> None:
    small = check_photo(save(portrait(500), tmp_path / "s.jpg", quality=90), digital=True, today=TODAY)
    big = check_photo(save(portrait(1400), tmp_path / "b.jpg", quality=60), digital=True, today=TODAY)
    edge = check_photo(save(portrait(1200), tmp_path / "e.jpg", quality=80), digital=True, today=TODAY)
    assert "too_small" in codes(small)
    assert "too_many_pixels" in codes(big)
    assert codes(edge) == set()


def test_digital_file_too_large(tmp_path: Path) -> None:
    rng = random.Random(4)
    noise = Image.frombytes("RGB", (1000, 1000), rng.randbytes(3 * 1000 * 1000))
    report = check_photo(save(noise, tmp_path / "heavy.jpg", quality=95), digital=True, today=TODAY)
    finding = find(report, "too_large_file")
    assert finding.measured > 245760 and finding.required == {"max": 245760}
    # The print spec has no file-size limit.
    assert "too_large_file" not in codes(check_photo(tmp_path / "heavy.jpg", today=TODAY))


def test_digital_must_be_jpeg(tmp_path: Path, good: Path) -> None:
    report = check_photo(save(portrait(), tmp_path / "p.png"), digital=True, today=TODAY)
    assert find(report, "not_jpeg").measured == "PNG"
    assert "not_jpeg" not in codes(check_photo(good, digital=True, today=TODAY))
    assert "not_jpeg" not in codes(check_photo(tmp_path / "p.png", today=TODAY))  # fine for print scans


def test_format_is_sniffed_not_taken_from_the_extension(tmp_path: Path) -> None:
    path = save(portrait(), tmp_path / "really_png.jpg", format="PNG")
    report = check_photo(path, digital=True, today=TODAY)
    assert report.readable and report.measurements["format"] == "PNG"
    assert find(report, "extension_mismatch").severity == "info"
    assert "not_jpeg" in codes(report)


def test_print_size_from_dpi(tmp_path: Path, good: Path) -> None:
    assert "wrong_print_size" not in codes(check_photo(good, today=TODAY))
    scanned = check_photo(save(portrait(), tmp_path / "scan.jpg", quality=90, dpi=(200, 200)), today=TODAY)
    finding = find(scanned, "wrong_print_size")
    assert finding.severity == "error" and finding.measured == [3.0, 3.0]
    camera = check_photo(save(portrait(), tmp_path / "cam.jpg", quality=90, dpi=(72, 72)), today=TODAY)
    assert find(camera, "wrong_print_size").severity == "warning"
    assert "wrong_print_size" not in codes(check_photo(tmp_path / "scan.jpg", digital=True, today=TODAY))


def test_cmyk_without_profile(tmp_path: Path) -> None:
    path = save(portrait().convert("CMYK"), tmp_path / "cmyk.jpg", quality=90)
    print_report = check_photo(path, today=TODAY)
    assert find(print_report, "cmyk_without_profile").severity == "warning"
    digital = check_photo(path, digital=True, today=TODAY)
    assert {"cmyk_without_profile", "not_srgb"} <= codes(digital)
    assert not digital.ok


# ---------------------------------------------------------------------------------------- colour, light


def test_grayscale_file_and_gray_pixels_in_rgb(tmp_path: Path, good: Path) -> None:
    gray_file = check_photo(save(portrait().convert("L"), tmp_path / "l.jpg", quality=90), today=TODAY)
    gray_rgb = check_photo(save(portrait().convert("L").convert("RGB"), tmp_path / "g.jpg", quality=90),
                           today=TODAY)
    assert find(gray_file, "grayscale").severity == "error"
    assert find(gray_rgb, "grayscale").severity == "error"
    assert "grayscale" not in codes(check_photo(good, today=TODAY))


def test_sepia(tmp_path: Path, good: Path) -> None:
    sepia = ImageOps.colorize(portrait().convert("L"), (40, 25, 10), (250, 235, 200))
    report = check_photo(save(sepia, tmp_path / "sepia.jpg", quality=90), today=TODAY)
    assert find(report, "sepia").severity == "error"
    assert "sepia" not in codes(check_photo(good, today=TODAY))


def test_background_not_white(tmp_path: Path) -> None:
    report = check_photo(save(portrait(bg=(200, 225, 255)), tmp_path / "blue.jpg", quality=90), today=TODAY)
    finding = find(report, "background_not_white")  # light enough, but clearly blue
    assert finding.measured["brightness"] > 200 and finding.measured["chroma"] > 30
    assert "coloured" in finding.message
    assert find(report, "head_not_measured").severity == "info"  # no silhouette without a white backdrop
    grey = check_photo(save(portrait(bg=(150, 150, 150)), tmp_path / "grey.jpg", quality=90), today=TODAY)
    assert find(grey, "background_not_white").measured["brightness"] < 200


def test_off_white_background_is_accepted(tmp_path: Path) -> None:
    report = check_photo(save(portrait(bg=(236, 232, 222)), tmp_path / "cream.jpg", quality=90), today=TODAY)
    assert not codes(report) & {"background_not_white", "background_not_plain"}


def test_background_not_plain(tmp_path: Path) -> None:
    im = portrait()
    d = ImageDraw.Draw(im)
    for x in range(0, 600, 24):  # a striped wall behind the person
        d.rectangle((x, 0, x + 11, 599), fill=(205, 205, 205))
    im.paste(portrait().crop((90, 60, 510, 600)), (90, 60))
    report = check_photo(save(im, tmp_path / "stripes.jpg", quality=90), today=TODAY)
    assert find(report, "background_not_plain").measured > 14


def test_overexposed(tmp_path: Path, good: Path) -> None:
    blown = portrait().point(lambda v: min(255, int(v * 2.2)))
    report = check_photo(save(blown, tmp_path / "blown.jpg", quality=90), today=TODAY)
    assert find(report, "overexposed").measured > 0.5
    assert "head_too_small" not in codes(report)  # a washed-out face is not measured, not misjudged
    assert "overexposed" not in codes(check_photo(good, today=TODAY))


def test_underexposed(tmp_path: Path, good: Path) -> None:
    dark = portrait().point(lambda v: int(v * 0.25))
    report = check_photo(save(dark, tmp_path / "dark.jpg", quality=90), today=TODAY)
    assert find(report, "underexposed").measured < 80
    assert "underexposed" not in codes(check_photo(good, today=TODAY))


def test_blurred(tmp_path: Path, good: Path) -> None:
    soft = portrait().filter(ImageFilter.GaussianBlur(4))
    report = check_photo(save(soft, tmp_path / "soft.jpg", quality=90), today=TODAY)
    finding = find(report, "blurred")
    assert finding.severity == "error" and finding.measured < 0.14
    slight = portrait().filter(ImageFilter.GaussianBlur(1))
    assert "blurred" not in codes(check_photo(save(slight, tmp_path / "slight.jpg", quality=90), today=TODAY))
    assert "blurred" not in codes(check_photo(good, today=TODAY))


# ---------------------------------------------------------------------------------------- head and eyes


def test_head_too_small(tmp_path: Path) -> None:
    im = portrait(head=0.42, top=0.2, eyes=0.6)
    finding = find(check_photo(save(im, tmp_path / "far.jpg", quality=90), today=TODAY), "head_too_small")
    assert finding.severity == "error" and finding.measured < 0.46
    assert finding.required["min_fraction"] == 0.5


def test_head_too_large(tmp_path: Path) -> None:
    im = portrait(head=0.80, top=0.06, eyes=0.6)
    finding = find(check_photo(save(im, tmp_path / "near.jpg", quality=90), today=TODAY), "head_too_large")
    assert finding.severity == "error" and finding.measured > 0.73


def test_head_just_outside_range_is_only_a_warning(tmp_path: Path) -> None:
    im = portrait(head=0.50, top=0.15, eyes=0.6)  # the estimate reads ~0.47: within the estimate's margin
    finding = find(check_photo(save(im, tmp_path / "edge.jpg", quality=90), today=TODAY), "head_too_small")
    assert finding.severity == "warning" and "estimate" in finding.message


def test_eyes_too_low(tmp_path: Path) -> None:
    im = portrait(head=0.6, top=1 - 0.48 - 0.6 * 0.47, eyes=0.48)
    finding = find(check_photo(save(im, tmp_path / "low.jpg", quality=90), today=TODAY), "eyes_too_low")
    assert finding.severity == "error" and finding.measured < 0.52


def test_eyes_too_high(tmp_path: Path) -> None:
    im = portrait(head=0.4, top=0.06, eyes=1 - 0.06 - 0.4 * 0.47)
    finding = find(check_photo(save(im, tmp_path / "high.jpg", quality=90), today=TODAY), "eyes_too_high")
    assert finding.severity == "error" and finding.measured > 0.73


def test_head_not_measured_is_said_plainly(tmp_path: Path) -> None:
    im = portrait(shoulders=False)  # no neck or shoulders: the chin cannot be located from the outline
    report = check_photo(save(im, tmp_path / "floating.jpg", quality=90), today=TODAY)
    finding = find(report, "head_not_measured")
    assert "not measured" in finding.message
    assert report.measurements["head"]["measured"] is False
    assert not codes(report) & {"head_too_small", "head_too_large", "eyes_too_low", "eyes_too_high"}


def test_eyes_not_measured_without_a_clear_eye_line(tmp_path: Path) -> None:
    report = check_photo(save(portrait(eyes_drawn=False), tmp_path / "noeyes.jpg", quality=90), today=TODAY)
    assert report.measurements["head"]["measured"] is True
    assert find(report, "eyes_not_measured").severity == "info"
    assert report.measurements["head"]["eye_fraction"] is None


def test_tiny_image_is_reported_not_crashed(tmp_path: Path) -> None:
    report = check_photo(save(Image.new("RGB", (1, 1), "white"), tmp_path / "dot.png"), today=TODAY)
    assert report.readable and {"too_small"} <= codes(report)
    assert find(report, "pixels_not_checked").severity == "info"


def test_transparent_background_warns_only_when_really_transparent(tmp_path: Path) -> None:
    opaque = check_photo(save(portrait().convert("RGBA"), tmp_path / "opaque.png"), today=TODAY)
    assert "transparent" not in codes(opaque)
    see_through = portrait().convert("RGBA")
    see_through.putalpha(Image.new("L", see_through.size, 0).point(lambda v: 255))
    ImageDraw.Draw(see_through).rectangle((0, 0, 599, 20), fill=(0, 0, 0, 0))
    report = check_photo(save(see_through, tmp_path / "cutout.png"), today=TODAY)
    assert find(report, "transparent").severity == "warning"


# -------------------------------------------------------------------------------------------------- date


def _with_date(path: Path, taken: str) -> Path:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken  # DateTimeOriginal
    return save(portrait(), path, quality=90, exif=exif)


def test_photo_old_warns(tmp_path: Path) -> None:
    path = _with_date(tmp_path / "old.jpg", "2025:11:01 10:00:00")
    report = check_photo(path, today=TODAY)
    finding = find(report, "photo_old")
    assert finding.severity == "warning" and finding.measured == 120
    assert report.ok  # a warning, not an error
    assert report.measurements["photo_date"] == "2025-11-01"


def test_recent_photo_is_quiet_and_days_are_configurable(tmp_path: Path) -> None:
    path = _with_date(tmp_path / "new.jpg", "2026:02:20 09:30:00")
    report = check_photo(path, today=TODAY)
    assert not {f.code for f in report.findings} & {"photo_old", "photo_date_unknown"}
    strict = default_spec().with_recent_days(5)
    assert find(check_photo(path, today=TODAY, spec=strict), "photo_old").measured == 9


# -------------------------------------------------------------------------------------------------- pair


def test_same_photo_saved_twice_matches(tmp_path: Path) -> None:
    a = save(portrait(), tmp_path / "a.jpg", quality=90)
    b = save(portrait(), tmp_path / "b.jpg", quality=90)
    assert compare_photos(a, b) is None


def test_same_photo_reencoded_and_rescaled_matches(tmp_path: Path) -> None:
    a = save(portrait(), tmp_path / "a.jpg", quality=95)
    b = save(portrait(), tmp_path / "b.jpg", quality=40)
    c = save(portrait().resize((900, 900), Image.Resampling.BICUBIC), tmp_path / "c.png")
    assert compare_photos(a, b) is None
    assert compare_photos(a, c) is None


def test_different_photos_differ(tmp_path: Path) -> None:
    a = save(portrait(), tmp_path / "a.jpg", quality=90)
    b = save(portrait(head=0.55, top=0.16, eyes=0.6), tmp_path / "b.jpg", quality=90)
    finding = compare_photos(a, b)
    assert finding is not None and finding.code == "pair_differs" and finding.severity == "error"
    assert finding.file == str(b)


def test_check_photos_compares_every_photo_with_the_first(tmp_path: Path) -> None:
    a = save(portrait(), tmp_path / "a.jpg", quality=90)
    b = save(portrait(), tmp_path / "b.jpg", quality=70)
    c = save(portrait(head=0.55, top=0.16, eyes=0.6), tmp_path / "c.jpg", quality=90)
    reports = check_photos([a, b, c])
    assert [r.ok for r in reports] == [True, True, False]
    assert "pair_differs" in codes(reports[2])


def test_compare_with_unreadable_file_does_not_raise(tmp_path: Path, good: Path) -> None:
    finding = compare_photos(good, tmp_path / "missing.jpg")
    assert finding is not None and finding.code == "pair_not_compared"


@pytest.mark.parametrize("kind", ["fifo", "symlink_loop", "nul_byte", "device"])
def test_compare_with_a_bad_path_does_not_raise_or_block(tmp_path: Path, good: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    with deadline(20):
        finding = compare_photos(good, path)
    assert finding is not None and finding.code == "pair_not_compared"
    assert HOSTILE[kind][1].lower() in finding.message.lower()


# ---------------------------------------------------------------------------------------- hostile files


def hostile(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "nope.jpg"
    if kind in ("fifo", "symlink_loop") and not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs and symlinks (POSIX)")
    if kind == "fifo":  # opening it for reading would block until a writer appears
        os.mkfifo(tmp_path / "pipe.jpg")
        return tmp_path / "pipe.jpg"
    if kind == "symlink_loop":
        (tmp_path / "loop1.jpg").symlink_to("loop2.jpg")
        (tmp_path / "loop2.jpg").symlink_to("loop1.jpg")
        return tmp_path / "loop1.jpg"
    if kind == "device":  # never ends: reading it to the end would never return and fill memory
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero on this system")
        return Path("/dev/zero")
    if kind == "nul_byte":
        return tmp_path / "a\x00b.jpg"
    if kind == "directory":
        (tmp_path / "folder.jpg").mkdir()
        return tmp_path / "folder.jpg"
    path = tmp_path / f"{kind}.jpg"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    elif kind == "text":
        path.write_text("not a photo at all\n")
    elif kind == "truncated":
        save(portrait(), tmp_path / "whole.jpg", quality=90)
        data = (tmp_path / "whole.jpg").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "bomb":  # far past Pillow's own limit: DecompressionBombError on open
        path.write_bytes(png_header_only(60_000, 60_000))
    elif kind == "big_claim":  # under Pillow's limit, over formfill's: refused before decoding
        path.write_bytes(png_header_only(8_000, 8_000))
    return path


HOSTILE = {
    "missing": ("unreadable", "not found"),
    "directory": ("unreadable", "folder"),
    "empty": ("not_an_image", "empty"),
    "pdf": ("not_an_image", "PDF"),
    "text": ("not_an_image", "not an image"),
    "truncated": ("unreadable", "damaged or cut short"),
    "bomb": ("unreadable", "too many pixels"),
    "big_claim": ("unreadable", "too large to open safely"),
    "fifo": ("unreadable", "is not a regular file (a device, pipe or folder)"),
    "device": ("unreadable", "is not a regular file (a device, pipe or folder)"),
    "symlink_loop": ("unreadable", "cannot be opened: symlink loop"),
    "nul_byte": ("unreadable", "cannot be opened: the path contains a NUL byte"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_gives_unreadable_report(tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind)
    with deadline(20):
        report = check_photo(path, today=TODAY)
    code, words = HOSTILE[kind]
    assert report.readable is False and not report.ok
    assert [f.code for f in report.findings] == [code]
    assert words.lower() in report.findings[0].message.lower()


# A real command line cannot hold a NUL byte, so that case is covered by the API test above only.
@pytest.mark.parametrize("kind", sorted(set(HOSTILE) - {"nul_byte"}))
def test_hostile_file_cli_exit_2_without_traceback(tmp_path: Path, kind: str, good: Path) -> None:
    path = hostile(tmp_path, kind)
    with deadline(20):
        result = invoke("check-photo", str(good), str(path))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    assert HOSTILE[kind][1].lower() in result.output.lower()


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_pass_exit_0(good: Path) -> None:
    result = invoke("check-photo", str(good))
    assert result.exit_code == 0, result.output
    assert f"{good}: OK" in result.output


def test_cli_error_exit_1_and_json(tmp_path: Path, good: Path) -> None:
    other = save(portrait(head=0.42, top=0.2, eyes=0.6), tmp_path / "other.jpg", quality=90)
    result = invoke("check-photo", "--json", str(good), str(other))
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["ok"] is False and doc["exit_code"] == 1 and doc["mode"] == "print"
    assert [r["ok"] for r in doc["reports"]] == [True, False]
    found = {f["code"] for f in doc["reports"][1]["findings"]}
    assert {"head_too_small", "pair_differs"} <= found


def test_cli_warning_only_exits_0(tmp_path: Path) -> None:
    path = save(portrait(), tmp_path / "cam.jpg", quality=90, dpi=(72, 72))
    result = invoke("check-photo", "--json", str(path))
    assert result.exit_code == 0
    assert json.loads(result.output)["reports"][0]["findings"][0]["severity"] in ("warning", "info")


def test_cli_digital_and_recent_days(tmp_path: Path) -> None:
    path = _with_date(tmp_path / "d.jpg", "2020:01:01 00:00:00")
    result = invoke("check-photo", "--digital", "--recent-days", "9999", "--json",
                                       str(save(portrait().convert("L"), tmp_path / "g.png")))
    doc = json.loads(result.output)
    assert result.exit_code == 1 and doc["mode"] == "digital"
    assert {"not_jpeg", "grayscale", "not_srgb"} <= {f["code"] for f in doc["reports"][0]["findings"]}
    quiet = invoke("check-photo", "--recent-days", "100000", "--json", str(path))
    assert "photo_old" not in quiet.output
    loud = invoke("check-photo", "--json", str(path))
    assert "photo_old" in loud.output and loud.exit_code == 0
