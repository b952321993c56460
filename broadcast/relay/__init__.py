"""Relay of national and provincial radio: an upstream stream, decoded by ffmpeg in a process
of its own, levelled and covered by a fallback when it fails, fed to the audio engine as a
live PCM stream (see :mod:`broadcast.relay.feeder`)."""
