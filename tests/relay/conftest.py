"""The API fixture for the relay program tests."""

from tests.api.conftest import api  # noqa: F401
