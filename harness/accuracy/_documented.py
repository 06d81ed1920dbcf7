"""Each API's documented false-match claims, read from the contract.

Internal API: "70的误通过率为千分之一,80的误通过率是万分之一" (``far_claims``): score claims
on the 0..100 score, judged as stated (exact rates).

JD faceCompareNew (ERRATA E-004, E-036 (proposed)): ``threshold.e4``..``e7`` are *distance*
thresholds at FMR 10^-k, while a response carries only a similarity ``score``; the
distance-to-score mapping is not documented, so no client can apply "distance <= e_k".
The one observable decision is ``result``, taken at the service's operating threshold.
The document does not name that level; the loosest documented one (e4, FMR 1e-4) bounds
it, so ``result`` is judged as "FMR at most 1e-4". e5..e7 are reported as untestable by
design, with that reason.
"""

from __future__ import annotations

from harness.contract import Contract

from ._claims import Claim, UntestableClaim, jd_claims, score_claims

# The claims' basis is a reading: the sentence stands in /idno's score row only (ERRATA E-044).
MATCH_CLAIMS_NOTE = (
    "the false-match claims of the internal API (70: 1e-3, 80: 1e-4) stand in /idno's score row "
    "(推荐达到70时可判断为同一人(70的误通过率为千分之一,80的误通过率是万分之一)); "
    "this suite tests them on /match by faceharness' reading (ERRATA E-044), "
    "where the document only advises 80"
)


def match_documented_claims(contract: Contract) -> list[Claim]:
    """``match.score>=70`` (1e-3) and ``match.score>=80`` (1e-4), from the contract."""
    return score_claims("match", dict(contract.match_far_claims))


def jd_documented_claims(contract: Contract) -> tuple[list[Claim], tuple[UntestableClaim, ...]]:
    """``jd.result`` at the loosest level's FMR, and the stricter levels as untestable."""
    levels = contract.jd_threshold_fmr
    operating = max(levels, key=lambda level: levels[level])
    claims = jd_claims(levels[operating])
    untestable = tuple(
        UntestableClaim(
            name=f"jd.{level}",
            claimed_fmr=fmr,
            reason=(
                f"{level} is a distance threshold (ERRATA E-004) and responses carry no "
                f"distance, only a similarity whose mapping to distance is undocumented; "
                f"the only observable decision, result, is judged at {operating} (jd.result)"
            ),
        )
        for level, fmr in sorted(levels.items(), key=lambda item: -item[1])
        if level != operating
    )
    return claims, untestable
