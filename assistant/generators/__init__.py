"""Answer generators behind one interface: extractive (default, no model) and language models."""
