"""Embedders: one small interface, one adapter per backend, a factory that picks one."""
