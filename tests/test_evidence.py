"""formfill.checks.evidence: an attachment's type is what its bytes say; its content is never echoed.

The reading and its refusals (symlinks swapped in, FIFOs, files outside the attachments root) run through the
whole check in test_package.py and test_trust_io.py; here the small pure parts, on synthetic bytes.
"""

from __future__ import annotations

import pytest

from formfill.checks.evidence import MAX_ATTACHMENT_BYTES, sniff


@pytest.mark.parametrize(("head", "kind"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"II*\x00\x08\x00", "tiff"),
    (b"MM\x00*\x00\x08", "tiff"),
    (b"%PDF-1.7\n", "pdf"),
    (b"junk before the header " * 10 + b"%PDF-1.4", "pdf"),  # tolerated by the PDF spec
    (b"plain text, not evidence", None),
    (b"", None),
])
def test_sniff_trusts_the_bytes_not_the_name(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


def test_a_pdf_header_past_the_first_kilobyte_is_not_a_pdf() -> None:
    assert sniff(b" " * 1024 + b"%PDF-1.7") is None


def test_the_bound_is_larger_than_any_evidence_scan() -> None:
    assert MAX_ATTACHMENT_BYTES == 256 * 2**20
