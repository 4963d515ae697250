"""portal_browser: what the Portal's browser tests drive, as a repository.

tools/bootstrap.sh installs Debian's chromium and, once, Playwright for Python (pinned in
tests/portal/requirements.txt) into a virtual environment under
~/.cache/libuid2/portal-browser (or $LIBUID2_CACHE/portal-browser), copying the pin file there
last. This rule downloads nothing: it checks that the copy equals the checked-in pin file and
that chromium is installed -- otherwise it fails saying to run tools/bootstrap.sh -- and links
the venv in:

  @portal_browser//:python        python/bin/python, with playwright importable
  @portal_browser//:python_venv   every file of the venv (with Playwright's driver)
"""

load("//tools:official_sdks.bzl", "VENV_BUILD", "checked_cache")

CHROMIUM = "/usr/lib/chromium/chromium"

def _portal_browser_impl(ctx):
    root = checked_cache(ctx, "portal-browser", [ctx.attr.pin], "Playwright")
    if not ctx.path(CHROMIUM).exists:
        fail("%s is missing (Debian's chromium): run tools/bootstrap.sh" % CHROMIUM)
    ctx.symlink(root.get_child("python"), "python")
    ctx.file("BUILD.bazel", VENV_BUILD)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

portal_browser = repository_rule(
    implementation = _portal_browser_impl,
    attrs = {
        "pin": attr.label(allow_single_file = True, doc = "the pin file whose copy in the cache says what it holds"),
    },
    environ = ["HOME", "LIBUID2_CACHE"],
    local = True,
)
