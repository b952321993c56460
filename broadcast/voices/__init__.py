"""The station's voices: the catalogue of configured voices and the fallback, the station
lexicon the editors correct, the editors' own recordings of scripts. Glue between the store
and the text, text-to-speech and mixing layers; no HTTP."""
