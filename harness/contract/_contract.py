"""The contract object: both OpenAPI documents, the code table, the errata and the readings,
loaded once and passed down; and JD's request signature (seed 004, ERRATA E-018), which the
clients sign and the emulator checks with, so a wrong formula is caught by the known-answer test.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args
from urllib.parse import unquote

import jsonschema_rs
import yaml

from harness.errors import SpecError

if TYPE_CHECKING:
    from harness.results import Erratum as Entry

try:  # CPython's own MD5: hashlib's (OpenSSL 3) looks the digest up afresh on every call, 3-5x
    from _md5 import md5  # the time of the whole hash, and the emulator checks every JD request
except ImportError:  # a build without it
    from hashlib import md5

# libyaml's loader when PyYAML was built with it: the same documents, about 8x faster to read
# (every process of a load run reads the whole contract at start-up).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Codes(frozenset[str]):
    """Codes a target's value is looked up in: an array or an object where a code belongs (a
    hostile answer's ``"code": ["10000"]``) is none of them, not a TypeError that ended replay and
    gate's conformance in "internal error: unhashable type" (session 23)."""

    def __contains__(self, value: object) -> bool:
        try:
            return super().__contains__(value)
        except TypeError:
            return False


_VALIDATORS: dict[tuple[int, str, bool, bool, frozenset[str], bool], Any] = {}
_MASK = "the value"  # a masked validator's messages name no instance
_READING_KEYWORDS = ("pattern", "maxLength", "maxProperties", "maxItems", "format")


@dataclass(frozen=True, slots=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str
    request_schema: str | None
    response_schema: str | None
    facts: dict[str, Any]  # the operation's `x-faceharness`

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def extension(self) -> bool:
        return bool(self.facts.get("extension"))


@dataclass(frozen=True)
class Spec:
    path: Path
    raw: dict[str, Any] = field(repr=False)

    @property
    def api(self) -> str:
        return str(self.facts["api"])

    @property
    def facts(self) -> dict[str, Any]:
        """The document-level `info.x-faceharness` facts (limits, claims, code fields)."""
        return dict(self.raw["info"].get("x-faceharness", {}))

    @property
    def schemas(self) -> dict[str, Any]:
        return dict(self.raw["components"]["schemas"])

    @cached_property
    def operations(self) -> dict[str, Operation]:
        return {
            op["operationId"]: Operation(
                api=self.api,
                operation_id=op["operationId"],
                method=method,
                path=path,
                request_schema=_ref_name(op.get("requestBody", {})),
                response_schema=_ref_name(op.get("responses", {}).get("200", {})),
                facts=dict(op.get("x-faceharness", {})),
            )
            for path, item in self.raw["paths"].items()
            for method, op in item.items()
            if method in {"get", "post", "put", "delete", "patch"}
        }

    @cached_property
    def reading_errata(self) -> tuple[str, ...]:
        """The errata whose reading alone sets some limit, format or required field
        (``x-reading``), sorted."""
        return tuple(sorted(_cited_errata(self.raw, "x-reading")))

    def schema(self, name: str) -> dict[str, Any]:
        """A self-contained JSON Schema (2020-12) for a component, refs still resolvable."""
        if name not in self.raw["components"]["schemas"]:
            raise SpecError(f"{self.path.name}: no schema named {name!r}")
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/components/schemas/{name}",
            "components": copy.deepcopy(self.raw["components"]),
        }

    def validator(
        self,
        name: str,
        *,
        decode_base64: bool = False,
        every_reading: bool = False,
        lenient: frozenset[str] = frozenset(),
        masked: bool = False,
    ) -> Any:
        """A compiled validator; ``decode_base64``: without the base64 ``pattern`` (a caller that
        decodes anyway would run the slowest step twice); ``every_reading``: without the limits
        marked ``x-reading``; ``lenient``: without those marked only with the errata given;
        ``masked``: its errors' messages without the instance (a megabyte of base64 in a message
        took 34 ms to make, for a caller that never shows it)."""
        key = (id(self), name, decode_base64, every_reading, lenient, masked)
        if key not in _VALIDATORS:
            schema = self.schema(name)
            for node in mappings(schema):
                if decode_base64 and node.get("contentEncoding") == "base64":
                    node.pop("pattern", None)
                marked = node.get("x-reading")
                if marked and (every_reading or (lenient and set(marked) <= lenient)):
                    for keyword in node.get("x-reading-keywords") or _READING_KEYWORDS:
                        node.pop(keyword, None)
            _VALIDATORS[key] = jsonschema_rs.Draft202012Validator(
                schema, validate_formats=False, mask=_MASK if masked else None
            )
        return _VALIDATORS[key]

    def examples(self) -> list[tuple[str, str, str, Any]]:
        """(operation_id, 'request'|'response', schema name, example value) for every example."""
        out = []
        for op_id, op in self.operations.items():
            raw = self.raw["paths"][op.path][op.method]
            for side, body, schema in (
                ("request", raw.get("requestBody", {}), op.request_schema),
                ("response", raw.get("responses", {}).get("200", {}), op.response_schema),
            ):
                out += [
                    (op_id, side, schema or "", ex["value"])
                    for ex in _json(body).get("examples", {}).values()
                ]
        return out


