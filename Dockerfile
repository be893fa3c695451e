# One image for every Inloop process: the web server (gunicorn + whitenoise), Celery workers and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=inloop.settings.production \
    INLOOP_RUN_DIR=/var/lib/inloop

WORKDIR /app

# Dependencies first, read from pyproject.toml alone, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected into the image. The production settings refuse to load without these
# variables; the values here exist only for this step and are not used at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only-build-value \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin inloop \
    && mkdir -p /var/lib/inloop \
    && chown inloop /var/lib/inloop
USER inloop

EXPOSE 8000
# gunicorn.conf.py sets the worker count, the request timeout and the graceful timeout (WEB_CONCURRENCY,
# GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT in the environment change them).
CMD ["gunicorn", "inloop.wsgi:application", "--config", "gunicorn.conf.py"]
