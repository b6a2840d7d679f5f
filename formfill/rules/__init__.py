"""The one rule language: every rule about answers is JSON data, and this package is its one evaluator.

A **condition** is the field maps' compact form:

- an object holds when every entry holds: `{"application.type": "advance_parole", "travel": {"present": true}}`;
- a list of conditions holds when any one of them holds;
- `{"all": [...]}`, `{"any": [...]}` and `{"not": ...}` combine conditions where an object or list cannot;
- an entry tests the value at a profile path (`applicant.other_names[0].family`; a missing key is null; a key
  after a list without an index, `attachments.kind`, is the list of that key's values in every item):
  a plain value means equals, a list of values means any of them, a list-valued path holds when it contains
  the value (or one of the values); an object gives operators, all of which must hold:
  `present` (true or false; null, "" and [] are absent, an object such as a section is present even with no
  answers in it yet), `not_in` (list), `mentions_any` (case-insensitive
  text in the value or a list item), `starts_with_any` (the value upper-cased without punctuation starts with
  one, so H-1B matches H1), `lt`/`le`/`gt`/`ge` (a number, or a YYYY-MM-DD date), `age` (comparisons on the
  whole years from a date to the reference date, e.g. `{"age": {"lt": 14}}`) and `days_from` (comparisons on
  the days from the reference date to a date; negative when it is before). The reference date is the filing
  date the caller gives, else today.

A **rule** names the JSON path its problem points at, when it applies (`when`), what must then hold
(`require`) or what must not (`forbid`), its message (`{a.path}` in it prints that value), code, severity,
primary source and whether that source is uncertain. The paths it reads come from its conditions (`reads`).

Each rule is evaluated at most once per profile dump: a `Snapshot` (one dump of one profile, read-only)
remembers every condition's result.

`conditions` checks and evaluates conditions; `rule` holds rules, their problems and rule files.
"""

from formfill.rules.conditions import (
    COMBINATORS,
    OPERATORS,
    Condition,
    KnownPath,
    Snapshot,
    age_on,
    bare,
    holds,
    holds_raw,
    lookup,
    model_paths,
    model_values,
    passes,
    snapshot,
    snapshot_of,
)
from formfill.rules.rule import (
    Rule,
    RuleProblem,
    Severity,
    broken,
    evaluate,
    iter_conditions,
    load_rules,
    parse_rules,
    placeholders,
    reads,
    render,
)

__all__ = [
    "COMBINATORS",
    "OPERATORS",
    "Condition",
    "KnownPath",
    "Rule",
    "RuleProblem",
    "Severity",
    "Snapshot",
    "age_on",
    "bare",
    "broken",
    "evaluate",
    "holds",
    "holds_raw",
    "iter_conditions",
    "load_rules",
    "lookup",
    "model_paths",
    "model_values",
    "parse_rules",
    "passes",
    "placeholders",
    "reads",
    "render",
    "snapshot",
    "snapshot_of",
]
