"""The code table (`specs/codes.yaml`): what every code means and how to treat it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from harness.errors import SpecError

Api = Literal["match", "jd"]
CATEGORIES = tuple("success auth quota input image_quality liveness business internal".split())
_FIELDS = frozenset("api where code zh en category retryable documented".split())
_WHERE_BY_API = {"match": {"errcode"}, "jd": {"gateway", "business"}}


@dataclass(frozen=True, slots=True)
class Code:
    api: str
    where: str
    code: str
    zh: str
    en: str
    category: str
    retryable: bool
    documented: bool
    errata: str | None = None
    variants: tuple[str, ...] = ()  # other published wordings of the text (E-040)
    name: str | None = None  # symbolic name, unique within the api (None in a team's own table)

    @property
    def value(self) -> int | str:
        """The code as the envelope carries it: a string for JD gateway codes, else an integer."""
        return self.code if self.where == "gateway" else int(self.code)

    @property
    def msg_prefix(self) -> str:
        """The text a message must begin with: the document text without a trailing "!" (E-027)."""
        return self.zh.split(" / ")[0].rstrip("!！")

    def describe(self) -> str:
        flag = "" if self.documented else " [decided by faceharness, " + (self.errata or "") + "]"
        return (
            f"{self.api} {self.where} {self.code}: {self.en} ({self.zh}); {self.category}, "
            + ("retryable" if self.retryable else "not retryable")
            + flag
        )


class CodeTable:
    """Lookup by (api, where, code); codes are compared as strings so 1155 and "1155" agree."""

    def __init__(self, codes: list[Code], shadowed: tuple[Code, ...] = ()) -> None:
        self.shadowed = shadowed  # codes.yaml rows a team's table replaced: still found by meaning
        self._by_key: dict[tuple[str, str, str], Code] = {}
        self._by_name: dict[tuple[str, str], Code] = {}
        for c in codes:
            key = (c.api, c.where, c.code)
            if key in self._by_key:
                raise SpecError(f"codes.yaml: code {c.code} appears twice for {c.api} {c.where}")
            self._by_key[key] = c
            if c.name is not None:
                if (c.api, c.name) in self._by_name:
                    raise SpecError(f"codes.yaml: name {c.name!r} appears twice for {c.api}")
                self._by_name[(c.api, c.name)] = c
        self.codes: tuple[Code, ...] = tuple(codes)

    def get(self, api: str, where: str, code: object) -> Code | None:
        return self._by_key.get((api, where, str(code)))

    def named(self, api: str, name: str) -> Code:
        """The entry of that symbolic name (``named("jd", "bad_sign")``): code names codes this
        way."""
        try:
            return self._by_name[(api, name)]
        except KeyError:
            raise SpecError(f"codes.yaml: no {api} code named {name!r}") from None

    def find(self, code: object) -> list[Code]:
        """Every entry with this code, in any api and place (for `faceharness codes CODE`)."""
        return [c for c in self.codes if c.code == str(code)]

    def of(self, api: str, where: str | None = None) -> list[Code]:
        return [c for c in self.codes if c.api == api and where in (None, c.where)]

    def code_for(self, api: str, where: str, en_startswith: str) -> Code:
        """The single entry whose English meaning starts with the text: lets code name codes by
        meaning (a row a team's table replaced is found when nothing else means it)."""

        def meaning(rows: tuple[Code, ...]) -> list[Code]:
            return [
                c
                for c in rows
                if (c.api, c.where) == (api, where) and c.en.startswith(en_startswith)
            ]

        hits = meaning(self.codes) or meaning(self.shadowed)
        if len(hits) != 1:
            raise SpecError(
                f"codes.yaml: expected one {api} {where} code meaning {en_startswith!r}, found "
                f"{len(hits)}"
            )
        return hits[0]

    def __len__(self) -> int:
        return len(self.codes)


def merge_codes(table: CodeTable, path: Any) -> CodeTable:
    """``table`` with a team's own codes (``--codes FILE``, the codes.yaml row format) merged over
    it."""
    from ._spec import read_yaml

    raw = read_yaml(path, f"--codes {path}")
    if isinstance(raw, dict) and isinstance(raw.get("codes"), list):
        for row in raw["codes"]:
            if isinstance(row, dict):
                row.setdefault("documented", False)
                row.setdefault("retryable", False)
                row.setdefault("api", "match")
                row.setdefault("where", "errcode" if row["api"] == "match" else row.get("where"))
                if "zh" in row or "en" in row:
                    row.setdefault("zh", row.get("en"))
                    row.setdefault("en", row.get("zh"))
    own = parse_codes(raw, f"--codes {path}")
    merged = {(c.api, c.where, c.code): c for c in table.codes}
    shadowed = tuple(
        merged[k] for k in ((c.api, c.where, c.code) for c in own.codes) if k in merged
    )
    for c in own.codes:
        key = (c.api, c.where, c.code)
        if c.name is None and key in merged:  # a replaced row keeps its name
            c = dataclasses.replace(c, name=merged[key].name)
        merged[key] = c
    return CodeTable(list(merged.values()), shadowed)


def parse_codes(raw: Any, source: str) -> CodeTable:
    if not isinstance(raw, dict) or not isinstance(raw.get("codes"), list):
        raise SpecError(f"{source}: expected a mapping with a 'codes' list")
    out: list[Code] = []
    for i, row in enumerate(raw["codes"]):
        where = f"{source}: entry {i + 1}"
        if not isinstance(row, dict):
            raise SpecError(f"{where} is not a mapping")
        missing = _FIELDS - row.keys()
        if missing:
            raise SpecError(f"{where} lacks {', '.join(sorted(missing))}")
        if row["api"] not in _WHERE_BY_API or row["where"] not in _WHERE_BY_API[row["api"]]:
            raise SpecError(f"{where}: api/where {row['api']}/{row['where']} is not a known place")
        if row["category"] not in CATEGORIES:
            raise SpecError(
                f"{where}: category {row['category']!r} is not one of {', '.join(CATEGORIES)}"
            )
        if row["where"] == "gateway" and not isinstance(row["code"], str):
            raise SpecError(f"{where}: JD gateway codes are strings, got {row['code']!r}")
        out.append(
            Code(
                api=row["api"],
                where=row["where"],
                code=str(row["code"]),
                zh=str(row["zh"]),
                en=str(row["en"]),
                category=row["category"],
                retryable=bool(row["retryable"]),
                documented=bool(row["documented"]),
                errata=row.get("errata"),
                variants=tuple(str(v) for v in row.get("variants", ()) or ()),
                name=None if row.get("name") is None else str(row["name"]),
            )
        )
    return CodeTable(out)
