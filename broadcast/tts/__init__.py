"""Text-to-speech: one engine protocol, gTTS/espeak-ng/fake engines, the chain, the cache."""
