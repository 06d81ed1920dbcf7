"""Are documented false-match claims plausible? Biometric accuracy of a face-compare API.

Pairs come from the face pool (``_data``); each is compared once through an injected ``compare``
callable and cached; ``_stats`` turns the outcomes into FMR/FNMR with exact intervals at every
documented claim and a verdict per claim, the EER with a subject bootstrap, DET points and
histograms; :func:`run_accuracy_suite` is the whole suite (what ``faceharness accuracy`` and the
gate call), with one high-severity finding per contradicted claim and ``accuracy.json``.
"""

from ._data import PayloadSource as PayloadSource
from ._data import iter_pairs as iter_pairs
from ._data import load_dataset as load_dataset
from ._run import CACHE_FILE as CACHE_FILE
from ._run import RESULT_FILE as RESULT_FILE
from ._run import AccuracySuite as AccuracySuite
from ._run import run_accuracy_suite as run_accuracy_suite
