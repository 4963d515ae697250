"""Repository rules that keep the build offline apart from the Go module proxy.

go_mod_download: fetches a Go module (e.g. rules_go, gazelle) with
`go mod download -json module@version` -- through the Go module proxy and the
user's module cache -- copies it into the repository and applies patches.

sys_dir_repository: exposes a Debian system directory (e.g. /usr/share/bazel/...,
/usr/share/java) as an external repository, optionally patched.

Neither rule records an absolute path other than Debian system paths.
"""

_GO_ENV = ["GOPATH", "GOMODCACHE", "GOPROXY", "GOFLAGS", "GONOSUMDB", "GOSUMDB", "GOROOT"]

def _find_go(ctx):
    go = ctx.which("go")
    if go:
        return go
    goroot = ctx.os.environ.get("GOROOT", "/usr/local/go")
    go = ctx.path(goroot + "/bin/go")
    if not go.exists:
        fail("go not found on PATH nor at %s (run tools/bootstrap.sh)" % go)
    return go

def _go_mod_download_impl(ctx):
    go = _find_go(ctx)
    env = {"GOFLAGS": "-mod=mod", "GO111MODULE": "on", "GOTOOLCHAIN": "local"}
    res = ctx.execute(
        [go, "mod", "download", "-json", ctx.attr.module + "@" + ctx.attr.version],
        environment = env,
        quiet = True,
    )
    if res.return_code != 0 and not res.stdout:
        fail("go mod download %s@%s failed:\n%s" % (ctx.attr.module, ctx.attr.version, res.stderr))
    info = json.decode(res.stdout)
    if info.get("Error"):
        fail("go mod download %s@%s: %s" % (ctx.attr.module, ctx.attr.version, info["Error"]))
    if ctx.attr.sum and info.get("Sum") != ctx.attr.sum:
        fail("%s@%s: sum %s, expected %s" % (ctx.attr.module, ctx.attr.version, info.get("Sum"), ctx.attr.sum))
    res = ctx.execute(["cp", "-R", info["Dir"] + "/.", "."])
    if res.return_code != 0:
        fail("copy failed: " + res.stderr)
    ctx.execute(["chmod", "-R", "u+w", "."])
    for p in ctx.attr.patches:
        ctx.patch(p, strip = 1)
    if ctx.attr.go_mod_vendor:
        # Module zips carry an empty vendor/ (modules.txt only); gazelle builds
        # its repository tools in GOPATH mode from vendor/.
        res = ctx.execute([go, "mod", "vendor"], environment = env, quiet = True)
        if res.return_code != 0:
            fail("go mod vendor failed in %s:\n%s" % (ctx.name, res.stderr))
    if ctx.attr.build_file_content:
        ctx.file("BUILD.bazel", ctx.attr.build_file_content)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

go_mod_download = repository_rule(
    implementation = _go_mod_download_impl,
    attrs = {
        "module": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "sum": attr.string(doc = "expected h1: sum (optional; the go command checks sumdb anyway)"),
        "patches": attr.label_list(),
        "go_mod_vendor": attr.bool(default = False),
        "build_file_content": attr.string(),
    },
    environ = _GO_ENV,
)

def _sys_dir_repository_impl(ctx):
    src = ctx.path(ctx.attr.path)
    if not src.exists:
        fail("%s does not exist (run tools/bootstrap.sh)" % ctx.attr.path)
    if ctx.attr.patch_cmds:
        # copy, so that patching never touches the system directory
        res = ctx.execute(["cp", "-R", ctx.attr.path + "/.", "."])
        if res.return_code != 0:
            fail("copy failed: " + res.stderr)
        ctx.execute(["chmod", "-R", "u+w", "."])
        for cmd in ctx.attr.patch_cmds:
            res = ctx.execute(["bash", "-c", cmd])
            if res.return_code != 0:
                fail("patch_cmd failed: %s\n%s" % (cmd, res.stderr))
    else:
        for entry in src.readdir():
            if entry.basename in ["BUILD", "BUILD.bazel", "WORKSPACE"] and ctx.attr.build_file_content:
                continue
            ctx.symlink(entry, entry.basename)
    if ctx.attr.build_file_content:
        ctx.file("BUILD.bazel", ctx.attr.build_file_content)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

sys_dir_repository = repository_rule(
    implementation = _sys_dir_repository_impl,
    attrs = {
        "path": attr.string(mandatory = True),
        "patch_cmds": attr.string_list(),
        "build_file_content": attr.string(),
    },
    local = True,
)
