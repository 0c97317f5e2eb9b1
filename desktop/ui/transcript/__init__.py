"""The transcript viewer window and its parts: the player bar and the lines (segments and notes)."""
from .player_bar import PlayerBar
from .transcript_lines import Line, TranscriptLines
from .viewer import TranscriptViewer

__all__ = ["Line", "PlayerBar", "TranscriptLines", "TranscriptViewer"]
