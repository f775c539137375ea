"""The terminal injection guard (issue 11 item 1), driven through a real
pseudo-terminal: run by terminal.sh, which sets NREXEC, TIOCSTI (the
compiled tests/lib/tiocsti.c), TMP and BB.

A root bash runs in a pty as its controlling terminal, as after `sudo -i`
or `docker exec -it CTR bash`. It starts nrexec with a hostile command
that pushes `id > FILE` into the terminal's input queue (TIOCSTI); when
the command exits, bash would read that line and run it as root. With the
guard the push fails with EPERM and FILE never appears. Also: the /dev/tty
route with every fd redirected, the high half of the request, the i386
entry point, TIOCLINUX, job control and Ctrl-C, --no-tty-guard,
legacy_tiocsti = 0, and that no filter is installed without a terminal.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ptyshell import Shell, Timeout  # noqa: E402

NREXEC = os.environ["NREXEC"]
TIOCSTI = os.environ["TIOCSTI"]
TMP = os.environ["TMP"]
BB = os.environ["BB"]

n = passed = failed = 0


def ok(name):
    global n, passed
    n += 1
    passed += 1
    print(f"ok {n} - {name}", flush=True)


def not_ok(name, *why):
    global n, failed
    n += 1
    failed += 1
    print(f"not ok {n} - {name}", flush=True)
    for line in why:
        for part in str(line).splitlines()[:30]:
            print(f"#   {part}", flush=True)


def check(name, cond, *why):
    if cond:
        ok(name)
    else:
        not_ok(name, *why)


def filters(text):
    m = re.search(r"Seccomp_filters:\s*(\d+)", text)
    return int(m.group(1)) if m else None


def own_filters():
    with open("/proc/self/status") as f:
        return filters(f.read())


def injection(sh, name, helper_args, redirect="", want_msg="Operation not permitted"):
    """A root shell runs nrexec with a hostile command; the injected line
    must never run."""
    target = f"{TMP}/w/injected-{n}"
    line = f"id > {target}"
    out, code = sh.run(f"{NREXEC} 10001 {TIOCSTI} {helper_args} '{line}\n' {redirect}")
    after = sh.sync() + sh.sync()
    ran = os.path.exists(target)
    who = open(target).read().strip() if ran else ""
    check(f"{name}: the root shell never runs the injected line",
          not ran, f"{target} exists ({who}): the injected line ran as root",
          "transcript: " + out + after)
    if not redirect:
        check(f"{name}: the push fails with EPERM", want_msg in out, "transcript: " + out)


def main():
    os.makedirs(f"{TMP}/w", exist_ok=True)
    os.chmod(f"{TMP}/w", 0o1777)
    base = own_filters()
    if base is None:
        print("SKIPPED: no Seccomp_filters in /proc/self/status (kernel < 5.9)")
        sys.exit(1)
    sh = Shell()
    try:
        injection(sh, "TIOCSTI on fd 0", "")
        injection(sh, "TIOCSTI through /dev/tty with fds 0-2 redirected", "--tty",
                  redirect=f"</dev/null >{TMP}/w/redir.out 2>&1")
        try:
            red = open(f"{TMP}/w/redir.out").read()
        except OSError as e:
            red = str(e)
        check("... the /dev/tty route fails with EPERM", "refused: Operation not permitted" in red, red)
        injection(sh, "TIOCSTI with bits set above the low 32 of the request", "--high")
        if os.uname().machine == "x86_64":
            injection(sh, "TIOCSTI through the i386 entry point (int 0x80)", "--compat")
        out, code = sh.run(f"{NREXEC} 10001 {TIOCSTI} --linux x")
        check("TIOCLINUX fails with EPERM", "refused: Operation not permitted" in out, out)
        out, code = sh.run(f"{NREXEC} 10001 {TIOCSTI} x")
        check("other terminal ioctls still work (TIOCGWINSZ)", "winsz ok" in out, out)

        # what is installed, and when
        out, code = sh.run(f"{NREXEC} 10001 {BB} grep Seccomp_filters /proc/self/status")
        check("with a terminal: one filter more than the shell has",
              filters(out) == base + 1, f"got {filters(out)}, shell has {base}", out)
        out, code = sh.run(f"{NREXEC} -v 10001 {BB} true")
        check("-v says the guard is installed", "nrexec: terminal guard installed" in out, out)
        out, code = sh.run(f"{NREXEC} --no-tty-guard 10001 {BB} grep Seccomp_filters /proc/self/status")
        check("--no-tty-guard: no filter", filters(out) == base, out)
        out, code = sh.run(f"{NREXEC} 10001 {BB} grep Seccomp_filters /proc/self/status "
                           f"</dev/null 2>/dev/null | cat")
        check("fds redirected but a controlling terminal: filter installed",
              filters(out) == base + 1, out)
        # legacy_tiocsti = 0 (a private mount over the sysctl file, so the
        # machine's setting is never touched): nothing to guard
        with open(f"{TMP}/zero", "w") as f:
            f.write("0\n")
        mnt = f"unshare -m --propagation private {BB} sh -c 'mount --bind {TMP}/zero " \
              f"/proc/sys/dev/tty/legacy_tiocsti && exec \"$@\"' sh"
        out, code = sh.run(f"{mnt} {NREXEC} 10001 {BB} grep Seccomp_filters /proc/self/status")
        check("legacy_tiocsti = 0: no filter", filters(out) == base, out)
        # no sysctl file at all (kernels before 6.2): guard
        mnt = f"unshare -m --propagation private {BB} sh -c 'mount -t tmpfs none " \
              f"/proc/sys/dev/tty && exec \"$@\"' sh"
        out, code = sh.run(f"{mnt} {NREXEC} 10001 {BB} grep Seccomp_filters /proc/self/status")
        check("no legacy_tiocsti file (kernel < 6.2): filter installed", filters(out) == base + 1, out)
        # --allow-new-privs: installed while root holds CAP_SYS_ADMIN
        out, code = sh.run(f"{NREXEC} --allow-new-privs 10001 {BB} grep -E "
                           f"'Seccomp_filters|NoNewPrivs' /proc/self/status")
        check("--allow-new-privs as root with CAP_SYS_ADMIN: filter installed, NNP 0",
              filters(out) == base + 1 and re.search(r"NoNewPrivs:\s*0", out), out)
        out, code = sh.run(f"/usr/bin/setpriv --bounding-set -sys_admin --inh-caps=-sys_admin "
                           f"{NREXEC} --allow-new-privs 10001 {BB} grep Seccomp_filters /proc/self/status")
        check("--allow-new-privs without CAP_SYS_ADMIN: runs unguarded, with a warning naming "
              "--no-tty-guard", code == 0 and filters(out) == base and
              "no terminal guard" in out and "--no-tty-guard" in out, out)
        # the injection through --allow-new-privs with CAP_SYS_ADMIN is refused too
        target = f"{TMP}/w/injected-anp"
        out, code = sh.run(f"{NREXEC} --allow-new-privs 10001 {TIOCSTI} 'id > {target}\n'")
        sh.sync()
        sh.sync()
        check("--allow-new-privs (root with CAP_SYS_ADMIN): injection refused",
              not os.path.exists(target), out)

        # job control and Ctrl-C still work: no setsid, same process group
        sh.send(f"{NREXEC} 10001 {BB} sh -c 'sleep 30; echo not-interrupted'\n")
        time.sleep(0.5)
        sh.send("\x1a")
        stopped, _ = sh.expect(rb"Stopped", 10)
        out, code = sh.run("jobs -l")
        check("Ctrl-Z stops the command: the shell lists it as a stopped job",
              "Stopped" in stopped + out, stopped + out)
        sh.send("fg\n")
        time.sleep(0.5)
        sh.send("\x03")
        out, code = sh.run("true")
        check("fg brings it back and Ctrl-C ends it there",
              not re.search(r"^not-interrupted", out, re.M), out)
        # (bash abandons the rest of a line whose job died of SIGINT, so
        # the status is asked on a line of its own)
        sh.send(f"{NREXEC} 10001 {BB} sleep 30\n")
        time.sleep(0.5)
        t0 = time.monotonic()
        sh.send("\x03")
        out, code = sh.run("echo status=$?")
        check("Ctrl-C in the foreground: SIGINT reaches the command at once, status 130",
              "status=130" in out and time.monotonic() - t0 < 5, out)
    except Timeout as e:
        not_ok("the pty session timed out", str(e)[-2000:])
    finally:
        sh.close()

    # no terminal at all: no filter (setsid: no controlling terminal)
    p = subprocess.run([NREXEC, "10001", BB, "grep", "Seccomp", "/proc/self/status"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       start_new_session=True)
    check("no terminal (fds are pipes, no controlling terminal): no filter",
          p.returncode == 0 and filters(p.stdout) == base, p.stdout + p.stderr)
    p = subprocess.run([NREXEC, "-v", "10001", BB, "true"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, start_new_session=True)
    check("... and -v says nothing about a guard", "terminal guard" not in p.stderr, p.stderr)

    print(f"# {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
