"""Passport-style photo checks for the I-131 package, with Pillow only.

A bad photo gets a filing rejected or a request for evidence weeks later, so every check here says what
it measured, what the spec requires and what a paralegal should do about it. All thresholds live in
``photo_spec.json`` (one place, reviewable as data). Head size and eye line are *estimates* from the
subject's silhouette against the light background: the report names the method, and says "not measured"
when the picture does not allow a robust estimate, rather than guessing.

Nothing here raises on a bad file: an unreadable, truncated, hostile or non-image file gives a report
with ``readable=False`` and an error finding.
"""

from __future__ import annotations

import cmath
import errno
import json
import math
import stat
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from formfill.errors import ImageUnreadableError, InputError
from formfill.files import read_bounded

SEVERITIES = ("error", "warning", "info")

# Format names Pillow reports, mapped to the file extensions people give them (for the mismatch note).
_EXTENSIONS = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "PNG": {".png"},
    "TIFF": {".tif", ".tiff"},
    "BMP": {".bmp"},
    "GIF": {".gif"},
    "WEBP": {".webp"},
}
_EXIF_IFD = 0x8769
_EXIF_DATETIME_ORIGINAL = 36867
_EXIF_DATETIME_DIGITIZED = 36868
_TIFF_DATETIME = 306
_MIN_ANALYSIS_PX = 32  # below this the pixel checks (bands, silhouette) have too little to measure


@dataclass
class Finding:
    """One thing a check found: a code for machines, a sentence for people, the numbers behind it."""

    code: str
    severity: str  # "error" | "warning" | "info"
    message: str
    file: str | None = None
    measured: Any = None
    required: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PhotoReport:
    """Everything checked about one photo file; ``ok`` means no error findings (warnings allowed)."""

    file: str
    readable: bool
    findings: list[Finding] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "readable": self.readable,
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
            "measurements": self.measurements,
        }


