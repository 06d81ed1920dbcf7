"""Append-only JSONL store of raw outcomes, so an interrupted run resumes where it stopped.

Accuracy runs need thousands of calls to a metered service; losing them to a Ctrl-C or a
dropped connection is expensive. Each finished pair is one line, flushed at once, keyed by
``(target, api, pair key)``; a re-run with the same cache makes no call for those pairs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Self

from ..errors import InputError
from ._outcome import Outcome

CacheKey = tuple[str, str, str]


class OutcomeCache:
    """Outcomes by ``(target, api, pair key)``, loaded from and appended to ``path``.

    A last line cut short by an interrupted write is dropped (and trimmed from the file, so
    the next append starts on a fresh line); a bad line anywhere else means the file is not
    ours or was edited, and loading stops with an :class:`InputError`. A key seen twice
    keeps its latest outcome.

    Example:
        ``with OutcomeCache(run_dir / "accuracy-cache.jsonl") as cache: ...``
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[CacheKey, Outcome] = {}
        self._handle: IO[str] | None = None
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        for number, raw in enumerate(lines, start=1):
            if raw.strip():
                self._entries.update([self._parse(raw, number)])
        if tail.strip():
            try:
                self._entries.update([self._parse(tail, len(lines) + 1)])
            except InputError:
                with self.path.open("r+b") as handle:  # interrupted write: drop the fragment
                    handle.truncate(len(data) - len(tail))
            else:
                with self.path.open("ab") as handle:  # complete record, newline lost
                    handle.write(b"\n")

    def _parse(self, raw: bytes, number: int) -> tuple[CacheKey, Outcome]:
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise TypeError("not an object")
            key = (record["target"], record["api"], record["pair"])
            if not all(isinstance(part, str) for part in key):
                raise TypeError("target, api and pair must be strings")
            return key, Outcome.from_dict(record)
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(
                f"{self.path} line {number}: not an outcome record ({exc}); "
                "delete the file to start the run afresh"
            ) from None

    def get(self, target: str, api: str, pair: str) -> Outcome | None:
        return self._entries.get((target, api, pair))

    def put(self, target: str, api: str, pair: str, outcome: Outcome) -> None:
        """Record and persist one outcome before returning, so a crash right after keeps it."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        record = {"target": target, "api": api, "pair": pair, **outcome.to_dict()}
        self._handle.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
        self._handle.flush()
        self._entries[(target, api, pair)] = outcome

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
