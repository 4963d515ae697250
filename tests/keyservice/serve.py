"""The local key service (`uid2 serve`) for the programs that script it: the interop suite and the
sharing demo. It runs on a free loopback port and is administered through the uid2 command's admin
commands, with the admin token in the environment of both."""

import json
import os
import secrets
import select
import subprocess


class KeyService:
    """`uid2 serve SERVE_ARGS...` (--memory, or --data DIR), its output in LOG_PATH."""

    def __init__(self, uid2, log_path, *serve_args):
        self.uid2 = os.path.abspath(uid2)
        self.log_path = log_path
        self.env = dict(os.environ, UID2_ADMIN_TOKEN=secrets.token_urlsafe(24))
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen(
                [self.uid2, "serve", *serve_args, "--listen", "127.0.0.1:0", "--until-stdin-closes"],
                # stdin: a pipe that closes when this process ends, however it ends (^C, kill); the
                # service then ends too.
                env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        # The first line of its output is its base URL. The pipe stays open: a Go program dies of
        # SIGPIPE writing to a closed stdout.
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        self.url = self.proc.stdout.readline().strip() if ready else ""
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the key service did not start:\n" + self.log())
        self.env["UID2_ADMIN_URL"] = self.url

    def admin(self, *args):
        """Runs `uid2 ARGS...` against the service; returns its JSON answer (None if it printed none)."""
        args = [str(a) for a in args]
        proc = subprocess.run([self.uid2] + args, env=self.env, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError("uid2 %s failed (exit %d): %s" % (" ".join(args), proc.returncode, proc.stderr.strip()))
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def log(self):
        """The end of the service's log."""
        with open(self.log_path) as f:
            return f.read()[-3000:]

    def stop(self):
        self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
