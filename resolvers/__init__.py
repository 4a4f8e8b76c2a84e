"""Behaviour behind the schema: one package per capability, plus what they share.

Capability packages (``attendance/``, ``records/``, ``accounts/``) each hold
GraphQL adapters (``api.py`` for root fields, ``fields.py`` for type fields,
``subscriptions.py``), services (use cases over the unit of work, shared with the
CLI and jobs) and loaders. They import each other only through the shared
modules at this level: ``context``, ``services``, ``ids``, ``relations``,
``loader_set``, ``loaders`` and ``unit_of_work`` (the transaction every
service writes in, published after commit). tests/unit/test_layers.py enforces this.
"""
