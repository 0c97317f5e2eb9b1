"""Chat with one's own material: conversations, retrieval-grounded answers and citations."""
from .answers import (log, DEFAULT_TITLE, USER, ASSISTANT, ANSWER, NOT_FOUND, PASSAGES, Source, Chat,
                      ChatMessage, create_chat, get_chat, list_chats, rename_chat, delete_chat, set_scope,
                      set_summary, messages, get_message, add_message, delete_messages_after, last_question,
                      clean_citations, attribute, strip_citations, content_words, looks_like_contents,
                      lexical_overlap, is_follow_up, heuristic_rewrite, focus, SYSTEM_PROMPT,
                      EXAMPLE_QUESTION, EXAMPLE_ANSWER, PREFIX, prefixed, SOURCE_BLOCK, QUESTION_BLOCK,
                      REWRITE_PROMPT, SUMMARY_PROMPT, HOW_TO_ADD_MODEL, TARGET_FIRST_TOKEN_S,
                      MIN_SOURCE_TOKENS, Budget, Relevance, Status, Retrieved, Token, Finished, Event,
                      Answerer, count_prompt, not_found_text, passages_text, run_to_end)

__all__ = ["log", "DEFAULT_TITLE", "USER", "ASSISTANT", "ANSWER", "NOT_FOUND", "PASSAGES", "Source", "Chat", "ChatMessage", "create_chat", "get_chat", "list_chats", "rename_chat", "delete_chat", "set_scope", "set_summary", "messages", "get_message", "add_message", "delete_messages_after", "last_question", "clean_citations", "attribute", "strip_citations", "content_words", "looks_like_contents", "lexical_overlap", "is_follow_up", "heuristic_rewrite", "focus", "SYSTEM_PROMPT", "EXAMPLE_QUESTION", "EXAMPLE_ANSWER", "PREFIX", "prefixed", "SOURCE_BLOCK", "QUESTION_BLOCK", "REWRITE_PROMPT", "SUMMARY_PROMPT", "HOW_TO_ADD_MODEL", "TARGET_FIRST_TOKEN_S", "MIN_SOURCE_TOKENS", "Budget", "Relevance", "Status", "Retrieved", "Token", "Finished", "Event", "Answerer", "count_prompt", "not_found_text", "passages_text", "run_to_end"]
