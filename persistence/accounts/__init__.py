"""Accounts' storage: accounts, refresh tokens, token generations and sign-in throttles."""
