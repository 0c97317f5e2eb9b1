"""The Chat pane, in parts named after what the student sees.

pane          ChatPane: the conversations at the left, the transcript and the question box
chat_list     the conversations column (new, search, rename, delete)
transcript    the questions and answers of one chat (ChatView, UserBubble)
answer_card   one answer: streamed text, status, sources, actions (AnswerWidget)
answer_text   an answer and its sources as rich text with citation links
composer      the question box with Ask and Stop
model_banner  "passages only" when no chat model can write answers
style         the pane's style sheet
warmup        loads the chat model in the background before the first question
"""
from .answer_card import AnswerWidget
from .answer_text import answer_html, place_text, source_html
from .chat_list import ChatList
from .composer import Composer, ComposerBox
from .model_banner import ModelBanner, configured_model_state
from .pane import REGENERATE_TEMPERATURE, ChatPane
from .style import STYLE
from .transcript import ChatView, UserBubble
from .warmup import ChatWarmer

__all__ = ["AnswerWidget", "answer_html", "place_text", "source_html", "ChatWarmer", "ChatList", "Composer", "ComposerBox", "ModelBanner",
           "configured_model_state", "REGENERATE_TEMPERATURE", "ChatPane", "STYLE", "ChatView", "UserBubble"]
