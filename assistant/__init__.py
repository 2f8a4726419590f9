"""Answering: cited answers from a collection that ``index`` built. At this root, the settings,
errors, answer models, the assistant that runs one question (``service``), the collection's
management from the web (``documents``) and the running app's state (``runtime``).

Layers, lowest first (each may import those before it, never after; ``tests/test_layers.py``):
``index`` -> root base (``settings``, ``errors``, ``models``) -> ``engine`` and ``conversation``
-> ``generators`` -> ``service``, ``documents`` -> ``runtime`` -> ``faces``.
"""

from index.offline import disable_phone_home

disable_phone_home()
