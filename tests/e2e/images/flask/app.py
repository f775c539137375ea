# The seeds' Flask demo: answers with the user and group it runs as, looked
# up the way most applications do (pwd/grp, i.e. /etc/passwd and /etc/group).
import grp
import os
import pwd
import signal
import sys

from flask import Flask

app = Flask(__name__)


@app.route("/")
def whoami():
    uid, gid = os.getuid(), os.getgid()
    # Both raise KeyError when the id has no entry: the request gets a 500.
    user = pwd.getpwuid(uid).pw_name
    group = grp.getgrgid(gid).gr_name
    return f"user {user} (uid {uid}), group {group} (gid {gid})\n"


# As PID 1 the app gets no default action for SIGTERM: without a handler
# `docker stop` waits its whole timeout and then kills it.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
