"""ask, chats: chat with your material from the command line."""
from __future__ import annotations

import argparse
import sys

from ..core.storage.config import DataPaths
from ..core.errors import LecternError
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask a question about your material (answers cite page or lecture time)")
    p.add_argument("question")
    p.add_argument("--semester", default="", help="only this semester")
    p.add_argument("--subject", default="", help="only this subject")
    p.add_argument("--book", action="append", default=[], help="only this book (repeatable)")
    p.add_argument("--chat", type=int, help="continue this chat (its scope is used unless you give one)")
    p.add_argument("--model", help="a chat model id (see `lectern models`) or a GGUF file")
    p.add_argument("--passages-only", action="store_true", help="no written answer: show the best passages")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chats", help="list your chats")
    p.add_argument("--search", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_chats)


def _print_sources(sources) -> None:
    for s in sources:
        passage = " ".join(s.text.split())
        print(f"  [{s.n}] {s.label()}: {passage[:160]}{'…' if len(passage) > 160 else ''}")


def cmd_ask(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import chat
    from ..core.chat import Answerer, Finished, Retrieved, Status, Token
    from ..core.storage.db import open_db
    from ..core.search.scope import scope_from_names
    from ..core.runtime.services import ensure_services
    from ..core.search.retrieval import open_store

    try:
        with ensure_services(paths):
            db = open_db(paths.db)
            flags = scope_from_names(db, args.semester, args.subject, tuple(args.book))
            if args.chat:
                current = chat.get_chat(db, args.chat)
                chat_id = current.id
                if current.needs_scope and not flags.is_everything:
                    chat.set_scope(db, chat_id, flags)   # giving a scope chooses one for a damaged chat
                scope = current.scope if flags.is_everything else flags
            else:
                chat_id = chat.create_chat(db, scope=flags)
                scope = flags
            answerer = Answerer(db, open_store(paths, db), model=args.model, use_llm=not args.passages_only)
            done: Finished | None = None
            streamed = False
            for ev in answerer.ask(chat_id, args.question, scope=scope):
                if isinstance(ev, Token) and not args.json:
                    sys.stdout.write(ev.text)
                    sys.stdout.flush()
                    streamed = True
                elif isinstance(ev, Status) and not args.json:
                    print(f"lectern: {ev.text}", file=sys.stderr)
                elif isinstance(ev, Retrieved):
                    pass
                elif isinstance(ev, Finished):
                    done = ev
    except LecternError as exc:
        return fail(exc, args.json)
    assert done is not None
    msg, stats = done.message, done.stats
    cited = msg.cited or msg.sources
    if args.json:
        emit({"answer": msg.content, "citations": [s.public() for s in cited], "mode": msg.mode,
              "chat_id": chat_id, "message_id": msg.id, "query": stats.get("query"),
              "model": stats.get("model"), "retrieval_s": stats.get("retrieval_s"),
              "first_token_s": stats.get("first_token_s"), "total_s": stats.get("total_s"),
              "tokens": stats.get("tokens"), "tokens_per_s": stats.get("tokens_per_s"),
              "model_was_ready": stats.get("model_was_ready"), "model_wait_s": stats.get("model_wait_s"),
              "follow_up": stats.get("follow_up") or "", "coverage": msg.meta.get("coverage"),
              "unsupported": msg.meta.get("unsupported", []), "sources_given": len(msg.sources)}, True)
        return 0
    if streamed:
        print()
        print("\nSources:")
    else:
        print(msg.content)
        if msg.mode == chat.PASSAGES:
            print(f"\n{chat.HOW_TO_ADD_MODEL}")
        if cited:
            print("\nSources:")
    _print_sources(cited)
    print(f"\n(chat {chat_id}; continue it with --chat {chat_id})", file=sys.stderr)
    return 0


def cmd_chats(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import chat
    from ..core.storage.db import open_db

    rows = [{"id": c.id, "title": c.title, "scope": c.scope.to_dict(), "needs_scope": c.needs_scope,
             "updated_at": c.updated_at}
            for c in chat.list_chats(open_db(paths.db), args.search)]
    emit(rows, args.json, "\n".join(f"{r['id']:>5}  {r['title']}" for r in rows) or "No chats yet.")
    return 0
