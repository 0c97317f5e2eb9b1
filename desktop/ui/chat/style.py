"""The chat pane's look: one style sheet for the transcript, the answers and the sources."""

STYLE = """
#UserText { background: #dbeafe; color: #0f172a; border-radius: 12px; padding: 9px 13px; }
#AnswerCard { background: white; border: 1px solid #e2e8f0; border-radius: 12px; }
#AnswerWho { font-weight: 600; color: #1e3a8a; }
#AnswerStatus { color: #64748b; font-style: italic; }
#AnswerText { color: #111827; font-size: 11pt; }
#ModelBanner { background: #fef3c7; border: 1px solid #fcd34d; border-radius: 8px; }
#ModelBanner QLabel { color: #78350f; }
#SourcesBox { background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 8px; }
#SourcesTitle { color: #475569; font-size: 9pt; font-weight: 600; text-transform: uppercase; }
#SourceRow { font-size: 9.5pt; }
#AnswerFooter, #HintText { color: #6b7280; font-size: 9pt; }
QPushButton#FlatButton { border: none; background: transparent; color: #475569; padding: 2px 6px; }
QPushButton#FlatButton:hover { color: #1d4ed8; }
#ChatTitle { font-size: 14pt; font-weight: 600; }
QToolButton#ScopeButton { padding: 5px 10px; border: 1px solid #cbd5e1; border-radius: 6px; background: white; }
QToolButton#ScopeButton::menu-indicator { image: none; width: 0; }
#ComposerBox { background: white; border: 1px solid #cbd5e1; border-radius: 10px; }
#ComposerBox QPlainTextEdit { border: none; }
#ChatView, #ChatViewInner { background: transparent; }
#ChatListView::item { padding: 7px 6px; }
"""
