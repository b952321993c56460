"""Publishing what aired: podcast MP3s with their transcripts, for the public feeds and the
"Nghe lại" page (no HTTP here; ``api/public.py`` serves them).

``Publisher.run`` is the station's periodic job; ``policy`` says what is published;
``feed`` writes the RSS; ``mp3`` is the ffmpeg adapter.
"""

from broadcast.publishing.policy import PublishPolicy, refusal
from broadcast.publishing.publisher import Publisher, RunReport

__all__ = ["PublishPolicy", "Publisher", "RunReport", "refusal"]
