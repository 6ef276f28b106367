"""Gunicorn settings for the dashboard: `gunicorn -c deploy/gunicorn.conf.py app.wsgi:app`.

Every value can be changed from the environment; the defaults suit a 2-core server.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"

# Requests mostly wait on MariaDB and the Graph API, so threads carry the concurrency:
# 2 processes x 4 threads serve 8 requests at once on 2 cores without much memory.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 4)

# A request that hangs this long is killed; uploads and Graph API calls fit well inside it.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM, running requests get this long to finish; keep it below compose's
# stop_grace_period (30 s) so Docker never has to SIGKILL a worker mid-request.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Traefik reuses its connections to the app; keep idle ones a little while.
keepalive = 5
# Recycle workers now and then so slow leaks never build up.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# Heartbeat files in memory, not on the container's overlay filesystem.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs go to stdout/stderr, where `docker compose logs` and the json-file driver find them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# %(h)s is the client address once ProxyFix has read X-Forwarded-For; the request id
# matches the app's own JSON log lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" rid=%({x-request-id}o)s'
# Request lines without query strings (invitation tokens, OAuth codes) and with the tokens of
# public media URLs and tracked links masked: see app/access_log.py.
logger_class = "app.access_log.AccessLogger"

# Behind Traefik: believe X-Forwarded-Proto from the proxy so request.is_secure is right.
# The app port is never published; only Traefik (on the proxy network) reaches it, so
# in the container any source may set the header. The app itself trusts exactly
# PROXY_HOPS (1) hop of X-Forwarded-For/-Proto/-Host through ProxyFix.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# No runtime control socket: nothing uses it and $HOME is read-only in the image.
control_socket_disable = True

# Load the app once in the master, before forking: a configuration error then stops
# start-up with its one line (exit code 3) instead of once per worker, and the workers
# share the loaded code's memory.
preload_app = True


def post_fork(server, worker):
    """Give each worker its own database connections, never ones made before the fork."""
    app = server.app.wsgi()
    db = getattr(app, "extensions", {}).get("kezek.db")
    if db is not None:
        db[0].dispose(close=False)
