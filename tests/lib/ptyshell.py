"""An interactive shell on a fresh pseudo-terminal, driven like `expect`
(test helper): the shell's controlling terminal is the pty, as after
`sudo -i` or `docker exec -it CTR sh`.

As a module: Shell(argv).run("cmd") -> (transcript, exit status).
As a program, for the container suite:

    python3 ptyshell.py [--cmd LINE]... -- ARGV...

starts ARGV on a pty, runs each LINE (waiting for it to finish, then once
more for anything queued in the terminal), prints the transcript and
exits 0, or 1 on a timeout.
"""
import os
import pty
import re
import select
import signal
import sys
import time


class Timeout(Exception):
    pass


class Shell:
    """An interactive root bash on a fresh pty (its controlling terminal)."""

    def __init__(self, argv=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "dumb",
               "HOME": "/root", "PS1": "$ ", "PS2": "> "}
        bash = argv is None
        if bash:
            argv = ["bash", "--norc", "--noprofile", "-i"]
        pid, fd = pty.fork()
        if pid == 0:
            # a terminal session as a person has it: Ctrl-C and Ctrl-\ work
            # even when this test was started as a background job (whose
            # shell ignores SIGINT and SIGQUIT, which nrexec rightly keeps)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd, self.buf, self.seq = pid, fd, b"", 0
        if bash:
            self.run("bind 'set enable-bracketed-paste off' 2>/dev/null; stty -echoctl")
        else:
            self.run("true", 60)

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, pattern, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out.decode(errors="replace"), m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(self.buf.decode(errors="replace"))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise Timeout("EOF: " + self.buf.decode(errors="replace"))
                self.buf += data

    def run(self, cmd, timeout=15):
        """Type cmd; return (its output, its exit status)."""
        self.seq += 1
        # the typed line holds "%s", the output the number: no false match
        self.send(f"{cmd}; printf '@@%s:%s@@\\n' {self.seq} $?\n")
        out, m = self.expect(rb"@@%d:(\d+)@@" % self.seq, timeout)
        return out, int(m.group(1))

    def sync(self):
        """Let bash read whatever is queued (an injected line) first."""
        return self.run("true")[0]

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)




def main(args):
    cmds = []
    while args and args[0] == "--cmd":
        cmds.append(args[1])
        args = args[2:]
    if not args or args[0] != "--" or len(args) < 2:
        print("usage: ptyshell.py [--cmd LINE]... -- ARGV...", file=sys.stderr)
        return 2
    sh = Shell(args[1:])
    try:
        for c in cmds:
            out, code = sh.run(c, 60)
            print(out)
            print(sh.sync())
    except Timeout as e:
        print("ptyshell: timeout; transcript:", str(e)[-2000:])
        return 1
    finally:
        sh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
