"""WSGI entry point for gunicorn: `gunicorn app.wsgi:app`.

A configuration error prints one line and stops gunicorn (exit code 3 = boot failure)
instead of a traceback.
"""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as e:
    print(f"kezek: configuration error: {e}", file=sys.stderr, flush=True)
    sys.exit(3)