def mappings(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a YAML/JSON tree, parents first (editable before their children)."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from mappings(v)
    elif isinstance(node, list):
        for v in node:
            yield from mappings(v)


def _json(container: dict[str, Any]) -> dict[str, Any]:
    return dict(container.get("content", {}).get("application/json", {}))


def _ref_name(container: dict[str, Any]) -> str | None:
    ref = _json(container).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _read_text(path: Path, shown: str, label: str) -> str:
    """A contract file's UTF-8 text, or a one-line SpecError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{label} is not UTF-8 text") from None


def read_yaml(path: Path, label: str) -> Any:
    """A YAML file of the contract, or a one-line SpecError."""
    text = _read_text(path, label, label)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        raise SpecError(f"{label} is not valid YAML") from None


# sha256 of spec texts already checked against the OpenAPI schema (by this process, or by the
# process that started it: a load run's Locust processes, which would each spend ~0.2 CPU s again)
ENV_SPECS_VALIDATED = "FACEHARNESS_SPECS_VALIDATED"
_validated: set[str] = set()


def validated_specs() -> str:
    """The value of ``$FACEHARNESS_SPECS_VALIDATED`` for a child process ("" if none)."""
    return ",".join(sorted(_validated))


def load_spec(path: Path) -> Spec:
    """Read and validate one spec; every failure is a one-line SpecError."""
    text = _read_text(path, f"spec {path}", f"spec {path.name}")
    digest = hashlib.sha256(text.encode()).hexdigest()
    validated = _validated | set(os.environ.get(ENV_SPECS_VALIDATED, "").split(","))
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"spec {path.name} is not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"spec {path.name} is not a mapping")
    if digest not in validated:  # the same text validates the same way: once per run
        from openapi_spec_validator import validate as validate_openapi

        _check_refs(raw, path.name)
        try:
            validate_openapi(raw)
        except Exception as exc:  # the validator raises several unrelated types
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpecError(f"spec {path.name} is not valid OpenAPI: {first}") from None
        _check_satisfiable(raw, path.name)
    if "api" not in raw.get("info", {}).get("x-faceharness", {}):
        raise SpecError(f"spec {path.name} lacks info.x-faceharness.api")
    _validated.add(digest)
    return Spec(path=path, raw=raw)


def _check_refs(raw: dict[str, Any], name: str) -> None:
    """Every ``$ref`` points inside the spec at something there, and no chain of them returns
    to itself. The OpenAPI validator passed a dangling one (`specs validate` said ok, `specs
    show` ended in "internal error: KeyError") and recursed without end on a cycle."""

    def target(ref: str) -> Any:
        """RFC 6901 in a URI fragment (RFC 3986): percent-decoded, ~1 and ~0 unescaped, and an
        array's element by its index (``.../parameters/0``), as every OpenAPI resolver reads it."""
        node: Any = raw
        for part in unquote(ref.removeprefix("#/")).split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and re.fullmatch(r"0|[1-9][0-9]*", part):
                if int(part) < len(node):
                    node = node[int(part)]
                    continue
            if not isinstance(node, dict) or part not in node:
                raise SpecError(f"spec {name}: $ref {ref!r} points at nothing in the spec")
            node = node[part]
        return node

    for node in mappings(raw):
        ref = node.get("$ref")
        if not isinstance(ref, str):
            continue
        if not ref.startswith("#/"):
            raise SpecError(f"spec {name}: $ref {ref!r} is not a reference inside the spec (#/...)")
        seen = {ref}
        while isinstance(nxt := target(ref), dict) and isinstance(nxt.get("$ref"), str):
            if (ref := nxt["$ref"]) in seen:
                raise SpecError(f"spec {name}: $ref {ref!r} refers to itself through $refs alone")
            if not ref.startswith("#/"):
                break  # named by its own node's check
            seen.add(ref)


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v == int(v),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# keys whose value is no schema of its own (a value, a list of names, a schema's negation)
_NOT_SCHEMAS = frozenset({"enum", "const", "default", "example", "examples", "not", "required"})


def _check_satisfiable(raw: dict[str, Any], name: str) -> None:
    """No schema of the spec contradicts itself where one look shows it (minLength over
    maxLength, an enum none of whose values has the schema's type, length and pattern, a
    pattern longer than maxLength, a required property additionalProperties false forbids).
    The OpenAPI validator passes such a spec ("ok"), and every suite then reads every request
    as invalid, so a valid request expected accepted cannot be built (session 28's audit)."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if why := _unsatisfiable(node):
                raise SpecError(f"spec {name}: the schema at {where} admits no value: {why}")
            for key, value in node.items():
                if key not in _NOT_SCHEMAS and not str(key).startswith("x-"):
                    walk(value, f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(raw, "#")


def _number(value: Any) -> float | None:
    """``value`` when it is a JSON number (not a boolean), else None."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _unsatisfiable(node: dict[str, Any]) -> str | None:
    """Why no value fits ``node`` alone (its own keywords, not its subschemas), or None."""
    for low, high in (("minLength", "maxLength"), ("minItems", "maxItems"),
                      ("minProperties", "maxProperties")):  # fmt: skip
        lo, hi = _number(node.get(low)), _number(node.get(high))
        if lo is not None and hi is not None and lo > hi:
            return f"{low} {lo} > {high} {hi}"
    if why := _empty_range(node):
        return why
    kind = node.get("type")
    types = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else None
    if types is not None and all(isinstance(t, str) and t in _JSON_TYPES for t in types):
        named: list[str] = types
    else:
        named = list(_JSON_TYPES)
    pattern, longest = node.get("pattern"), _number(node.get("maxLength"))
    shortest_len = _number(node.get("minLength"))
    if isinstance(pattern, str) and longest is not None:
        shortest = _shortest_match(pattern)
        if shortest is not None and shortest > longest:
            return (
                f"pattern {pattern!r} matches no string under {shortest} characters, "
                f"maxLength {longest}"
            )

    def fits(value: Any) -> bool:
        if not any(_JSON_TYPES[t](value) for t in named):
            return False
        if isinstance(value, str):
            if shortest_len is not None and len(value) < shortest_len:
                return False
            if longest is not None and len(value) > longest:
                return False
            if isinstance(pattern, str):
                try:
                    return re.search(pattern, value) is not None
                except re.error:  # the validator named it
                    return True
        return True

    enum = node.get("enum")
    if isinstance(enum, list) and enum and not any(fits(v) for v in enum):
        return f"no value of its enum {enum!r:.80} fits its type, length and pattern"
    if "const" in node and not isinstance(node.get("const"), dict) and not fits(node["const"]):
        return f"its const {node['const']!r:.80} does not fit its type, length and pattern"
    required, props = node.get("required"), node.get("properties", {})
    if isinstance(required, list) and isinstance(props, dict):
        if node.get("additionalProperties") is False and "patternProperties" not in node:
            if missing := [r for r in required if isinstance(r, str) and r not in props]:
                return (
                    f"required property {missing[0]!r} is not among its properties and "
                    "additionalProperties is false"
                )
        most = _number(node.get("maxProperties"))
        if most is not None and len({str(r) for r in required}) > most:
            return f"{len(set(map(str, required)))} required properties > maxProperties {most}"
    return None


def _empty_range(node: dict[str, Any]) -> str | None:
    """minimum over maximum, or equal with either exclusive (OpenAPI 3.0's booleans, 3.1's
    numbers)."""
    lows: list[tuple[float, bool, str]] = []
    highs: list[tuple[float, bool, str]] = []
    for key, bounds, strict in (("minimum", lows, "exclusiveMinimum"),
                                ("maximum", highs, "exclusiveMaximum")):  # fmt: skip
        if (bound := _number(node.get(key))) is not None:
            bounds.append((bound, node.get(strict) is True, key))
        if (bound := _number(node.get(strict))) is not None:
            bounds.append((bound, True, strict))
    for lo, lo_strict, lo_key in lows:
        for hi, hi_strict, hi_key in highs:
            if lo > hi or (lo == hi and (lo_strict or hi_strict)):
                return f"{lo_key} {lo} and {hi_key} {hi} leave no number"
    return None


def _shortest_match(pattern: str) -> int | None:
    """The fewest characters a match of ``pattern`` spans (Python's reading of it), or None."""
    try:
        import re._parser as sre_parse  # CPython 3.11+; the public re has no such measure

        return int(sre_parse.parse(pattern).getwidth()[0])
    except Exception:  # noqa: BLE001 - an odd pattern is the validator's to name, or fine
        return None


CATEGORIES = tuple("success auth quota input image_quality liveness business internal".split())
ABOUT = ("images", "caller")  # what a refusal describes (``Code.about``)
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
    # what a refusal with this code describes: "images" (the bytes presented: quality, liveness,
    # an image parameter) or "caller" (the account, its configuration, risk control, the
    # moment). The accuracy suite counts a genuine pair refused about its images in FRR and
    # caches that refusal as final; a refusal about the caller is neither (codes.yaml ``about``)
    about: str = "caller"

    @property
    def value(self) -> int | str:
        """The code as the envelope carries it: a string for JD gateway codes, else an integer."""
        return self.code if self.where == "gateway" else int(self.code)

    @property
    def msg_prefix(self) -> str:
        """The text a message must begin with: the document text without a trailing "!" (E-027)."""
        return self.zh.split(" / ")[0].rstrip("!！")

    def describe(self) -> str:
        flag = "" if self.documented else f" [decided by faceharness, {self.errata or ''}]"
        retry = "retryable" if self.retryable else "not retryable"
        head = f"{self.api} {self.where} {self.code}: {self.en} ({self.zh})"
        return f"{head}; {self.category}, {retry}{flag}"


class CodeTable:
    """Lookup by (api, where, code); codes are compared as strings so 1155 and "1155" agree."""

    def __init__(
        self,
        codes: list[Code],
        shadowed: tuple[Code, ...] = (),
        own: frozenset[tuple[str, str, str]] = frozenset(),
        source: str = "codes.yaml",  # the file a duplicate is named in
    ) -> None:
        self.shadowed = shadowed  # codes.yaml rows a team's table replaced: still found by meaning
        self.own = own  # the keys of a team's own rows (``--codes``)
        self._by_key: dict[tuple[str, str, str], Code] = {}
        self._by_name: dict[tuple[str, str], Code] = {}
        # what code_for searches: codes.yaml's rows, not a team's (``own``: their keys)
        self._ours = [c for c in codes if (c.api, c.where, c.code) not in own]
        for c in codes:
            key = (c.api, c.where, c.code)
            if key in self._by_key:
                raise SpecError(f"{source}: code {c.code} appears twice for {c.api} {c.where}")
            self._by_key[key] = c
            if c.name is not None:
                if (c.api, c.name) in self._by_name:
                    raise SpecError(f"{source}: name {c.name!r} appears twice for {c.api}")
                self._by_name[(c.api, c.name)] = c
        self.codes: tuple[Code, ...] = tuple(codes)

    def get(self, api: str, where: str, code: object) -> Code | None:
        return self._by_key.get((api, where, str(code)))

    def named(self, api: str, name: str) -> Code:
        """The entry of that symbolic name (``named("jd", "bad_sign")``)."""
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
        """The single codes.yaml entry whose English meaning starts with the text: the harness
        names its own codes by meaning, so a team's row (``--codes``) that means the same (its
        ``4290: too many requests`` beside 42900) is not a second answer, and a row it replaced
        is still found."""

        def means(c: Code) -> bool:
            return (c.api, c.where) == (api, where) and c.en.startswith(en_startswith)

        hits = [*filter(means, [*self._ours, *self.shadowed])]
        if len(hits) != 1:
            raise SpecError(
                f"codes.yaml: expected one {api} {where} code meaning {en_startswith!r}, found "
                f"{len(hits)}"
            )
        return hits[0]

    def __len__(self) -> int:
        return len(self.codes)


def merge_codes(table: CodeTable, path: Any) -> CodeTable:
    """``table`` with a team's own codes (``--codes FILE``, codes.yaml's rows) merged over it."""
    raw = read_yaml(path, f"--codes {path}")
    if isinstance(raw, dict) and isinstance(raw.get("codes"), list):
        for row in raw["codes"]:
            if isinstance(row, dict):
                row.update({"documented": False, "retryable": False, "api": "match"} | row)
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
        seed = merged.get(key)
        if seed is not None and seed.documented and c.category != seed.category:
            raise SpecError(  # a team's table names its own codes; the documents' stay theirs
                f"--codes {path}: {c.api} {c.where} {c.code} is documented as {seed.category} "
                f"({seed.en}); a team's table may word it, not make it {c.category}"
            )
        if c.name is None and key in merged:  # a replaced row keeps its name
            c = dataclasses.replace(c, name=merged[key].name)
        merged[key] = c
    own_keys = frozenset((c.api, c.where, c.code) for c in own.codes)
    return CodeTable(list(merged.values()), shadowed, own_keys, f"codes.yaml with --codes {path}")


def _check_types(row: dict[str, Any], where: str) -> None:
    """Each field of a code row of the type it is read as: a list, a mapping or a null was made
    a code ``None`` or a text ``['a']``, ``retryable: maybe`` true, and ``variants: 7`` or a
    mapping's ``api`` ended the command in "internal error: TypeError"."""

    def wrong(key: str, expected: str) -> SpecError:
        return SpecError(f"{where}: {key} {row[key]!r} is not {expected}")

    code = row["code"]
    if isinstance(code, bool) or not isinstance(code, int | str) or not str(code).strip():
        raise wrong("code", "an integer or a string")
    if row["where"] != "gateway" and not re.fullmatch(r"-?[0-9]+", str(code).strip()):
        raise wrong("code", f"an integer ({row['api']} {row['where']} codes are numbers)")
    for key in ("category", "zh", "en"):
        if not isinstance(row[key], str | int) or isinstance(row[key], bool):
            raise wrong(key, "a string")
    for key in ("retryable", "documented"):
        if not isinstance(row[key], bool):
            raise wrong(key, "true or false")
    for key in ("name", "errata", "about"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise wrong(key, "a string")
    variants = row.get("variants") or []
    if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
        raise wrong("variants", "a list of strings")


def parse_codes(raw: Any, source: str) -> CodeTable:
    if not isinstance(raw, dict) or not isinstance(raw.get("codes"), list):
        raise SpecError(f"{source}: expected a mapping with a 'codes' list")
    out: list[Code] = []
    for i, row in enumerate(raw["codes"]):
        where = f"{source}: entry {i + 1}"
        if not isinstance(row, dict):
            raise SpecError(f"{where} is not a mapping")
        if missing := _FIELDS - row.keys():
            raise SpecError(f"{where} lacks {', '.join(sorted(missing))}")
        places = _WHERE_BY_API.get(row["api"]) if isinstance(row["api"], str) else None
        if not places or not isinstance(row["where"], str) or row["where"] not in places:
            raise SpecError(f"{where}: api/where {row['api']}/{row['where']} is not a known place")
        _check_types(row, where)
        if row["category"] not in CATEGORIES:
            raise SpecError(
                f"{where}: category {row['category']!r} is not one of {', '.join(CATEGORIES)}"
            )
        if row["where"] == "gateway" and not isinstance(row["code"], str):
            raise SpecError(f"{where}: JD gateway codes are strings, got {row['code']!r}")
        fields: dict[str, Any] = {k: row[k] for k in ("api", "where", "category")}
        fields |= {k: str(row[k]) for k in ("code", "zh", "en")}
        fields |= {k: bool(row[k]) for k in ("retryable", "documented")}
        variants = tuple(str(v) for v in row.get("variants", ()) or ())
        name = None if row.get("name") is None else str(row["name"])
        # unset: a quality code is about the images, any other about the caller (no false red)
        about = row.get("about", "images" if row["category"] == "image_quality" else "caller")
        if about not in ABOUT:
            raise SpecError(f"{where}: about {about!r} is not one of {', '.join(ABOUT)}")
        out.append(
            Code(**fields, errata=row.get("errata"), variants=variants, name=name, about=about)
        )
    return CodeTable(out, source=source)


_HEADING = re.compile(r"^## (E-\d{3}) (.+)$", re.M)


@dataclass(frozen=True, slots=True)
class Erratum:
    id: str
    title: str
    body: str


def parse_errata(text: str, source: str) -> tuple[Erratum, ...]:
    heads = list(_HEADING.finditer(text))
    if not heads:
        raise SpecError(f"{source}: no '## E-NNN title' entries found")
    ends = [m.start() for m in heads[1:]] + [len(text)]
    out = [Erratum(m[1], m[2].strip(), text[m.end() : end].strip()) for m, end in zip(heads, ends)]
    ids = [e.id for e in out]
    if dupes := sorted({x for x in ids if ids.count(x) > 1}):
        raise SpecError(f"{source}: errata ids used twice: {', '.join(dupes)}")
    return tuple(out)


# --- readings (`specs/readings.yaml`): only a reading a policy requires makes a finding ------
Which = Literal["default", "alternative"]
Observed = Literal["default", "alternative", "mixed", "not-exercised"]
WHICH: tuple[str, ...] = get_args(Which)


@dataclass(frozen=True, slots=True)
class Alternative:
    name: str
    says: str
    quote: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One ambiguous erratum: the default reading and the plausible alternatives."""

    id: str
    title: str
    seed: str
    default: Alternative
    alternatives: tuple[Alternative, ...]
    observed_by: tuple[str, ...] = ()
    emulator: bool = False
    safe_limit: int | None = None  # a limit's largest value within every reading
    emulator_serves: str = ""  # the concrete member of the alternative the emulator serves
    suites: tuple[str, ...] = ("conformance", "fuzz")  # whose requests tell the readings apart
    family: bool = False  # independent limits: a lenient target may be seen "mixed"

    def names(self) -> tuple[str, ...]:
        return (self.default.name, *(a.name for a in self.alternatives))

    def line(self, seen: str, counts: Mapping[str, int], required: str = "") -> str:
        """The line conform, fuzz and the gate print for what a run saw (docs/readings.md)."""
        # every alternative named: one count covers them all (E-013's two, E-028's, E-078's)
        others = " or ".join(a.name for a in self.alternatives)
        names = {"default": self.default.name, "alternative": others}
        return (
            f"reading {self.id}: {seen} ({names.get(seen, seen)}), default "
            f"x{counts.get('default', 0)} alternative x{counts.get('alternative', 0)}{required}: "
            f"{self.title}"
        )


# the optional keys of a readings.yaml entry, each read as its Reading field
_READING_FIELDS: dict[str, Callable[[Any], Any]] = dict(
    observed_by=tuple,
    emulator=bool,
    emulator_serves=str,
    suites=tuple,
    family=bool,
    safe_limit=lambda v: None if v is None else int(v),
)


def parse_readings(raw: Any, source: str, errata_ids: set[str]) -> dict[str, Reading]:
    if not isinstance(raw, dict) or not isinstance(raw.get("readings"), dict):
        raise SpecError(f"{source}: expected a mapping with 'readings'")
    out: dict[str, Reading] = {}
    for rid, entry in raw["readings"].items():
        if rid not in errata_ids:
            raise SpecError(f"{source}: {rid} is not an erratum of ERRATA.md")
        try:
            default = Alternative(**entry["default"])
            alternatives = tuple(Alternative(**a) for a in entry["alternatives"])
            out[rid] = Reading(
                rid,
                str(entry["title"]),
                str(entry["seed"]),
                default,
                alternatives,
                **{k: read(entry[k]) for k, read in _READING_FIELDS.items() if k in entry},
            )
        except (KeyError, TypeError) as exc:
            raise SpecError(f"{source}: {rid}: malformed entry ({exc})") from None
        if not alternatives:
            raise SpecError(f"{source}: {rid} lists no alternative reading")
    return out


def check_required(
    required: Mapping[str, str], readings: Mapping[str, Reading], source: str
) -> dict[str, str]:
    """A ``[readings]`` table: erratum id -> "default" | "alternative" (or a reading's name)."""
    out: dict[str, str] = {}
    for rid, value in required.items():
        if rid not in readings:
            raise SpecError(
                f"{source}: [readings] {rid}: not an ambiguous erratum; known: "
                f"{', '.join(sorted(readings))}"
            )
        reading = readings[rid]
        if value == reading.default.name:
            value = "default"
        elif any(value == a.name for a in reading.alternatives):
            value = "alternative"
        if value not in WHICH:
            raise SpecError(
                f"{source}: [readings] {rid} = {value!r}: expected 'default', 'alternative' "
                f"or one of {', '.join(reading.names())}"
            )
        out[rid] = value
    return out


class ReadingLog:
    """What one run saw of each reading: counts per side and the first example of each
    (thread-safe: schemathesis may call rules from worker threads)."""

    def __init__(self, required: Mapping[str, str] | None = None) -> None:
        self.required: dict[str, str] = dict(required or {})
        self._seen: dict[str, tuple[dict[str, int], dict[str, str]]] = {}  # counts, examples
        self._lock = threading.Lock()

    def observe(self, erratum: str, which: Which, example: str = "") -> None:
        """Count one answer; ``example`` quotes it (`conform --reading ID=...` reproduces it)."""
        self._add(erratum, {which: 1}, {which: example[:300]} if example else {})

    def merge(self, other: ReadingLog) -> None:
        for rid, (counts, examples) in other._copy().items():
            self._add(rid, counts, examples)

    def _add(self, rid: str, counts: Mapping[str, Any], examples: Mapping[str, str]) -> None:
        with self._lock:
            mine, first = self._seen.setdefault(rid, (dict.fromkeys(WHICH, 0), {}))
            for which in WHICH:
                mine[which] += int(counts.get(which, 0))
            for which, text in examples.items():
                first.setdefault(which, text)

    def _copy(self) -> dict[str, tuple[dict[str, int], dict[str, str]]]:
        with self._lock:
            return {rid: (dict(c), dict(e)) for rid, (c, e) in self._seen.items()}

    def mismatch(self, erratum: str, which: Which) -> bool:
        wanted = self.required.get(erratum)
        return wanted is not None and wanted != which

    def observed(self, erratum: str) -> Observed:
        counts = self._copy().get(erratum, ({},))[0]
        if not any(counts.values()):
            return "not-exercised"
        if counts["default"] and counts["alternative"]:
            return "mixed"
        return "default" if counts["default"] else "alternative"

    def evidence(self, erratum: str) -> dict[str, Any]:
        if (seen := self._copy().get(erratum)) is None:
            return {}
        counts, examples = seen
        out: dict[str, Any] = {"counts": counts}
        if examples:
            out["example"] = examples.get("alternative") or examples.get("default")
        return out

    def errata(self, contract: Contract) -> list[Entry]:
        """``summary.json`` errata, the ambiguous ones with what this run observed."""
        from harness.results import Erratum as Entry

        out = []
        for e in contract.errata:
            seen: dict[str, Any] = {}
            if e.id in contract.readings:
                wanted = self.required.get(e.id)
                seen = {"observed": self.observed(e.id), "evidence": self.evidence(e.id)}
                seen["required"] = wanted if wanted in WHICH else None
            out.append(Entry(id=e.id, title=e.title, **seen))
        return out

    def lines(self, contract: Contract) -> list[str]:
        out = []
        for rid, reading in contract.readings.items():
            seen = self.observed(rid)
            if seen == "not-exercised":
                continue
            out.append(reading.line(seen, self.evidence(rid).get("counts", {})))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            rid: {"observed": self.observed(rid), **self.evidence(rid)}
            for rid in sorted(self._copy())
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ReadingLog:
        """Back from ``to_dict`` (suite metrics), so the gate can merge suites' logs."""
        log = cls()
        for rid, entry in (data or {}).items():
            counts = entry.get("counts", {}) if isinstance(entry, dict) else {}
            example = entry.get("example") if isinstance(entry, dict) else None
            which = "alternative" if int(counts.get("alternative", 0)) else "default"
            log._add(rid, counts, {which: str(example)} if example else {})
        return log


def observe_reading(
    log: ReadingLog | None, erratum: str, follows_default: bool, example: str
) -> str | None:
    """Record which reading of ``erratum`` an answer follows (``example`` quotes an alternative);
    the words a finding adds when the policy requires the other reading, else None."""
    if log is None:
        return None
    which: Which = "default" if follows_default else "alternative"
    log.observe(erratum, which, "" if follows_default else example)
    if not log.mismatch(erratum, which):
        return None
    other = "alternative" if follows_default else "default"
    return f" (the policy requires the {other} reading of {erratum})"


def reading_lines(readings: Mapping[str, Any] | None) -> list[str]:
    """Console lines, one per reading a run exercised, from suite metrics ``readings``."""
    return ReadingLog.from_dict(readings).lines(load_contract()) if readings else []


def not_fixed(right: str) -> list[str]:
    """Values of a 固定值 field that differ from ``right`` under every reading (E-044): one
    character appended (a service testing ``startsWith``), the last one dropped (one comparing
    ``appAuthorityKey`` without its base64 padding, or one character short), the first replaced,
    another word, and each '+' a space (session 25: one undoing a form decoder's '+' -> ' ' on
    every value takes ``sADsk3 58E9...``), and the URL-safe base64 alphabet's '-' and '_' for
    '+' and '/' (session 27: one reading both alphabets takes ``sADsk3-58E9yf_...``). Never
    another letter case: a case-insensitive lookup breaks no sentence."""
    values = sorted({right + "X", right[:-1], "X" + right[1:], "other"} - {right, ""})
    # appended last, in this order: a replay file names a variant by its index here
    for near in (right.replace("+", " "), right.replace("+", "-").replace("/", "_")):
        if near not in (right, *values):
            values.append(near)
    return values


def same_key_bytes(right: str, value: str) -> bool:
    """Whether ``value``, another spelling than ``right``, is the same bytes to a lenient base64
    decoder, ``right`` being a 固定值 in standard padded base64 (appAuthorityKey): URL-safe
    base64's '-' and '_' for '+' and '/', its padding dropped in part or whole (E-055's
    compared-as-bytes: Node's ``Buffer.from(x, 'base64')`` reads both). Never other bytes, a
    space or another character: those differ under every reading."""
    if value == right or not _STANDARD_B64.fullmatch(right) or len(right) % 4:
        return False
    bare = value.replace("-", "+").replace("_", "/").rstrip("=")
    if not _STANDARD_B64.fullmatch(bare):
        return False
    try:
        return base64.b64decode(bare + "=" * (-len(bare) % 4)) == base64.b64decode(right)
    except binascii.Error:  # a length no base64 has (4n + 1 characters)
        return False


_STANDARD_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def jd_sign(secretkey: str, timestamp_ms: int | str) -> str:
    """Lowercase hex MD5 of the secretkey immediately followed by the decimal timestamp as sent."""
    return str(md5(f"{secretkey}{timestamp_ms}".encode()).hexdigest())


def jd_auth_params(
    appkey: str, secretkey: str, *, clock: Callable[[], float] = time.time
) -> dict[str, str]:
    """Fresh query parameters for one request; a signature is valid for five minutes only."""
    ts = int(clock() * 1000)
    return {"appkey": appkey, "timestamp": str(ts), "sign": jd_sign(secretkey, ts)}


T = TypeVar("T")
SPEC_FILES = {"match": "face-match.openapi.yaml", "jd": "jd-face-compare.openapi.yaml"}
# the operations faceharness sends, serves and judges, by their operationId in each spec
OPERATION_IDS = {
    "match": ("match", "matchIdno", "liveCode", "asyncResult"),
    "jd": ("faceCompareNew",),
}


def _fact(api: str, key: str, read: Callable[[Any], T]) -> cached_property[T]:
    """A document-level fact of the ``api``'s spec (``info.x-faceharness``), read once."""
    return cached_property(lambda self: read(getattr(self, api).facts[key]))


@dataclass(frozen=True)
class Contract:
    specs_dir: Path
    match: Spec
    jd: Spec
    codes: CodeTable
    errata: tuple[Erratum, ...]
    # specs/readings.yaml, by erratum id
    readings: dict[str, Reading] = field(default_factory=dict, hash=False, compare=False)

    def spec(self, api: str) -> Spec:
        if api not in ("match", "jd"):
            raise SpecError(f"unknown api {api!r}; expected 'match' or 'jd'")
        return self.match if api == "match" else self.jd

    @cached_property
    def operations(self) -> dict[str, Operation]:
        return {**self.match.operations, **self.jd.operations}

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SpecError(
                f"no operation {operation_id!r}; known: {', '.join(sorted(self.operations))}"
            ) from None

    def property_schema(self, api: str, schema: str, prop: str) -> dict[str, Any]:
        return dict(self.spec(api).schemas[schema]["properties"][prop])

    def enum(self, api: str, schema: str, prop: str) -> tuple[str, ...]:
        return tuple(self.property_schema(api, schema, prop)["enum"])

    # --- facts the rest of the code needs, each read from the specs ----------------------
    # (the immutable ones cached: the emulator reads several on every request)
    match_base64_max_chars = _fact("match", "base64_max_chars", int)
    jd_image_max_bytes = _fact("jd", "image_max_bytes", int)
    jd_image_formats = _fact("jd", "image_formats", tuple)
    jd_face_img_types = _fact("jd", "face_img_types", tuple)  # sent when acceptance is due
    jd_success_code = _fact("jd", "success_code", str)
    jd_not_same_person_code = _fact("jd", "not_same_person_code", int)
    jd_timestamp_window_ms = _fact("jd", "timestamp_window_s", lambda s: int(s) * 1000)
    jd_threshold_fmr = _fact("jd", "threshold_keys", lambda d: {k: float(v) for k, v in d.items()})

    @property
    def match_base64_safe_chars(self) -> int:
        """The most base64 text within "400k" under every reading (E-012)."""
        safe = self.readings["E-012"].safe_limit if "E-012" in self.readings else None
        return min(self.match_base64_max_chars, safe or self.match_base64_max_chars)

    @cached_property
    def jd_success_codes(self) -> frozenset[str]:
        """Every gateway code that reads as JD's success (category ``success`` in codes.yaml):
        the example's "10000", which the emulator answers, and the table's "1000" (E-002)."""
        return _Codes(
            str(c.code)
            for c in self.codes.codes
            if c.api == "jd" and c.where == "gateway" and c.category == "success"
        )

    @property
    def jd_image_safe_bytes(self) -> int:
        """The largest decoded image "小于5M" under every reading (E-020)."""
        safe = self.readings["E-020"].safe_limit if "E-020" in self.readings else None
        return min(self.jd_image_max_bytes - 1, safe or self.jd_image_max_bytes)

    @property
    def match_far_claims(self) -> list[tuple[float, float]]:
        return [(float(c["score"]), float(c["fmr"])) for c in self.match.facts["far_claims"]]

    @cached_property
    def score_ranges(self) -> dict[str, tuple[float, float]]:
        """Each API's documented score scale: /match's points 0..100, JD's similarity 0..1
        (E-004). A score outside it is no answer on that scale."""
        score = self.property_schema("jd", "BusinessResult", "score")
        low, high = self.match.facts["score_range"]
        return {
            "match": (float(low), float(high)),
            "jd": (float(score["minimum"]), float(score["maximum"])),
        }

    def success_threshold(self, operation_id: str) -> float:
        return float(self.operation(operation_id).facts["success_threshold"])

    @property
    def livecode_pattern(self) -> str:
        return str(self.match.schemas["LiveCode"]["pattern"])

    @property
    def jd_fixed_fields(self) -> dict[str, str]:
        props = self.jd.schemas["CompareRequest"]["properties"]
        return {k: v["const"] for k, v in props.items() if "const" in v}

    @cached_property
    def jd_collection_bounds(self) -> tuple[int, int]:
        s = self.jd.schemas["CompareRequest"]["properties"]["collectionImageItems"]
        return int(s["minItems"]), int(s["maxItems"])

    def code_named(self, api: str, name: str) -> Any:
        """The code of that symbolic name as the envelope carries it (``"10047"`` for ``"jd",
        "bad_sign"``): never a numeric literal in code."""
        return self.codes.named(api, name).value

    def code(self, api: str, where: str, code: object) -> Code:
        if (found := self.codes.get(api, where, code)) is None:
            raise SpecError(f"code {code} is not in codes.yaml for {api} {where}")
        return found


ENV_CODES = "FACEHARNESS_CODES"


def load_contract(specs_dir: Path | None = None, codes: Path | None = None) -> Contract:
    """Load and cross-check everything under `specs_dir`; raises SpecError with one line.
    ``codes`` (else ``$FACEHARNESS_CODES``, set by ``--codes FILE``): a team's own codes (E-014).
    """
    extra = codes or (Path(os.environ[ENV_CODES]) if os.environ.get(ENV_CODES) else None)
    if not specs_dir:  # $FACEHARNESS_SPECS, else the repository's specs/ beside `harness`
        env = os.environ.get("FACEHARNESS_SPECS")
        specs_dir = Path(env) if env else Path(__file__).resolve().parents[2] / "specs"
    return _load(str(specs_dir.resolve()), str(extra.resolve()) if extra else None)


@lru_cache(maxsize=4)
def _load(specs_dir: str, codes_file: str | None = None) -> Contract:
    root = Path(specs_dir)
    if not root.is_dir():
        raise SpecError(f"specs directory {root} does not exist (set --specs or FACEHARNESS_SPECS)")
    specs = {api: load_spec(root / name) for api, name in SPEC_FILES.items()}
    for api, spec in specs.items():
        if spec.api != api:
            raise SpecError(f"{spec.path.name} declares api {spec.api!r}, expected {api!r}")
    codes = parse_codes(read_yaml(root / "codes.yaml", "codes.yaml"), "codes.yaml")
    if codes_file is not None:
        codes = merge_codes(codes, Path(codes_file))
    errata_path = root / "ERRATA.md"
    text = _read_text(errata_path, str(errata_path), errata_path.name)
    errata = parse_errata(text, errata_path.name)
    path = root / "readings.yaml"
    ids = {e.id for e in errata}
    readings = parse_readings(read_yaml(path, path.name), path.name, ids) if path.is_file() else {}
    contract = Contract(root, specs["match"], specs["jd"], codes, errata, readings)
    _cross_check(contract)
    return contract


def _cross_check(c: Contract) -> None:
    """Facts that must agree between files."""
    known = {e.id for e in c.errata}
    for spec in (c.match, c.jd):
        expected = OPERATION_IDS[spec.api]
        if unknown := sorted(set(spec.operations) - set(expected)):
            raise SpecError(
                f"{spec.path.name}: operationId {unknown[0]!r} is not one faceharness knows; "
                f"expected {', '.join(expected)}"
            )
        if missing := [op for op in expected if op not in spec.operations]:
            raise SpecError(f"{spec.path.name} lacks the operation with operationId {missing[0]!r}")
        for cited in _cited_errata(spec.raw):
            if cited not in known:
                raise SpecError(f"{spec.path.name} cites {cited}, which ERRATA.md does not define")
        for cited in _cited_errata(spec.raw, "x-reading"):
            if cited not in c.readings:
                raise SpecError(
                    f"{spec.path.name} marks a limit as reading {cited}, which readings.yaml does "
                    "not list"
                )
    for code in c.codes.codes:
        if code.errata and code.errata not in known:
            raise SpecError(
                f"codes.yaml cites {code.errata} for code {code.code}, which ERRATA.md does not "
                "define"
            )
    if c.codes.get("jd", "gateway", c.jd_success_code) is None:
        raise SpecError(f"JD success code {c.jd_success_code} is missing from codes.yaml")
    if c.codes.get("match", "errcode", c.match.facts["success_code"]) is None:
        raise SpecError("the internal API's success code is missing from codes.yaml")


def _cited_errata(node: Any, key: str = "x-errata") -> set[str]:
    return {str(x) for n in mappings(node) if isinstance(n.get(key), list) for x in n[key]}
