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
EXPOSE 8000
CMD ["sh", "-c", "helpbot migrate && helpbot serve --host 0.0.0.0 --port 8000"]
