"""Vector stores: one small interface, one adapter per backend."""
