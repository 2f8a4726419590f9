"""The answer engine: one analysed query through explicit stages, each a module.

``query`` (analyse) -> ``retrieve`` -> ``rerank`` -> ``select`` (answer units) -> ``check``
(constraints, kind, evidence) -> ``compose`` (the no-model answer), with ``citations`` the one
owner of the ``[n]`` format. :class:`assistant.service.Assistant` runs them in that order;
nothing here loads a model or opens a collection at import. May import ``index`` and the root
base (``settings``, ``errors``, ``models``) only.
"""
