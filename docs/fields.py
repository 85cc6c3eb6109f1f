"""Make the generated tables of the docs anew from the code.

    .venv/bin/python docs/fields.py            # rewrite the files whose tables changed
    .venv/bin/python docs/fields.py --check    # change nothing; exit 1 if a file is stale

The tables sit between marker comments in ``docs/chain-format.md`` (the fields of every
section, the field types, the schemes, the rules) and ``docs/verdicts.md`` (the built-in
profiles); :mod:`graph.reference` makes them from :mod:`graph.schema`, :mod:`graph.model` and
:mod:`graph.profiles`. ``tests/test_docs.py`` fails when a file differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graph.reference import DOCUMENTS, regenerate

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        sys.stderr.write("usage: python docs/fields.py [--check]\n")
        return 2
    stale = []
    for name in DOCUMENTS:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        made = regenerate(text)
        if made != text:
            stale.append(name)
            if not check:
                path.write_text(made, encoding="utf-8")
    verb = "out of date" if check else "rewritten"
    for name in stale:
        sys.stderr.write(f"{name}: {verb}\n")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
