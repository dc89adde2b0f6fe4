"""JAMNP-S stream protocols (`../shared/specs/jamnp-s.md`): message codecs (`messages.py`) and what
a node does on each stream kind (`handlers.py`)."""
