"""formfill's version, in one place: pyproject.toml reads it from here (hatch dynamic version)."""

__version__ = "0.1.0"
