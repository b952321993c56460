"""Storage: SQLAlchemy models, repositories and Alembic migrations.

Start with :func:`open_store` (engine, migrations, repositories in one object) or build the
parts with :mod:`broadcast.store.db`.
"""

# The upkeep tables (alerts, marks) join Base.metadata with the programme tables.
from broadcast.store import ops_models  # noqa: F401
from broadcast.store.asrun import AIRED_OUTCOMES, AirtimeRow, AsRunEntry, AsRunRepo
from broadcast.store.db import (
    check_connection,
    create_engine_for,
    current_revision,
    head_revision,
    make_session_factory,
    migrate,
)
from broadcast.store.lock import LockInfo, LockKeeper, StationLock, acquire_or_raise
from broadcast.store.renders import RenderRecord, RenderRepo
from broadcast.store.scripts import UNSET, ScriptRecord, ScriptRepo, ScriptRevision
from broadcast.store.store import Store, open_store
from broadcast.store.timetable import (
    AdjustmentRepo,
    ProgramRepo,
    SlotRepo,
    replace_timetable,
)
from broadcast.store.users import Role, TokenInfo, User, UserRepo

__all__ = [
    "AIRED_OUTCOMES",
    "UNSET",
    "AdjustmentRepo",
    "AirtimeRow",
    "AsRunEntry",
    "AsRunRepo",
    "LockInfo",
    "LockKeeper",
    "ProgramRepo",
    "RenderRecord",
    "RenderRepo",
    "Role",
    "ScriptRecord",
    "ScriptRepo",
    "ScriptRevision",
    "SlotRepo",
    "StationLock",
    "Store",
    "TokenInfo",
    "User",
    "UserRepo",
    "acquire_or_raise",
    "check_connection",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "make_session_factory",
    "migrate",
    "open_store",
    "replace_timetable",
]
