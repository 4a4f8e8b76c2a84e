"""Accounts: signing in and out, the tokens that name the actor, the viewer.

- Adapters: ``api`` (login, refreshSession, logout), ``viewer`` (the signed-in user).
- Services: ``sign_in`` (credentials, refresh-token rotation, sign-out),
  ``tokens`` (bearer token → actor, used by the HTTP and WebSocket edges).
"""
