"""Loa: the automatic programme system for Vietnamese commune loudspeaker stations."""

__version__ = "0.1.0"
