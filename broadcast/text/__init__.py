"""Vietnamese text for speech: normalization and sentence splitting (pure functions)."""
