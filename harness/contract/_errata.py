"""`specs/ERRATA.md` parsed into entries, so reports and `specs show` list them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import SpecError

_HEADING = re.compile(r"^## (E-\d{3}) (.+)$", re.M)
_PINNED = re.compile(r"`(test_[A-Za-z0-9_]+)`")


@dataclass(frozen=True, slots=True)
class Erratum:
    id: str
    title: str
    body: str

    @property
    def pinned_by(self) -> list[str]:
        line = next((ln for ln in self.body.splitlines() if ln.startswith("Pinned by:")), "")
        return _PINNED.findall(line)


def parse_errata(text: str, source: str) -> tuple[Erratum, ...]:
    heads = list(_HEADING.finditer(text))
    if not heads:
        raise SpecError(f"{source}: no '## E-NNN title' entries found")
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append(
            Erratum(id=m.group(1), title=m.group(2).strip(), body=text[m.end() : end].strip())
        )
    ids = [e.id for e in out]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise SpecError(f"{source}: errata ids used twice: {', '.join(dupes)}")
    return tuple(out)
