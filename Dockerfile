# syntax=docker/dockerfile:1
# One image for every app service in docker-compose.yml (web, ws, worker, beat, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The project, less what a developer's tree holds that must not ship (secrets, venv, data).
# (A .dockerignore with the same lines would also keep them out of the build context.)
COPY --exclude=.git --exclude=.venv --exclude=var --exclude=.local.env \
     --exclude=**/__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache \
     --exclude=*.sqlite3 --exclude=media --exclude=staticfiles \
     . ./

# Static files are served by WhiteNoise from var/staticfiles. The key exists only for this step.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret python manage.py collectstatic --noinput \
 && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home app \
 && mkdir -p var/media var/spool \
 && chown -R app:app var

USER app

EXPOSE 8000 8001
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "callcentre.wsgi"]
