"""The records part of the GraphQL schema: ``root`` (Query fields), ``mutations``,
``types`` (Child, Guardian and their parts), ``org``, ``pages``, ``audit``,
``inputs``, ``payloads``."""
