"""What the chat model is told: the instructions, one worked example, and the sources block."""
from __future__ import annotations

from ..search.scope import Scope
from .source import Source

SYSTEM_PROMPT = (
    "You are Lectern, a study assistant. You answer a student's question using only the numbered sources "
    "they give you, which come from their own course material. Write a short answer in your own words. "
    "Right after each fact, put the number of the source it comes from in square brackets, for example: "
    "\"Water boils at 100 degrees at sea level [2].\" Use only the numbers of the sources given. If the "
    "sources do not contain the answer, say that the material does not cover it. Answer in the language "
    "of the question.")

# One worked example before the real question: small models copy its shape (short answer,
# [n] after each fact). It never changes, so llama.cpp's prefix cache makes it free after
# the first question.
EXAMPLE_QUESTION = (
    "Sources:\n\nSource [1] (Geography notes, page 4):\nThe Nile flows north into the Mediterranean Sea. "
    "It is about 6,650 km long.\n\nSource [2] (Geography lecture, 12:05):\nThe Amazon carries more water "
    "than any other river on Earth.\n\nQuestion: How long is the Nile, and where does it flow?")
EXAMPLE_ANSWER = "The Nile is about 6,650 km long [1]. It flows north into the Mediterranean Sea [1]."

# Every prompt starts with these messages, the side task (rewriting a follow-up) too:
# llama.cpp keeps them evaluated, so only what follows costs time.
PREFIX = [{"role": "system", "content": SYSTEM_PROMPT},
          {"role": "user", "content": EXAMPLE_QUESTION},
          {"role": "assistant", "content": EXAMPLE_ANSWER}]


def prefixed(user_text: str) -> list[dict[str, str]]:
    return PREFIX + [{"role": "user", "content": user_text}]


# The sources and the question, in the last user turn (closest to the answer: small models follow it best).
SOURCE_BLOCK = "Source [{n}] ({label}):\n{text}"
QUESTION_BLOCK = "Sources:\n\n{sources}\n\nQuestion: {question}"

# How the user message with the sources begins ("Sources:\n\nSource [1] ("): evaluated with
# the prefix or the primed conversation, so an answer's prompt skips these tokens too.
OPENING = QUESTION_BLOCK.split("{sources}")[0] + SOURCE_BLOCK.split("{label}")[0].format(n=1)

REWRITE_PROMPT = (
    "Rewrite the student's last question so that it can be understood on its own, replacing words like "
    "'it', 'they' or 'that' with what they refer to in the conversation. Reply with the rewritten "
    "question only.")

HOW_TO_ADD_MODEL = (
    "To get written answers, choose a chat model in Settings → Chat: pick the default model, one found "
    "on this computer, or \"Add model…\" for any GGUF chat model file. The bundled default is installed "
    "with `lectern models --prepare`.")


def conversation(summary: str, turns: list[dict[str, str]]) -> list[dict[str, str]]:
    """Everything before the last user turn: the prefix, the running summary, the recent turns.

    It is the same for the next question of a chat as long as nothing is said meanwhile,
    which is what lets it be evaluated while the student reads the answer."""
    msgs = list(PREFIX)
    if summary:
        msgs.append({"role": "user", "content": f"(Summary of our earlier conversation: {summary})"})
        msgs.append({"role": "assistant", "content": "Understood."})
    msgs.extend(turns)
    return msgs


def answer_messages(question: str, given: list[Source], texts: list[str], summary: str,
                    turns: list[dict[str, str]]) -> list[dict[str, str]]:
    """The whole conversation for the model: prefix, summary, recent turns, then sources and question."""
    msgs = conversation(summary, turns)
    blocks = [SOURCE_BLOCK.format(n=s.n, label=s.label(), text=t) for s, t in zip(given, texts)]
    msgs.append({"role": "user", "content": QUESTION_BLOCK.format(sources="\n\n".join(blocks),
                                                                  question=question.strip())})
    return msgs


def not_found_text(scope: Scope, where: str = "") -> str:
    """Said when nothing in ``scope`` is about the question (``where``: the scope in words)."""
    if scope.is_everything:
        return ("This is not in your material: nothing in your library seems to cover it, so I won't guess. "
                "Add the book or lecture that covers it to your library, or ask in other words.")
    return (f"This is not in your material: nothing in {where or scope.describe()} seems to cover it, so I "
            "won't guess. Search everything to look in your whole library, or ask in other words.")


def passages_text(sources: list[Source], reason: str) -> str:
    head = "No chat model is available, so here are the passages of your material that best match your question"
    cites = "".join(f"[{s.n}]" for s in sources)
    return f"{head} {cites}."