@dataclass(frozen=True)
class PhotoSpec:
    """The photo rules as data (``photo_spec.json``), so a changed rule is a data change, not code."""

    data: Mapping[str, Any]
    recent_days: int = 30

    @classmethod
    def load(cls, path: str | Path | None = None) -> PhotoSpec:
        """Read the bundled spec (via importlib.resources, so it works from a wheel) or ``path``."""
        if path is None:
            text = (resources.files("formfill.checks") / "photo_spec.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        return cls(data=data, recent_days=int(data["recent_days"]))

    def with_recent_days(self, days: int) -> PhotoSpec:
        return replace(self, recent_days=days)

    def num(self, section: str, key: str) -> float:
        return float(self.data[section][key])

    def top(self, key: str) -> float:
        return float(self.data[key])


_DEFAULT_SPEC: PhotoSpec | None = None


def default_spec() -> PhotoSpec:
    global _DEFAULT_SPEC
    if _DEFAULT_SPEC is None:
        _DEFAULT_SPEC = PhotoSpec.load()
    return _DEFAULT_SPEC


# --------------------------------------------------------------------------------------------- opening


def _sniff(head: bytes) -> str | None:
    """Name a few common non-image formats so the message says what the file really is."""
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP/Office document"
    if head[:1] in (b"{", b"[") or head.lstrip().startswith(b"<"):
        return "a text/HTML/JSON file"
    return None


_NOT_REGULAR = "is not a regular file (a device, pipe or folder); check the path and file name."


def _cannot_open(name: str, err: BaseException) -> ImageUnreadableError:
    """The ImageUnreadableError for a failed stat/open: a loop, a NUL byte or the OS's own reason."""
    if isinstance(err, RuntimeError) or (isinstance(err, OSError) and err.errno == errno.ELOOP):
        return ImageUnreadableError("unreadable",
                                    f"{name}: cannot be opened: symlink loop; check the path and file name.")
    if isinstance(err, ValueError):
        return ImageUnreadableError("unreadable", f"{name}: cannot be opened: the path contains a NUL byte; check the "
                           "path and file name.")
    reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return ImageUnreadableError("unreadable", f"{name}: cannot be read ({reason}).")


def _read_bounded(path: Path, spec: PhotoSpec) -> bytes:
    """The whole file, read only once it is known to be a regular file of a sane size.

    A FIFO, a device (/dev/zero never ends) or a folder is refused from stat alone, before any open; the
    open is non-blocking and the descriptor is checked again (a file swapped for a FIFO in between is still
    refused), and the read is capped at the size limit, so nothing here can hang or fill memory.
    """
    name = path.name
    try:
        st = path.stat()
    except FileNotFoundError as err:
        raise ImageUnreadableError("unreadable", f"{name}: file not found; check the path and file name.") from err
    except (OSError, ValueError, RuntimeError) as err:
        raise _cannot_open(name, err) from err
    if stat.S_ISDIR(st.st_mode):
        raise ImageUnreadableError("unreadable", f"{name}: is a folder, not an image file.")
    if not stat.S_ISREG(st.st_mode):
        raise ImageUnreadableError("unreadable", f"{name}: {_NOT_REGULAR}")
    max_bytes = int(spec.num("limits", "max_file_bytes"))
    if st.st_size > max_bytes:
        raise _too_large(name, st.st_size, max_bytes)
    try:  # formfill.files.read_bounded: checked again on the descriptor, capped, never blocking
        data = read_bounded(path, max_bytes, name=name)
    except InputError as err:  # the file changed since the stat above
        raise ImageUnreadableError("unreadable", f"{err.message}; check the path and file name.") from None
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    return data


def _too_large(name: str, size: int, max_bytes: int) -> ImageUnreadableError:
    return ImageUnreadableError("unreadable", f"{name}: {size:,} bytes is far too large for a passport photo "
                       f"(limit {max_bytes:,}); ask for the photo file again.", size)


def _open(path: Path, spec: PhotoSpec) -> tuple[Image.Image, int]:
    """Open and fully decode ``path``, turning every way it can fail into an ImageUnreadableError."""
    name = path.name
    data = _read_bounded(path, spec)
    size = len(data)
    head = data[:16]
    if size == 0:
        raise ImageUnreadableError("not_an_image", f"{name}: the file is empty (0 bytes); get the photo file again.", 0)
    max_pixels = int(spec.num("limits", "max_pixels"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            try:
                w, h = image.size
                if w * h > max_pixels:
                    raise ImageUnreadableError("unreadable", f"{name}: claims to be {w} x {h} pixels, too large to "
                                      f"open safely (limit {max_pixels:,} pixels); it may be a corrupt or "
                                      "hostile file. Ask for the photo again.", [w, h])
                image.load()  # decode now, so a truncated or corrupt file fails here, inside the try
            except BaseException:
                image.close()
                raise
    except ImageUnreadableError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageUnreadableError("unreadable", f"{name}: too many pixels to open safely ({err}); it may be a "
                          "corrupt or hostile file. Ask for the photo again.") from err
    except UnidentifiedImageError as err:
        what = _sniff(head)
        detail = f"it is {what}, not an image" if what else "it is not an image Pillow can read"
        raise ImageUnreadableError("not_an_image", f"{name}: {detail}; scan or export the photo as a JPEG.") from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageUnreadableError("unreadable", f"{name}: the image data is damaged or cut short ({err}); "
                          "get the photo file again.") from err
    return image, size


# ------------------------------------------------------------------------------------------- pixel math


def _luminance(rgb: Image.Image) -> Image.Image:
    return rgb.convert("L")


def _chroma(rgb: Image.Image) -> Image.Image:
    """max(R,G,B) - min(R,G,B) per pixel: 0 for grays, high for vivid colours."""
    r, g, b = rgb.split()
    hi = ImageChops.lighter(ImageChops.lighter(r, g), b)
    lo = ImageChops.darker(ImageChops.darker(r, g), b)
    return ImageChops.subtract(hi, lo)


def _fraction_at_least(gray: Image.Image, level: int) -> float:
    hist = gray.histogram()[:256]
    total = sum(hist)
    return sum(hist[level:]) / total if total else 0.0


def _percentile(gray: Image.Image, q: float) -> int:
    """The level below which a fraction ``q`` of the pixels lie."""
    hist = gray.histogram()[:256]
    target = q * sum(hist)
    run = 0
    for level, count in enumerate(hist):
        run += count
        if run >= target:
            return level
    return 255


def _gradient(gray: Image.Image) -> Image.Image:
    """Per-pixel brightness step to the right or below neighbour (the larger of the two)."""
    dx = ImageChops.difference(gray, ImageChops.offset(gray, 1, 0))
    dy = ImageChops.difference(gray, ImageChops.offset(gray, 0, 1))
    w, h = gray.size
    return ImageChops.lighter(dx, dy).crop((1, 1, w - 1, h - 1))  # offset() wraps around: drop the seam


def _band_pixels(image: Image.Image, band: float) -> list[Image.Image]:
    """The background bands: the top strip and the upper halves of the side strips (shoulders reach the
    bottom corners, so the bottom and the lower sides are not background)."""
    w, h = image.size
    bw, bh = max(1, round(w * band)), max(1, round(h * band))
    return [
        image.crop((0, 0, w, bh)),
        image.crop((0, bh, bw, h // 2)),
        image.crop((w - bw, bh, w, h // 2)),
    ]


def _pooled(parts: list[Image.Image]) -> tuple[float, float]:
    """Mean and standard deviation of single-band crops taken together."""
    stats = [ImageStat.Stat(p) for p in parts]
    n = sum(s.count[0] for s in stats)
    total = sum(s.sum[0] for s in stats)
    total2 = sum(s.sum2[0] for s in stats)
    mean = total / n
    return mean, math.sqrt(max(0.0, total2 / n - mean * mean))


# ------------------------------------------------------------------------------------------------ checks


class _Checker:
    """Runs the checks on one decoded image and collects findings and measurements."""

    def __init__(self, path: Path, spec: PhotoSpec, digital: bool, today: date) -> None:
        self.path = path
        self.spec = spec
        self.digital = digital
        self.today = today
        self.findings: list[Finding] = []
        self.m: dict[str, Any] = {}

    def add(self, code: str, severity: str, message: str, measured: Any = None, required: Any = None) -> None:
        self.findings.append(Finding(code, severity, message, str(self.path), measured, required))

    def run(self, image: Image.Image, file_bytes: int) -> None:
        self.m.update(format=image.format, mode=image.mode, width_px=image.size[0],
                      height_px=image.size[1], file_bytes=file_bytes,
                      checked_against="digital" if self.digital else "print")
        self.check_format(image, file_bytes)
        self.check_size(image)
        self.check_date(image)
        self.check_colour_space(image)
        if min(image.size) < _MIN_ANALYSIS_PX:
            self.add("pixels_not_checked", "info", f"The image is only {image.size[0]} x {image.size[1]} "
                     "pixels, too small to check colour, background, exposure, sharpness or head size.")
            return
        rgb = self.analysis_image(image)
        if rgb is None:
            return
        self.check_colour(image, rgb)
        bg = self.check_background(rgb)
        exposed = self.check_exposure(rgb)
        self.check_sharpness(rgb)
        self.check_head(rgb, bg if exposed else None,
                        "the background is not plain white, so the silhouette cannot be separated"
                        if exposed else "the photo is badly exposed, so the face outline is unreliable")

    # --- file, format, size --------------------------------------------------------------------

    def check_format(self, image: Image.Image, file_bytes: int) -> None:
        fmt = image.format or "unknown"
        ext = self.path.suffix.lower()
        if fmt in _EXTENSIONS and ext and ext not in _EXTENSIONS[fmt]:
            self.add("extension_mismatch", "info",
                     f"The file is really a {fmt} image although its name ends in {ext}; rename it so "
                     "upload portals accept it.", fmt, sorted(_EXTENSIONS[fmt]))
        if self.digital:
            formats = list(self.spec.data["digital"]["formats"])
            if fmt not in formats:
                self.add("not_jpeg", "error", f"Digital photos must be JPEG; this file is {fmt}. Export "
                         "it again as a JPEG.", fmt, formats)
            max_bytes = int(self.spec.num("digital", "max_bytes"))
            if file_bytes > max_bytes:
                self.add("too_large_file", "error",
                         f"The file is {file_bytes / 1024:.0f} KB; digital photos may be at most "
                         f"{max_bytes / 1024:.0f} KB. Save it again as a JPEG with more compression.",
                         file_bytes, {"max": max_bytes})

    def check_size(self, image: Image.Image) -> None:
        w, h = image.size
        tol = self.spec.top("square_tolerance")
        off = abs(w - h) / max(w, h)
        self.m["aspect_difference"] = round(off, 4)
        if off > tol:
            self.add("not_square", "error",
                     f"The photo is {w} x {h} pixels, not square; crop it to a square (2 x 2 in) with the "
                     "head centred.", f"{w}x{h}", {"max_aspect_difference": tol})
        short = min(w, h)
        if self.digital:
            lo, hi = int(self.spec.num("digital", "min_px")), int(self.spec.num("digital", "max_px"))
            if short < lo:
                self.add("too_small", "error", f"The photo is {w} x {h} pixels; digital photos must be "
                         f"at least {lo} x {lo}. Use the original, larger file.", f"{w}x{h}",
                         {"min_px": lo, "max_px": hi})
            elif max(w, h) > hi:
                self.add("too_many_pixels", "error", f"The photo is {w} x {h} pixels; digital photos "
                         f"may be at most {hi} x {hi}. Resize it down to between {lo} and {hi} pixels.",
                         f"{w}x{h}", {"min_px": lo, "max_px": hi})
        else:
            lo = int(self.spec.num("print", "min_px"))
            if short < lo:
                self.add("too_small", "error", f"The photo is {w} x {h} pixels, too few for a sharp "
                         f"2-inch print (needs {lo} x {lo}, i.e. 300 dpi). Rescan the print at 300 dpi or "
                         "more, or use the original file.", f"{w}x{h}", {"min_px": lo})
            self.check_print_size(image)

    def check_print_size(self, image: Image.Image) -> None:
        dpi = image.info.get("dpi")
        try:
            xdpi, ydpi = (float(dpi[0]), float(dpi[1])) if dpi else (0.0, 0.0)
        except (TypeError, ValueError, IndexError):
            xdpi = ydpi = 0.0
        if xdpi <= 1 or ydpi <= 1:  # no DPI, or an aspect ratio only: physical size unknown
            self.m["print_size_in"] = None
            return
        w_in, h_in = image.size[0] / xdpi, image.size[1] / ydpi
        self.m["dpi"] = [round(xdpi, 1), round(ydpi, 1)]
        self.m["print_size_in"] = [round(w_in, 2), round(h_in, 2)]
        want_w, want_h = self.spec.num("print", "width_in"), self.spec.num("print", "height_in")
        tol = self.spec.num("print", "size_tolerance_in")
        if abs(w_in - want_w) > tol or abs(h_in - want_h) > tol:
            trusted = min(xdpi, ydpi) >= self.spec.num("print", "trusted_dpi")
            sev = "error" if trusted else "warning"
            hint = ("If this is a scan of the print, the print is the wrong size: get 2 x 2 in prints."
                    if trusted else "The DPI looks like a camera default; if this is a scan, rescan at 300 "
                    "dpi; if it is a camera file, make sure it is printed at 2 x 2 in.")
            self.add("wrong_print_size", sev,
                     f"At the file's {xdpi:.0f} dpi the photo is {w_in:.2f} x {h_in:.2f} in, not "
                     f"{want_w:g} x {want_h:g} in. {hint}", [round(w_in, 2), round(h_in, 2)],
                     {"width_in": want_w, "height_in": want_h, "tolerance_in": tol})

    def check_date(self, image: Image.Image) -> None:
        taken = _exif_date(image)
        self.m["photo_date"] = taken.isoformat() if taken else None
        days = self.spec.recent_days
        if taken is None:
            self.add("photo_date_unknown", "info", f"The file has no camera date; confirm with the client "
                     f"that the photo was taken within the last {days} days.", None, {"max_age_days": days})
            return
        age = (self.today - taken).days
        self.m["photo_age_days"] = age
        if age > days:
            self.add("photo_old", "warning", f"The camera date is {taken.isoformat()} ({age} days ago); "
                     f"photos should be recent (within {days} days). Ask for a new photo unless the client "
                     "confirms it is recent.", age, {"max_age_days": days})
        elif age < -1:
            self.add("photo_date_future", "info", f"The camera date {taken.isoformat()} is in the future; "
                     "the camera clock is wrong, so the date proves nothing.", age, {"max_age_days": days})

    def check_colour_space(self, image: Image.Image) -> None:
        icc = image.info.get("icc_profile")
        profile = _icc_description(icc) if icc else None
        self.m["icc_profile"] = profile
        if image.mode == "CMYK" and not icc:
            self.add("cmyk_without_profile", "error" if self.digital else "warning",
                     "The image is CMYK with no colour profile, so its colours are guesswork on screen and "
                     "in print; export it again as RGB (sRGB).", "CMYK", "RGB (sRGB)")
        if self.digital:
            srgb = image.mode in ("RGB", "L") and (profile is None or "srgb" in profile.lower())
            if image.mode not in ("RGB",) or not srgb:
                self.add("not_srgb", "error", f"Digital photos must be sRGB colour; this file is "
                         f"{image.mode}{' with profile ' + profile if profile else ''}. Export it again as "
                         "an sRGB JPEG.", {"mode": image.mode, "icc_profile": profile}, "RGB, sRGB")

    # --- pixels --------------------------------------------------------------------------------

    def analysis_image(self, image: Image.Image) -> Image.Image | None:
        """An upright RGB copy at most ``analysis_px`` on its long side: pixel checks need no more."""
        try:
            upright = ImageOps.exif_transpose(image)
        except Exception:  # a broken orientation tag must not stop the checks
            upright = image
        if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
            rgba = upright.convert("RGBA")
            canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            upright = Image.alpha_composite(canvas, rgba)
            alpha_min = rgba.getchannel("A").getextrema()[0]
        else:
            alpha_min = 255
        if isinstance(alpha_min, int | float) and alpha_min < 255:
            self.add("transparent", "warning", "The image has transparent areas (shown here on white); "
                     "the photo must have a real white background, not a transparent one.")
        try:
            rgb = upright.convert("RGB")
        except (OSError, ValueError) as err:
            self.add("unsupported_mode", "warning", f"Pixel checks skipped: cannot convert image mode "
                     f"{upright.mode} to RGB ({err}).", upright.mode)
            return None
        limit = int(self.spec.top("analysis_px"))
        if max(rgb.size) > limit:
            rgb = rgb.copy()
            rgb.thumbnail((limit, limit), Image.Resampling.LANCZOS)
        return rgb

    def check_colour(self, image: Image.Image, rgb: Image.Image) -> None:
        spec = self.spec.data["color"]
        if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
            self.m["colored_fraction"] = 0.0
            self.add("grayscale", "error", "The photo is black and white (grayscale); USCIS requires a "
                     "colour photo.", image.mode, "colour")
            return
        chroma = _chroma(rgb)
        colored = _fraction_at_least(chroma, int(spec["chroma_threshold"]))
        self.m["colored_fraction"] = round(colored, 4)
        if colored < float(spec["min_colored_fraction"]):
            self.add("grayscale", "error", "The photo has no colour in it (black and white stored as "
                     "colour); USCIS requires a colour photo.", round(colored, 4),
                     {"min_colored_fraction": spec["min_colored_fraction"]})
            return
        concentration, tinted = _hue_concentration(rgb, int(spec["chroma_threshold"]))
        self.m["hue_concentration"] = round(concentration, 4)
        if (concentration >= float(spec["sepia_min_hue_concentration"])
                and tinted >= float(spec["sepia_min_tinted_fraction"])):
            self.add("sepia", "error", "The whole photo, background included, is one brown/yellow tint "
                     "(sepia or a colour cast); USCIS requires a natural colour photo on white.",
                     round(concentration, 4), {"max_hue_concentration": spec["sepia_min_hue_concentration"]})

    def check_background(self, rgb: Image.Image) -> tuple[int, int, int] | None:
        spec = self.spec.data["background"]
        bands = _band_pixels(rgb, float(spec["band_fraction"]))
        brightness, texture = _pooled([_luminance(b) for b in bands])
        tint, _ = _pooled([_chroma(b) for b in bands])
        median = tuple(int(v) for v in ImageStat.Stat(bands[0]).median)
        self.m["background"] = {"brightness": round(brightness, 1), "chroma": round(tint, 1),
                                "texture": round(texture, 1), "colour": list(median)}
        ok = True
        if brightness < float(spec["min_brightness"]) or tint > float(spec["max_chroma"]):
            ok = False
            what = "too dark or grey" if brightness < float(spec["min_brightness"]) else "coloured"
            self.add("background_not_white", "error",
                     f"The background is {what} (brightness {brightness:.0f}/255, colour {tint:.0f}); it "
                     "must be plain white or off-white. Retake the photo against a white wall or screen.",
                     {"brightness": round(brightness, 1), "chroma": round(tint, 1)},
                     {"min_brightness": spec["min_brightness"], "max_chroma": spec["max_chroma"]})
        if texture > float(spec["max_texture"]):
            ok = False
            self.add("background_not_plain", "error",
                     f"The background is not plain (variation {texture:.0f}): shadows, patterns or objects "
                     "behind the person. Retake it against a plain, evenly lit white background.",
                     round(texture, 1), {"max_texture": spec["max_texture"]})
        return (median[0], median[1], median[2]) if ok else None

    def check_exposure(self, rgb: Image.Image) -> bool:
        spec = self.spec.data["exposure"]
        gray = _luminance(rgb)
        w, h = gray.size
        face = gray.crop((int(w * 0.3), int(h * 0.2), int(w * 0.7), int(h * 0.65)))
        clipped = _fraction_at_least(face, int(spec["clipped_level"]))
        mean = ImageStat.Stat(gray).mean[0]
        self.m["exposure"] = {"clipped_face_fraction": round(clipped, 3), "mean_brightness": round(mean, 1)}
        if clipped > float(spec["max_clipped_face_fraction"]):
            self.add("overexposed", "error", f"The photo is overexposed: {clipped:.0%} of the face area is "
                     "pure white, so features are washed out. Retake with less light or flash.",
                     round(clipped, 3), {"max_clipped_face_fraction": spec["max_clipped_face_fraction"]})
        if mean < float(spec["min_mean_brightness"]):
            self.add("underexposed", "error", f"The photo is too dark (average brightness {mean:.0f}/255). "
                     "Retake it with more, even light on the face.", round(mean, 1),
                     {"min_mean_brightness": spec["min_mean_brightness"]})
        return not any(f.code in ("overexposed", "underexposed") for f in self.findings)

    def check_sharpness(self, rgb: Image.Image) -> None:
        """Edge steepness: a sharp edge jumps most of the photo's contrast in a pixel or two, a blurred one
        spreads it over many. Score = strongest steps (top percentile) / overall contrast."""
        spec = self.spec.data["sharpness"]
        gray = _luminance(rgb)
        contrast = _percentile(gray, 0.99) - _percentile(gray, 0.01)
        if contrast < 30:
            self.m["sharpness"] = None
            return
        step = _percentile(_gradient(gray), 1 - float(spec["edge_fraction"]))
        score = step / contrast
        self.m["sharpness"] = {"edge_steepness": round(score, 3), "method": "strongest 1-pixel brightness "
                               "steps / photo contrast (high = sharp)"}
        if score < float(spec["min_edge_steepness"]):
            self.add("blurred", "error", "The photo is blurred or out of focus; retake it (or rescan the "
                     "print) so the face is sharp.", round(score, 3),
                     {"min_edge_steepness": spec["min_edge_steepness"]})

    def check_head(self, rgb: Image.Image, bg: tuple[int, int, int] | None, why_not: str) -> None:
        """Head height and eye line from the silhouette; "not measured" whenever it is not robust."""
        if bg is None:
            self._not_measured(why_not)
            return
        est = _silhouette(rgb, bg, self.spec)
        if isinstance(est, str):
            self._not_measured(est)
            return
        self.m["head"] = est
        margin = self.spec.top("estimate_margin")
        self._range_check("head", est["head_fraction"], "head_too_small", "head_too_large",
                          "The head (chin to top of hair) is {v:.0%} of the photo height; it must be "
                          "{lo:.0%}-{hi:.0%} (1 to 1 3/8 in on a 2 in print). ", margin,
                          "Retake or recrop with the camera {fix}.", ("closer", "further away"))
        if est.get("eye_fraction") is None:
            self.add("eyes_not_measured", "info", "Eye height not measured: no clear dark eye line in "
                     "the face. Check by eye that the eyes are 1 1/8 to 1 3/8 in from the bottom.",
                     None, {"min_fraction": self.spec.num("eyes", "min_fraction"),
                            "max_fraction": self.spec.num("eyes", "max_fraction")})
            return
        self._range_check("eyes", est["eye_fraction"], "eyes_too_low", "eyes_too_high",
                          "The eyes are {v:.0%} of the height up from the bottom; they must be "
                          "{lo:.0%}-{hi:.0%} (1 1/8 to 1 3/8 in on a 2 in print). ", margin,
                          "Recrop so the face sits {fix} in the frame.", ("higher", "lower"))

    def _range_check(self, section: str, value: float, low_code: str, high_code: str, text: str,
                     margin: float, fix_text: str, fixes: tuple[str, str]) -> None:
        lo, hi = self.spec.num(section, "min_fraction"), self.spec.num(section, "max_fraction")
        if lo <= value <= hi:
            return
        low = value < lo
        miss = (lo - value) if low else (value - hi)
        sev = "error" if miss > margin else "warning"
        note = "" if sev == "error" else " (close to the limit; the estimate may be off by a few percent)"
        msg = text.format(v=value, lo=lo, hi=hi) + fix_text.format(fix=fixes[0] if low else fixes[1]) + note
        self.add(low_code if low else high_code, sev, msg, round(value, 3),
                 {"min_fraction": lo, "max_fraction": hi, "method": "silhouette estimate"})

    def _not_measured(self, why: str) -> None:
        self.m["head"] = {"measured": False, "reason": why}
        self.add("head_not_measured", "info", f"Head size and eye line not measured: {why}. Check by eye "
                 "that the head is 1 to 1 3/8 in and the eyes 1 1/8 to 1 3/8 in from the bottom.", None,
                 {"head_fraction": [self.spec.num("head", "min_fraction"), self.spec.num("head", "max_fraction")],
                  "eye_fraction": [self.spec.num("eyes", "min_fraction"), self.spec.num("eyes", "max_fraction")]})


def _hue_concentration(rgb: Image.Image, chroma_threshold: int) -> tuple[float, float]:
    """How much the tinted pixels share one hue (1.0 = a single hue, as in sepia), and their share."""
    small = rgb.copy()
    small.thumbnail((128, 128))
    hsv = small.convert("HSV")
    chroma = _chroma(small)
    total = 0
    acc = 0j
    hues = hsv.tobytes()[0::3]
    for hue, c in zip(hues, chroma.tobytes(), strict=True):
        if c >= chroma_threshold:
            total += 1
            acc += cmath.exp(1j * hue * 2 * math.pi / 256)
    n = small.size[0] * small.size[1]
    if total == 0:
        return 0.0, 0.0
    return abs(acc) / total, total / n


def _silhouette(rgb: Image.Image, bg: tuple[int, int, int], spec: PhotoSpec) -> dict[str, Any] | str:
    """Estimate top of hair, chin and eye line from the subject's outline against the background.

    Top of head: first row with a sizeable run of non-background pixels. Chin: below the widest row of
    the head, the first row where the outline has narrowed to the neck's width (the narrowest row before
    the shoulders widen). Eyes: the darkest row band in the middle of the face. Returns a reason string
    when the picture does not allow a robust estimate.
    """
    sil = spec.data["silhouette"]
    small = rgb.copy()
    small.thumbnail((200, 200))
    w, h = small.size
    r, g, b = ImageChops.difference(small, Image.new("RGB", small.size, bg)).split()
    diff = ImageChops.lighter(ImageChops.lighter(r, g), b)  # the largest channel difference
    level = int(sil["min_difference"])
    mask = diff.point(lambda v: 255 if v >= level else 0)
    mask = mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))  # drop specks of noise
    pixels = mask.tobytes()
    min_run = max(3, int(w * float(sil["min_row_fraction"])))
    widths: list[int] = []
    spans: list[tuple[int, int] | None] = []
    for y in range(h):
        xs = [x for x in range(w) if pixels[y * w + x]]
        widths.append(xs[-1] - xs[0] + 1 if xs else 0)
        spans.append((xs[0], xs[-1]) if xs else None)
    top = next((y for y in range(h) if widths[y] >= min_run), None)
    if top is None:
        return "no person found against the background"
    if top <= 1:
        return "the head touches the top edge (cropped), so the top of the hair is not in the picture"
    # Walk down the outline: it widens to the head's widest row, narrows (jaw) to the neck, then widens
    # again (shoulders). The first rows are skipped: the top of a head widens fast.
    ratio = float(sil["max_neck_to_head_width"])
    settle = max(3, int(h * 0.05))
    head_max, head_max_y = 0, top
    neck_w, neck_y = 0, -1
    shoulders = False
    for y in range(top, h):
        wy = widths[y]
        if neck_y < 0:
            if wy > head_max:
                head_max, head_max_y = wy, y
            elif y - top > settle and 0 < wy <= head_max * ratio:
                neck_w, neck_y = wy, y
        elif wy < neck_w:
            neck_w, neck_y = wy, y
        elif wy > neck_w * 1.3 + 2:
            shoulders = True
            break
    if neck_y < 0:
        return ("the outline does not narrow at the neck (hair, clothing or pose hide it), so the chin "
                "cannot be located")
    if not shoulders:
        return "no shoulders below the head, so the neck (and the chin above it) cannot be located"
    chin = next((r for r in range(head_max_y, neck_y + 1) if widths[r] <= neck_w * 1.15 + 1), neck_y)
    head_px = chin - top
    if head_px <= 0:
        return "the outline is too irregular to locate the chin"
    result: dict[str, Any] = {
        "measured": True,
        "method": "silhouette: top of hair = first subject row; chin = where the outline narrows to the "
                  "neck (may sit slightly above the real chin)",
        "top_of_head_fraction_from_top": round(top / h, 3),
        "chin_fraction_from_top": round(chin / h, 3),
        "head_fraction": round(head_px / h, 3),
        "eye_fraction": None,
    }
    eye_row = _eye_row(small, top, head_px, spans, int(sil["eye_min_darkness"]))
    if eye_row is not None:
        result["eye_fraction"] = round((h - eye_row) / h, 3)
        result["eye_method"] = "darkest row band with dark spots left and right of the face centre"
    return result


def _eye_row(small: Image.Image, top: int, head_px: int,
             spans: Sequence[tuple[int, int] | None], min_darkness: int) -> int | None:
    """The eye line: the darkest row in the middle band of the face, if it is clearly darker than the
    skin around it and dark on both sides of the face centre (two eyes, not one shadow)."""
    w = small.size[0]
    px = small.convert("L").tobytes()
    rows: list[tuple[float, int, float, float]] = []
    for y in range(top + int(head_px * 0.3), top + int(head_px * 0.65)):
        span = spans[y] if 0 <= y < len(spans) else None
        if span is None:
            continue
        x0, x1 = span
        inset = (x1 - x0) // 5  # keep to the middle of the face: hair frames its sides
        x0, x1 = x0 + inset, x1 - inset
        if x1 - x0 < 6:
            continue
        mid = (x0 + x1) // 2
        left = list(px[y * w + x0:y * w + mid])
        right = list(px[y * w + mid:y * w + x1])
        rows.append((sum(left + right) / (len(left) + len(right)), y, float(min(left)), float(min(right))))
    if len(rows) < 5:
        return None
    means = sorted(r[0] for r in rows)
    skin = means[len(means) // 2]
    best = min(rows, key=lambda r: min(r[2], r[3]) + max(r[2], r[3]))
    _mean, y, dark_left, dark_right = best
    if skin - dark_left < min_darkness or skin - dark_right < min_darkness:
        return None
    return y


# ------------------------------------------------------------------------------------------------- EXIF


def _parse_exif_date(value: Any) -> date | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S").date()
    except ValueError:
        return None


def _exif_date(image: Image.Image) -> date | None:
    """DateTimeOriginal (when the shutter fired), else DateTimeDigitized, else the file's DateTime."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # broken EXIF must not stop the photo checks
        return None
    for value in (sub.get(_EXIF_DATETIME_ORIGINAL), sub.get(_EXIF_DATETIME_DIGITIZED), exif.get(_TIFF_DATETIME)):
        parsed = _parse_exif_date(value)
        if parsed is not None:
            return parsed
    return None


def _icc_description(icc: bytes) -> str:
    """The profile's description (e.g. "sRGB IEC61966-2.1"), or "unknown" if it cannot be parsed."""
    try:
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(BytesIO(icc))
        return str(ImageCms.getProfileDescription(profile)).strip() or "unknown"
    except Exception:  # no littlecms, or a malformed profile
        return "unknown"


# -------------------------------------------------------------------------------------------------- API


def _unreadable_report(path: Path, err: ImageUnreadableError) -> PhotoReport:
    return PhotoReport(str(path), False, [Finding(err.code, "error", err.message, str(path), err.measured)], {})


def check_photo(path: str | Path, *, digital: bool = False, spec: PhotoSpec | None = None,
                today: date | None = None) -> PhotoReport:
    """Check one photo file against the print (default) or digital spec. Never raises on a bad file."""
    p = Path(path)
    spec = spec or default_spec()
    try:
        image, size = _open(p, spec)
    except ImageUnreadableError as err:
        return _unreadable_report(p, err)
    checker = _Checker(p, spec, digital, today or date.today())
    try:
        with image:
            checker.run(image, size)
    except Exception as err:  # a file that defeats the analysis is reported, never a traceback
        return _unreadable_report(p, ImageUnreadableError("unreadable", f"{p.name}: the image could not be "
                                                 f"analysed ({err}); get the photo file again."))
    return PhotoReport(str(p), True, checker.findings, checker.m)


def _fingerprint(path: Path, spec: PhotoSpec) -> tuple[list[int], list[int]]:
    """A difference hash and an equalised small thumbnail of the photo's brightness."""
    image, _ = _open(path, spec)
    with image:
        try:
            upright = ImageOps.exif_transpose(image)
        except Exception:
            upright = image
        gray = upright.convert("L")
    pair = spec.data["pair"]
    n = int(pair["hash_size"])
    dh = gray.resize((n + 1, n), Image.Resampling.LANCZOS).tobytes()
    bits = [1 if dh[r * (n + 1) + c] > dh[r * (n + 1) + c + 1] else 0 for r in range(n) for c in range(n)]
    t = int(pair["thumb_px"])
    thumb = ImageOps.autocontrast(gray.resize((t, t), Image.Resampling.LANCZOS), cutoff=1)
    return bits, list(thumb.tobytes())


def compare_photos(a: str | Path, b: str | Path, *, spec: PhotoSpec | None = None) -> Finding | None:
    """Perceptual check that two files show the same photo (re-encoding or rescans do not matter).

    Returns None when they match, a ``pair_differs`` error when they do not, and a ``pair_not_compared``
    warning when either file cannot be read.
    """
    spec = spec or default_spec()
    pa, pb = Path(a), Path(b)
    try:
        hash_a, thumb_a = _fingerprint(pa, spec)
        hash_b, thumb_b = _fingerprint(pb, spec)
    except ImageUnreadableError as err:
        return Finding("pair_not_compared", "warning", f"The two photos were not compared: {err.message}",
                       str(pb))
    except (OSError, ValueError) as err:
        return Finding("pair_not_compared", "warning", f"The two photos were not compared: {err}", str(pb))
    pair = spec.data["pair"]
    distance = sum(x != y for x, y in zip(hash_a, hash_b, strict=True)) / len(hash_a)
    mean_diff = sum(abs(x - y) for x, y in zip(thumb_a, thumb_b, strict=True)) / len(thumb_a)
    max_distance, max_diff = float(pair["max_hash_distance"]), float(pair["max_mean_difference"])
    if distance <= max_distance and mean_diff <= max_diff:
        return None
    return Finding("pair_differs", "error",
                   f"{pb.name} is not the same photo as {pa.name}; USCIS needs two identical prints of one "
                   "photo. Get two prints of the same shot.", str(pb),
                   {"hash_distance": round(distance, 3), "mean_difference": round(mean_diff, 1)},
                   {"max_hash_distance": max_distance, "max_mean_difference": max_diff})


def check_photos(paths: Sequence[str | Path], *, digital: bool = False, spec: PhotoSpec | None = None,
                 today: date | None = None) -> list[PhotoReport]:
    """Check each photo, then compare every readable photo with the first readable one.

    The photos of one applicant are meant to be identical prints, so any photo that differs from the
    first gets a ``pair_differs`` error on its own report. Check one applicant's photos per call.
    """
    reports = [check_photo(p, digital=digital, spec=spec, today=today) for p in paths]
    readable = [r for r in reports if r.readable]
    if len(readable) >= 2:
        first = readable[0]
        for report in readable[1:]:
            finding = compare_photos(first.file, report.file, spec=spec)
            if finding is not None:
                report.findings.append(finding)
    return reports


def exit_code(reports: Sequence[PhotoReport]) -> int:
    """2 if any file is unreadable, 1 if any error finding, else 0 (warnings allowed)."""
    if any(not r.readable for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1
