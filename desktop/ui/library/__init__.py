"""The Library pane and its parts."""
from .pane import LibraryPane

__all__ = ["LibraryPane"]
