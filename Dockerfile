FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY newsdesk newsdesk
COPY articles articles
RUN pip install --no-cache-dir .
COPY . .
# Static files are hashed at build time; whitenoise serves them.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://unused/unused \
    python manage.py collectstatic --no-input
RUN useradd --system newsdesk
USER newsdesk
EXPOSE 8000
CMD ["gunicorn", "newsdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
