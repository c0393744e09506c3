"""gunicorn settings for Corridor: `gunicorn -c gunicorn.conf.py corridor.wsgi`.

Only what the log may hold is set here (decision 0015): no access log, warnings and errors
only, times to the hour. Bind address, workers and timeouts are the deployment's choice.
"""

accesslog = None
loglevel = "warning"
logger_class = "corridor.serving.HourLogger"
