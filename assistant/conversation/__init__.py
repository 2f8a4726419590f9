"""Conversation state: follow-up questions made standalone (``followups``), server-side sessions
and feedback (SQLite files under the data dir). May import ``index`` and the root base only.
"""
