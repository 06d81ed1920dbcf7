"""Contract coverage of a run: operations exercised, documented codes seen and never seen.

Sources, the same for every target: what the client side saw, summed over the suites.

* conformance and fuzz count their own requests and answers alike
  (:class:`harness.results.ContractMetrics`): requests by operationId
  (``requests_by_operation``) and codes (``codes``: ``api:where:code`` counters);
* the load suite's ``errors_by_code`` labels, spelled as ``codes`` (then load's qualifier:
  ``"match:errcode:0 success=false"``), add codes per API (load runs its own emulator).

The emulator's own counters (``/_emulator/stats``) are not used: a suite may reset them
(fuzz's quota machine does, for a fresh daily quota), and a live service has none, so one
source serves both kinds of target.

Codes are written ``where:code`` (``errcode:40002``, ``gateway:10043``, ``business:1155``).
An API with one operation gets its codes on that operation's row; an API with several
(the internal API shares one ``errcode`` table among them) gets a row
``"<api>: all operations"`` holding its codes, after rows with each operation's requests.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from harness.contract import Contract
from harness.results import ContractMetrics, Coverage, LoadMetrics, OperationCoverage, SuiteResult


def build_coverage(contract: Contract, suites: Iterable[SuiteResult]) -> Coverage:
    """Coverage from what the suites report (see the module docstring)."""
    requests: Counter[str] = Counter()
    codes: dict[str, Counter[str]] = defaultdict(Counter)  # per API: "where:code" -> answers
    seen: Counter[str] = Counter()  # "api:where:code" -> answers
    for result in suites:
        if isinstance(result.metrics, ContractMetrics):
            requests.update(result.metrics.requests_by_operation)
            seen.update(result.metrics.codes)
        elif isinstance(result.metrics, LoadMetrics):  # a label: the code, then load's qualifier
            for label, count in result.metrics.errors_by_code.items():
                seen[label.partition(" ")[0]] += count
    for key, count in seen.items():
        api, _, rest = key.partition(":")
        if api in ("match", "jd") and ":" in rest:
            codes[api][rest] += count
    rows: list[OperationCoverage] = []
    for api in ("match", "jd"):
        ops = [op for op in contract.operations.values() if op.api == api]
        documented = [f"{c.where}:{c.code}" for c in contract.codes.of(api)]
        observed, single = _ordered(codes[api], documented), len(ops) == 1
        rows += [
            OperationCoverage(
                operation=op.operation_id,
                api=api,
                method=op.method.upper(),
                path=op.path,
                requests=requests[op.operation_id],
                documented_codes=documented if single else [],
                observed_codes=observed if single else {},
            )
            for op in ops
        ]
        if not single:
            rows.append(
                OperationCoverage(
                    operation=f"{api}: all operations",
                    api=api,
                    requests=sum(requests[op.operation_id] for op in ops),
                    documented_codes=documented,
                    observed_codes=observed,
                )
            )
    return Coverage(operations=rows)


def _ordered(observed: Counter[str], documented: list[str]) -> dict[str, int]:
    """Documented codes in the table's order first, then the undocumented ones."""
    first = {c: observed[c] for c in documented if observed[c]}
    rest = {c: n for c, n in sorted(observed.items()) if c not in first and n}
    return {**first, **rest}
