#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_kvm_tests.sh [DEVICE]: the KVM-API selftests, kselftest style, against
# DEVICE (default /dev/vtx; /dev/kvm with kvm-intel is the reference).
# busybox sh, as root.  Loads nothing: the caller has loaded vtx or
# kvm-intel.  The programs are found beside this script.
#
# Each program prints its own TAP plan and results.  This script adds
# "# selftest: NAME" and "# exit=RC" around each, and a result of its own
# where the program's would be missing or misleading: "not ok - NAME
# exited RC" after a crash or a short run, "ok - NAME # SKIP why" for
# exit 4.
#
# Env: VTX_TEST_TIMEOUT (seconds per program, default 900).

dir=$(cd "$(dirname "$0")" && pwd)
dev=${1:-/dev/vtx}
limit=${VTX_TEST_TIMEOUT:-900}
tmp=${TMPDIR:-/tmp}/vtx-kvm-selftest.$$
status=0

# run_test NAME CMD [ARGS...]  (as in ../run_tests.sh)
run_test() {
	name=$1
	shift
	echo "# selftest: $name"
	# A hung test must not take the remaining ones with it.
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$limit" "$@"
	fi
	# tee keeps the console live; the status comes back through a file.
	rm -f "$tmp.rc"
	{ "$@" 2>&1; echo $? >"$tmp.rc"; } | tee "$tmp.out"
	rc=$(cat "$tmp.rc" 2>/dev/null)
	rc=${rc:-255}
	echo "# exit=$rc"

	plan=$(sed -n 's/^ *1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp.out" | head -n 1)
	got=$(grep -cE '^ *(not )?ok [0-9]+' "$tmp.out")
	bad=$(grep -cE '^ *not ok [0-9]+' "$tmp.out")
	if [ "$rc" = 4 ]; then
		why=$(sed -n 's/^.*# *SKIP *//p' "$tmp.out" | head -n 1)
		echo "ok - $name # SKIP ${why:-exit 4}"
		return
	fi
	[ "$rc" = 0 ] && [ "$bad" = 0 ] || status=1
	if [ -z "$plan" ] || [ "$got" -lt "$plan" ]; then
		if [ "$rc" = 0 ]; then
			echo "not ok - $name printed $got of ${plan:-?} results"
			status=1
		else
			echo "not ok - $name exited $rc"
		fi
	elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		# A failure no result line admits to.
		echo "not ok - $name exited $rc"
	fi
}

cpus=$(grep -c ^processor /proc/cpuinfo)
echo "# KVM-API selftests on $dev: Linux $(uname -r), $cpus CPU(s)"

for t in kvm_api_bad_input kvm_modes kvm_exits kvm_run_control kvm_multi \
	kvm_kill; do
	if [ -x "$dir/$t" ]; then
		run_test "$t" "$dir/$t" "$dev"
	else
		echo "not ok - $t: $dir/$t is missing"
		status=1
	fi
done

rm -f "$tmp.out" "$tmp.rc"
exit $status
