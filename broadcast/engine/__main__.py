"""``python -m broadcast.engine``: run the audio engine (see broadcast.engine.server)."""

from broadcast.engine.server import main

raise SystemExit(main())
