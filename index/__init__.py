"""Documents in: load -> clean -> structure -> split -> embed -> store, with a BM25 index beside.

Owns its configuration (:mod:`index.config`), errors (:mod:`index.errors`) and text utilities
(:mod:`index.text`); imports nothing from ``assistant``, ``eval`` or ``bench``.
"""

from index.offline import disable_phone_home

disable_phone_home()
