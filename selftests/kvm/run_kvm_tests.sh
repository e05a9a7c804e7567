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

. "$dir/../run_test.sh"

cpus=$(grep -c ^processor /proc/cpuinfo)
echo "# KVM-API selftests on $dev: Linux $(uname -r), $cpus CPU(s)"

for t in kvm_api_bad_input kvm_modes kvm_exits kvm_irq kvm_dirty kvm_mmio_emul kvm_run_control kvm_multi \
	kvm_kill kvm_conform kvm_hostile kvm_state; do
	if [ -x "$dir/$t" ]; then
		run_test "$t" "$dir/$t" "$dev"
	else
		echo "not ok - $t: $dir/$t is missing"
		status=1
	fi
done

rm -f "$tmp.out" "$tmp.rc"
exit $status
