FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY admin ./admin
RUN uv sync --locked --no-dev
ENV PATH="/app/.venv/bin:$PATH"
# The service runs as a user of its own, and only it may read the spool of Twilio messages kept
# while the database is down (a volume mounted there starts with this owner and mode).
RUN useradd --system --no-create-home --home-dir /app --shell /usr/sbin/nologin helpbot \
    && install -d -o helpbot -g helpbot -m 0700 /app/helpbot-spool
USER helpbot
EXPOSE 8000
CMD ["sh", "-c", "helpbot migrate && helpbot serve --host 0.0.0.0 --port 8000"]
