"""The chat transcript lives in ``desktop.ui.chat``; this name stays for existing imports."""
from .chat import STYLE, AnswerWidget, ChatView, UserBubble, answer_html, source_html

__all__ = ["STYLE", "AnswerWidget", "ChatView", "UserBubble", "answer_html", "source_html"]
