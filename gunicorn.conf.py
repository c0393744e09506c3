"""gunicorn settings for Corridor: `gunicorn -c gunicorn.conf.py corridor.wsgi`.

What the log may hold (decision 0015): no access log, warnings and errors only, times to the
hour. No control socket: gunicorn would otherwise open one in the home directory, shared by
every gunicorn of that user (tests and benches run several). Bind address, workers and
timeouts are the deployment's choice.
"""

accesslog = None
loglevel = "warning"
logger_class = "corridor.serving.HourLogger"
control_socket_disable = True
