#!/bin/sh
echo "coverage is not supported in the libuid2 offline build (@remote_coverage_tools is a stub)" >&2
exit 1
