# The Hoiku API image: one uvicorn process per worker, settings from HOIKU_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    # Idle subscriptions cost ~40 KiB more each with per-message deflate (bench/).
    UVICORN_WS_PER_MESSAGE_DEFLATE=false
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hoiku hoiku
COPY schema schema
COPY resolvers resolvers
COPY domain domain
COPY persistence persistence
COPY realtime realtime
RUN pip install --no-cache-dir . && useradd --system hoiku
USER hoiku
EXPOSE 8000
# Migrations are applied by `serve`; production never seeds demo data.
CMD ["hoiku", "serve", "--host", "0.0.0.0", "--no-seed"]
