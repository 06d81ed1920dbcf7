"""Are documented false-match claims plausible? Biometric accuracy of a face-compare API."""

from ._data import PayloadSource as PayloadSource
from ._data import iter_pairs as iter_pairs
from ._data import load_dataset as load_dataset
from ._run import CACHE_FILE as CACHE_FILE
from ._run import RESULT_FILE as RESULT_FILE
from ._run import AccuracySuite as AccuracySuite
from ._run import run_accuracy_suite as run_accuracy_suite
from ._stats import bound_undecided as bound_undecided
from ._stats import clopper_pearson as clopper_pearson
from ._stats import n_needed_for_zero_failures as n_needed_for_zero_failures
from ._stats import repeats_over as repeats_over
