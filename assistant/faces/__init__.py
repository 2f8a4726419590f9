"""The ways in: the ``assistant`` command (``cli``), the web app (``server``: the REST API in
``api``, the OpenAI-compatible ``openai_api``, the chat page ``ui``, the HTTP ``contract``) and
terminal output (``render``). They translate domain errors; nothing below imports them.
May import everything in ``assistant``; ``eval`` and ``bench`` only by their entry points.
"""
