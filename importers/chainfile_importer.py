"""The chain file itself as an importer (format ``chain``), so the table holds every format.

A chain file (``chain-format.md``) is YAML or JSON whose top level has a ``ketenkaart`` key. It
is recognised by that key (as the first thing on a line in YAML, or as a quoted key in JSON),
in a file called ``*.yaml``, ``*.yml`` or ``*.json``, or in one whose name has no extension (a
request body). It is read with :func:`importers.chainfile.load_chains`, with the chain file's
own, larger size bound; each problem becomes an :class:`~importers.base.ImportIssue` whose place
is the line (YAML) and the field path.

>>> from importers.base import Source
>>> data = b'''ketenkaart: 1
... offerings: [app]
... suppliers: [{id: me, name: Me}]
... services: [{id: app, name: App, supplier: me, kind: saas}]
... '''
>>> IMPORTER.sniff(data, "chain.yaml"), IMPORTER.sniff(data, "register.csv")
(True, False)
>>> IMPORTER.parse(data, Source("chain.yaml")).chain.offerings
('app',)
>>> print(IMPORTER.parse(data.replace(b"saas", b"sass"), Source("chain.yaml")).issues[0])
line 4, services[0].kind: unknown kind 'sass'; did you mean 'saas'? (one of: saas, paas, iaas, managed, other)
"""  # noqa: E501 - a doctest shows the message as it is

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from graph.errors import ChainError, Issue
from graph.i18n import gettext
from graph.model import Chain
from importers.base import ImportIssue, ImportResult, Source
from importers.chainfile import MAX_CHAIN_BYTES, load_chains

_EXTENSIONS: Final = frozenset({".yaml", ".yml", ".json"})
_YAML_KEY: Final = re.compile(rb"^ketenkaart[ \t]*:", re.MULTILINE)
_JSON_KEY: Final = re.compile(rb'"ketenkaart"[ \t\r\n]*:|[{,][ \t\r\n]*ketenkaart[ \t]*:')


def _where(issue: Issue) -> str:
    """The place of a chain file's issue: its line (where known) and its field path."""
    line = None if issue.line is None else gettext("line {line}").format(line=issue.line)
    return ", ".join(part for part in (line, issue.path) if part)


@dataclass(frozen=True, slots=True)
class ChainFileImporter:
    """Chain files (YAML or JSON, ``chain-format.md``), read exactly as ``ketenkaart check``
    reads them."""

    name: str = "chain"
    description: str = "a ketenkaart chain file (YAML or JSON with a 'ketenkaart:' key)"

    def sniff(self, head: bytes, filename: str) -> bool:
        """A ``ketenkaart`` key at the top, in a ``.yaml``/``.yml``/``.json`` file (or a name
        without an extension).

        >>> IMPORTER.sniff(b'{"ketenkaart": 1, "offerings": []}', "request body")
        True
        >>> IMPORTER.sniff(b"{ketenkaart: 1, offerings: [app]}", "chain.yaml")
        True
        >>> IMPORTER.sniff(b"apiVersion: backstage.io/v1alpha1\\n", "catalog-info.yaml")
        False
        """
        suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if suffix and suffix not in _EXTENSIONS:
            return False
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"{"):
            return _JSON_KEY.search(head) is not None
        return _YAML_KEY.search(head) is not None

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The chain the file declares, or every problem with its line and field path.

        >>> print(IMPORTER.parse(b"ketenkaart: 1\\n", Source("c.yaml")).issues[0].where)
        line 1, offerings
        """
        try:
            chain = load_chains([(source.filename, data)], max_bytes=MAX_CHAIN_BYTES)
        except ChainError as err:
            issues = tuple(ImportIssue(_where(issue), issue.message) for issue in err.issues)
            return ImportResult(Chain(offerings=()), issues, filename=source.filename)
        return ImportResult(chain, filename=source.filename)


IMPORTER: Final = ChainFileImporter()
"""The chain file importer, for :data:`importers.registry.IMPORTERS`."""
