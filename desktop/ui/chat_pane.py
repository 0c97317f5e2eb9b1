"""The Chat pane lives in ``desktop.ui.chat``; this name stays for existing imports."""
from .chat import REGENERATE_TEMPERATURE, ChatPane, Composer, configured_model_state

__all__ = ["REGENERATE_TEMPERATURE", "ChatPane", "Composer", "configured_model_state"]
