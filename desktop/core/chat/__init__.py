"""Chat with one's own material: conversations, retrieval-grounded answers and citations.

store      chats and messages in app.db
source     a passage given to the model as [n]
citations  which sources an answer cites (invented numbers dropped, each sentence grounded in the
           passage that supports it, claims no passage supports flagged)
text       key words, tables of contents, passage focus
followup   follow-up questions and their rewrite without a model
rerank     which retrieved passages are about the question, in what order
budget     prompt sizing from the measured prompt speed, the running summary
prompts    what the model is told
events     what ``Answerer.ask`` yields (the stage it is really in, tokens, the stored answer)
warmup     the chat model and the embedder made ready before the first question
pipeline   the Answerer
"""
from .budget import (MIN_SOURCE_TOKENS, TARGET_FIRST_TOKEN_S, Budget, build_prompt, count_prompt,
                     fold_turns, recent_turns)
from .citations import (NOT_BACKED, PARTLY_COVERED, UNSUPPORTED_MARK, Grounding, all_numbers, attribute,
                        best_second, clean_citations, ground, lecture_moment, sentences, strip_citations)
from .events import (LOADING, NOTICE, READING, SEARCHING, STAGES, UNDERSTANDING, WRITING, Event,
                     Finished, Retrieved, Status, Token, run_to_end)
from .followup import follow_up_reason, heuristic_rewrite, is_follow_up
from .pipeline import Answerer
from .prompts import (EXAMPLE_ANSWER, EXAMPLE_QUESTION, HOW_TO_ADD_MODEL, PREFIX, QUESTION_BLOCK, REWRITE_PROMPT,
                      SOURCE_BLOCK, SYSTEM_PROMPT, not_found_text, passages_text, prefixed)
from .rerank import Relevance, rerank
from .source import Source
from .store import (ANSWER, ASSISTANT, DEFAULT_TITLE, NOT_FOUND, PASSAGES, USER, Chat, ChatMessage,
                    ChatScopeUnreadable, add_message, create_chat, delete_chat, delete_messages_after, get_chat,
                    get_message, last_question, list_chats, messages, parse_scope, rename_chat, set_scope,
                    set_summary)
from .text import content_words, focus, lexical_overlap, looks_like_contents
from .warmup import is_warm, load_model, model_choice, warm_up

__all__ = [
    "MIN_SOURCE_TOKENS", "TARGET_FIRST_TOKEN_S", "Budget", "build_prompt", "count_prompt", "fold_turns",
    "recent_turns",
    "NOT_BACKED", "PARTLY_COVERED", "UNSUPPORTED_MARK", "Grounding", "all_numbers", "attribute", "best_second",
    "clean_citations", "ground", "lecture_moment", "sentences", "strip_citations",
    "LOADING", "NOTICE", "READING", "SEARCHING", "STAGES", "UNDERSTANDING", "WRITING",
    "Event", "Finished", "Retrieved", "Status", "Token", "run_to_end",
    "follow_up_reason", "heuristic_rewrite", "is_follow_up",
    "Answerer",
    "EXAMPLE_ANSWER", "EXAMPLE_QUESTION", "HOW_TO_ADD_MODEL", "PREFIX", "QUESTION_BLOCK", "REWRITE_PROMPT",
    "SOURCE_BLOCK", "SYSTEM_PROMPT", "not_found_text", "passages_text", "prefixed",
    "Relevance", "rerank",
    "Source",
    "ANSWER", "ASSISTANT", "DEFAULT_TITLE", "NOT_FOUND", "PASSAGES", "USER", "Chat", "ChatMessage",
    "ChatScopeUnreadable", "add_message", "create_chat", "delete_chat", "delete_messages_after", "get_chat",
    "get_message", "last_question", "list_chats", "messages", "parse_scope", "rename_chat", "set_scope",
    "set_summary",
    "content_words", "focus", "lexical_overlap", "looks_like_contents",
    "is_warm", "load_model", "model_choice", "warm_up",
]
