"""formfill.filenames: output names derived from a matter id or a file stem."""

from __future__ import annotations

from formfill.filenames import safe_name


def test_safe_name_keeps_letters_digits_dot_dash_underscore() -> None:
    assert safe_name("Matter 2024/017 (renewal)") == "Matter_2024_017_renewal"
    assert safe_name("client-7.v2_final") == "client-7.v2_final"


def test_safe_name_never_hides_or_climbs_and_is_never_empty() -> None:
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name(".hidden") == "hidden"
    assert safe_name("///") == "profile"
    assert len(safe_name("x" * 500)) == 100
