"""Attendance (登降園): stamps, corrections, notices, staff presence, alerts, the board.

- Adapters: ``api`` (root queries and mutations: parse, then call a service),
  ``fields`` (resolvers of the Attendance types' fields), ``subscriptions``.
- Services: ``stamps``, ``kiosk``, ``corrections``, ``notices``, ``presence``,
  ``alerts`` (also run by the scheduler and the CLI), ``board``, ``staffing``.
- Loaders: ``loaders`` (per-request batch loads of attendance rows).
"""
