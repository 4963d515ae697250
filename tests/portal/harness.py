"""What the Portal's browser tests share: a `uid2 serve` with participants and Portal users, and
Debian's Chromium driven by Playwright, with every page's console errors collected.

Chromium is the system's (CHROMIUM, default /usr/lib/chromium/chromium), launched headless with
the flags a closed network needs; Playwright gives every launch a fresh user-data-dir of its own
(under TMPDIR). Playwright's own browser download is never used.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

from playwright.sync_api import expect, sync_playwright

from serve import KeyService  # tests/keyservice/serve.py

# Assertions wait for the page up to this long: generous for a machine shared with other builds.
expect.set_options(timeout=15_000)

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "correct horse battery staple"


class Browser:
    """Chromium through Playwright; pages whose console errors are collected."""

    def __init__(self):
        self.pw = sync_playwright().start()
        exe = os.environ.get("CHROMIUM") or "/usr/lib/chromium/chromium"
        self.browser = self.pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        self.errors = []

    def context(self, **kw):
        kw.setdefault("viewport", {"width": 1100, "height": 800})
        context = self.browser.new_context(**kw)
        context.set_default_timeout(60_000)  # a busy CI machine, not a slow page
        return context

    def page(self, context, allow_status=()):
        """A new page; its console errors and uncaught exceptions are recorded, except the
        "Failed to load resource" that a refusal with a status in allow_status causes."""
        page = context.new_page()
        allowed = [re.compile(r"status of %d\b" % s) for s in allow_status]

        def on_console(msg):
            if msg.type == "error" and not any(a.search(msg.text) for a in allowed):
                self.errors.append("%s: %s" % (page.url, msg.text))

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.errors.append("%s: uncaught %s" % (page.url, e)))
        return page

    def close(self):
        self.browser.close()
        self.pw.stop()


class Service(KeyService):
    """`uid2 serve --memory` with helpers to make participants and their Portal users."""

    def __init__(self, uid2, tmp):
        super().__init__(uid2, os.path.join(tmp, "serve.log"), "--memory")
        self.portal = self.url + "/portal/"

    def site(self, name, types, roles=(), domains=()):
        """A site with an API key of the given roles (none: no key); returns (id, key or None)."""
        args = ["site", "create", "--name", name, "--types", ",".join(types)]
        if domains:
            args += ["--domains", ",".join(domains)]
        site = self.admin(*args)["id"]
        key = self.admin("apikey", "create", "--site", site, "--roles", ",".join(roles)) if roles else None
        return site, key

    def user(self, site, email):
        """A Portal user; returns the one-time password."""
        return self.admin("user", "create", "--site", site, "--email", email)["one_time_password"]

    def grants(self, site):
        return self.admin("sharing", "list", "--site", site)["grants"]


def sign_in(page, portal, email, password):
    page.goto(portal + "signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def first_sign_in(page, portal, email, otp, password=PASSWORD):
    """Signs in with a one-time password and chooses a password, landing on Home."""
    sign_in(page, portal, email, otp)
    page.wait_for_url("**/portal/password")
    page.get_by_label("One-time password").fill(otp)
    page.get_by_label("New password (at least").fill(password)
    page.get_by_label("Confirm the new password").fill(password)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url(re.compile(r".*/portal/site/\d+/$"))


def run_python(code, env_extra, python=None):
    """Runs code in a fresh interpreter (a libuid2 client must not share a process that forks
    a browser); returns its standard output parsed as JSON."""
    env = dict(os.environ, **env_extra)
    proc = subprocess.run([python or sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError("python failed: %s" % proc.stderr[-2000:])
    return json.loads(proc.stdout)


def official(driver, python, mode, url, key, lines):
    """Runs the official Python SDK's interop driver (tests/interop/official/python/driver.py):
    MODE is encrypt or decrypt, refreshing from URL with the API key; returns its results."""
    with tempfile.TemporaryDirectory() as d:
        inp, out = os.path.join(d, "in"), os.path.join(d, "out")
        with open(inp, "w") as f:
            f.write("\n".join(lines) + "\n")
        env = dict(os.environ, UID2_API_KEY=key["api_key"], UID2_SECRET_KEY=key["secret"])
        proc = subprocess.run([python, driver, mode, url, inp, out], env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("official driver %s failed: %s" % (mode, proc.stderr[-2000:]))
        with open(out) as f:
            return [json.loads(l) for l in f.read().splitlines()]


# Every visible element with text of its own whose colour against its background (the nearest
# opaque one) is below WCAG AA's 4.5:1; disabled controls are exempt, as WCAG has them.
LOW_CONTRAST_JS = """() => {
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).map(Number); return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b); };
  const background = el => {
    for (; el; el = el.parentElement) {
      const m = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g);
      if (m && (m.length < 4 || Number(m[3]) > 0)) return getComputedStyle(el).backgroundColor;
    }
    return "rgb(255, 255, 255)";
  };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.getClientRects().length || el.closest("[disabled], :disabled")) continue;
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const a = lum(getComputedStyle(el).color), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + " '" + el.textContent.trim().slice(0, 40) + "' " + ratio.toFixed(2));
  }
  return low;
}"""


def low_contrast(page):
    return page.evaluate(LOW_CONTRAST_JS)
