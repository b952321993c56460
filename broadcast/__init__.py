"""Loa: the automatic programme system for Vietnamese commune loudspeaker stations."""

from importlib.metadata import PackageNotFoundError, version

try:
    # One source of truth: the version in pyproject.toml, as installed.
    __version__ = version("loa")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
