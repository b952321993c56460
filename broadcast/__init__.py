"""Loa: the automatic programme system for Vietnamese commune loudspeaker stations."""

from typing import Any


def __getattr__(name: str) -> Any:
    # ``__version__`` is read on demand: importlib.metadata costs ~0.1 s at every start of
    # the command line, which only `--version`, backups, the installer and alerts need.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            # One source of truth: the version in pyproject.toml, as installed.
            found = version("loa")
        except PackageNotFoundError:  # running from a source tree that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
