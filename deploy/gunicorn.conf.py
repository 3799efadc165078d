"""gunicorn settings for running Safeguard in production (docs/performance.md, "Production").

    SAFEGUARD_MODE=production ... .venv/bin/python manage.py collectstatic --noinput
    .venv/bin/gunicorn -c deploy/gunicorn.conf.py safeguard.wsgi

Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS,
GUNICORN_BIND, GUNICORN_TIMEOUT) or on the command line. Static files are served by
WhiteNoise inside the application (compressed, with far-future cache headers for the
hashed names collectstatic writes), so no separate static server is needed.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Worker processes: one per core is enough here, because each runs several threads and a
# request spends much of its time waiting on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
# Threads per worker (gthread): requests wait on the database and the audit chain's lock,
# so threads keep the cores busy while others wait.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes); jitter so they do
# not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# Behind a TLS-terminating proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
