"""formfill's version, in one place: pyproject.toml reads it from here (hatch dynamic version).

A leaf module, so a module that needs the version (the CLI's --version, the download's User-Agent) does
not import formfill/__init__, which imports the whole API.
"""

__version__ = "0.1.0"
