"""What the Python end-to-end tests share: where the tools are, one check()
that counts and records, one closing line ("N passed, N failed"), and file
helpers."""

import os
import subprocess
import sys

SRC_ROOT = os.environ.get("IPE_SOURCE_ROOT",
                          os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
BUILD = os.environ.get("IPE_BUILD_ROOT", os.path.join(SRC_ROOT, "build"))


def tool(env, name):
    """The tool a meson test environment names in env, else the build tree's."""
    return os.environ.get(env, os.path.join(BUILD, "src/tools", name))


def run_tool(cmd, cwd=None, stdin=None):
    """Run cmd (a list); (exit status, stdout bytes, stderr text)."""
    p = subprocess.run(cmd, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def put(path, data):
    """Write data (str or bytes) to path, making its directory."""
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(d, name, data):
    """put() name under directory d; returns the path."""
    return put(os.path.join(d, name), data)


failures = []
_count = [0]


def check(cond, what, stream=None):
    """Count one check; a failed one is recorded and printed at once."""
    _count[0] += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=stream or sys.stdout, flush=True)
    return bool(cond)


def checks():
    return _count[0]


def finish(skips=()):
    """Print the closing line and return the exit status (1 on any failure)."""
    line = "%d passed, %d failed" % (_count[0] - len(failures), len(failures))
    if skips:
        line += ", %d skipped" % len(skips)
    print(line)
    return 1 if failures else 0
