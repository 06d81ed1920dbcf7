"""The harness's own errors: "the harness cannot run" (exit 2, one line), never a finding."""

from __future__ import annotations


class HarnessError(Exception):
    """Base class; ``str(err)`` is a one-line message meant for a person."""


class UsageError(HarnessError):
    """A command-line option or argument is invalid."""


class ConfigError(HarnessError):
    """A configuration file or environment variable is invalid."""


class SpecError(HarnessError):
    """A spec, the code table or the errata failed to load or are inconsistent."""


class InputError(HarnessError):
    """A user-supplied input (image file, labels file, finding file) is unusable."""


class TargetError(HarnessError):
    """The target did not answer, or answered with something that cannot be parsed."""
