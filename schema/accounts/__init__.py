"""The accounts part of the GraphQL schema: ``root`` (viewer, login, refreshSession,
logout) and ``viewer`` (Viewer, AuthPayload)."""
