#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_l1tf_test.sh [FILE]: vtx_l1tf_test with the L1D flush mode kvm-intel
# chose on this kernel.  FILE holds what
# /sys/devices/system/cpu/vulnerabilities/l1tf said while kvm_intel was
# loaded (run_tests.sh saves it; kvm-intel sets the "VMX:" part at load,
# from the same l1tf= setting vtx reads):
#   Not affected                      never
#   ...; VMX: vulnerable ...          never (l1tf=off, mitigations=off)
#   ...; VMX: flush not necessary     never (ARCH_CAPABILITIES says so)
#   ...; VMX: conditional cache flushes ...   cond
#   ...; VMX: cache flushes ...       always
# Without FILE, or without a "VMX:" part, the comparison is skipped.
dir=$(cd "$(dirname "$0")" && pwd)
mode=
if [ -n "${1:-}" ] && [ -s "$1" ]; then
	line=$(cat "$1")
	echo "# kvm-intel's L1TF state: $line"
	case "$line" in
	"Not affected"*)			mode=never ;;
	*"VMX: vulnerable"*)			mode=never ;;
	*"VMX: flush not necessary"*)		mode=never ;;
	*"VMX: conditional cache flushes"*)	mode=cond ;;
	*"VMX: cache flushes"*)			mode=always ;;
	esac
fi
exec "$dir/vtx_l1tf_test" "$mode"
