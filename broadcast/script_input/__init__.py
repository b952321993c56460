"""Script input: read .txt, .md and .docx scripts into speakable Unicode (NFC) text.

``load_script(path, max_bytes)`` for files, ``parse_script(data, filename, max_bytes)`` for
uploads; both return a ``Script`` or raise ``ScriptInputError`` with a Vietnamese message
and a stable code.
"""

from broadcast.errors import ScriptInputError
from broadcast.script_input.loader import load_script, parse_script
from broadcast.script_input.model import Script

__all__ = ["Script", "ScriptInputError", "load_script", "parse_script"]
