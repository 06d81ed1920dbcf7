"""Contract coverage of a run: operations exercised, documented codes seen and never seen.

Sources, the same for every target: what the client side saw, summed over the suites.

* conformance and fuzz count their own requests and answers: requests by operationId
  (conformance ``metrics["by_operation"]``, fuzz ``metrics["requests_by_operation"]``) and
  codes (``metrics["codes"]``: ``api:where:code`` counters, as both suites record them);
* the load suite's ``errors_by_code`` labels (``"MATCH 42900"``, ``"JD 10043"``,
  ``"JD-BIZ 1155"``) add codes per API (load runs its own emulator).

The emulator's own counters (``/_emulator/stats``) are not used: a suite may reset them
(fuzz's quota machine does, for a fresh daily quota), and a live service has none, so one
source serves both kinds of target.

Codes are written ``where:code`` (``errcode:40002``, ``gateway:10043``, ``business:1155``).
An API with one operation gets its codes on that operation's row; an API with several
(the internal API shares one ``errcode`` table among them) gets a row
``"<api>: all operations"`` holding its codes, after rows with each operation's requests.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from harness.contract import Contract
from harness.results import Coverage, OperationCoverage, SuiteResult

_LOAD_LABEL = re.compile(r"^(MATCH|JD|JD-BIZ) (-?\d+)\b")
_LOAD_PLACE = {"MATCH": ("match", "errcode"), "JD": ("jd", "gateway"), "JD-BIZ": ("jd", "business")}


class CoverageTally:
    """Requests per operation and codes per API."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.requests: Counter[str] = Counter()
        self.api_codes: dict[str, Counter[str]] = defaultdict(Counter)

    def add_api_codes(self, codes: Mapping[str, Any]) -> None:
        """Counters keyed ``api:where:code`` (conformance's and fuzz's ``count_codes``)."""
        for key, count in codes.items():
            api, _, rest = str(key).partition(":")
            if api in ("match", "jd") and ":" in rest:
                self.api_codes[api][rest] += int(count)

    def add_suite_report(self, result: SuiteResult) -> None:
        """What a suite counted itself (see the module docstring)."""
        metrics = result.metrics if isinstance(result.metrics, dict) else {}
        by_operation = metrics.get("by_operation") or metrics.get("requests_by_operation") or {}
        for op, count in by_operation.items():
            if op in self.contract.operations:
                self.requests[op] += int(count)
        self.add_api_codes(metrics.get("codes") or {})

    def add_load_codes(self, errors_by_code: Mapping[str, Any]) -> None:
        for label, count in errors_by_code.items():
            m = _LOAD_LABEL.match(str(label))
            if m:
                api, where = _LOAD_PLACE[m.group(1)]
                self.api_codes[api][f"{where}:{m.group(2)}"] += int(count)

    def coverage(self) -> Coverage:
        rows: list[OperationCoverage] = []
        for api in ("match", "jd"):
            ops = [op for op in self.contract.operations.values() if op.api == api]
            documented = [f"{c.where}:{c.code}" for c in self.contract.codes.of(api)]
            observed: Counter[str] = Counter(self.api_codes[api])
            if len(ops) == 1:
                op = ops[0]
                rows.append(
                    OperationCoverage(
                        operation=op.operation_id,
                        api=api,
                        method=op.method.upper(),
                        path=op.path,
                        requests=self.requests[op.operation_id],
                        documented_codes=documented,
                        observed_codes=_ordered(observed, documented),
                    )
                )
                continue
            for op in ops:
                rows.append(
                    OperationCoverage(
                        operation=op.operation_id,
                        api=api,
                        method=op.method.upper(),
                        path=op.path,
                        requests=self.requests[op.operation_id],
                    )
                )
            rows.append(
                OperationCoverage(
                    operation=f"{api}: all operations",
                    api=api,
                    requests=sum(self.requests[op.operation_id] for op in ops),
                    documented_codes=documented,
                    observed_codes=_ordered(observed, documented),
                )
            )
        return Coverage(operations=rows)


def build_coverage(contract: Contract, suites: Iterable[SuiteResult]) -> Coverage:
    """Coverage from what the suites report."""
    tally = CoverageTally(contract)
    for result in suites:
        if result.name in ("conformance", "fuzz"):
            tally.add_suite_report(result)
        if result.name == "load" and result.metrics is not None:
            codes = getattr(result.metrics, "errors_by_code", None)
            if isinstance(codes, Mapping):
                tally.add_load_codes(codes)
    return tally.coverage()


def _ordered(observed: Counter[str], documented: list[str]) -> dict[str, int]:
    """Documented codes in the table's order first, then the undocumented ones."""
    first = {c: observed[c] for c in documented if observed[c]}
    rest = {c: n for c, n in sorted(observed.items()) if c not in first and n}
    return {**first, **rest}
