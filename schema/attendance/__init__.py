"""The attendance part of the GraphQL schema: ``root`` (Query and Mutation fields),
``subscriptions``, ``types``, ``board``, ``events``, ``enums``, ``inputs``."""
