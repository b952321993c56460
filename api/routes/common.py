"""What the route modules share: the context dependency and the documented error statuses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from api.context import AppContext, get_context
from api.schemas import error_responses

Ctx = Annotated[AppContext, Depends(get_context)]

# Documented on every authenticated route (422 also replaces FastAPI's own validation schema,
# since validation errors are rewritten to the common error shape).
AUTH_ERRORS: dict[int | str, dict[str, Any]] = error_responses(401, 403, 422)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(*statuses)
