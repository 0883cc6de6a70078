"""Entity tagging: text and a gazetteer in, suggested mentions out (STYLE.md point 7).

    from articles.tagging import TaggingText, suggest

    for s in suggest(TaggingText(title=..., body=..., authors=("Marc Preel",))):
        s.kind, s.key, s.name, s.count, s.offsets, s.evidence, s.confidence, s.origin

Pure Python, no Django: the database layer turns suggestions into Mention rows.
`default_gazetteer()` is built once per process and shared.
"""

from __future__ import annotations

from .gazetteer import Entity, Gazetteer, default_gazetteer
from .matcher import Suggestion, TaggingText, suggest

__all__ = ["Entity", "Gazetteer", "Suggestion", "TaggingText", "default_gazetteer", "suggest"]
