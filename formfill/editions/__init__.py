"""New editions of a form: draft a package from the current one, check it against its blank, accept it.

align (pure scoring and pairing) -> draft (carry the fill map over) -> accept (apply a person's
decisions) -> check (lint a package against a blank); workflow ties them to files and blanks.
"""
