"""Generators behind one interface (``base``): the extractive one (default, no model) and the
language models (a local GGUF file, OpenAI-compatible endpoints, Ollama), their prompts and the
answer verifier. May import ``index``, the root base and ``engine``; never ``service`` or the faces.
"""
