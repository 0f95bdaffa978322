"""gunicorn's settings when it runs from this directory (`gunicorn causeloop.wsgi`): its own
lines, the master's too, in the app's log format (`LOG_FORMAT`, `LOG_LEVEL`: see
causeloop/core/logs.py). Its access log stays off: the app writes one line per request."""

import os

from causeloop.core.logs import logging_config

logconfig_dict = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"), fmt=os.environ.get("LOG_FORMAT", "json")
)
