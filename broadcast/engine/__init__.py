"""The audio engine: a small, long-lived process that owns the output and does nothing else.

- :mod:`broadcast.engine.protocol`: the command protocol (JSON lines, versioned), documented.
- :mod:`broadcast.engine.server`: the engine process (``python -m broadcast.engine``).
- :mod:`broadcast.engine.state`: the state file it leaves for a station restarted after a crash.
- :mod:`broadcast.engine.client`: ``EngineProcess`` (spawns and supervises the engine) and
  ``EngineSink`` (the station's :class:`~broadcast.playout.sink.Sink` through the engine).

Importing this package imports nothing else: the engine process starts fast.
"""
