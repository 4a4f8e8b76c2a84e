"""``hoiku.asgi:app`` for uvicorn workers; settings come from the environment."""

from hoiku.app import create_app

app = create_app()
