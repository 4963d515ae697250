"""cc_link_flags: linker flags plus the files they name, as a CcInfo.

Bazel 4.2.3's cc_library has no additional_linker_inputs, so a version script
given in linkopts would not be staged for the link. This rule carries both,
for use in a go_library's cdeps (rules_go stages additional_inputs thanks to
fix 7 of third_party/rules_go-v0.34.0-go1.26.patch) or a cc_binary's deps.
"""

def _cc_link_flags_impl(ctx):
    flags = []
    inputs = []
    if ctx.file.version_script:
        flags.append("-Wl,--version-script=" + ctx.file.version_script.path)
        inputs.append(ctx.file.version_script)
    flags.extend(ctx.attr.linkopts)
    linker_input = cc_common.create_linker_input(
        owner = ctx.label,
        user_link_flags = depset(flags),
        additional_inputs = depset(inputs),
    )
    linking_context = cc_common.create_linking_context(linker_inputs = depset([linker_input]))
    return [CcInfo(linking_context = linking_context)]

cc_link_flags = rule(
    implementation = _cc_link_flags_impl,
    attrs = {
        "version_script": attr.label(allow_single_file = True),
        "linkopts": attr.string_list(),
    },
    provides = [CcInfo],
)
