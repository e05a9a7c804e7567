#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_as_kvm_test.sh: a KVM program that has never seen vtx (kvm/kvm_hello,
# which opens "/dev/kvm" and includes only <linux/kvm.h>) runs unmodified
# with /dev/vtx standing in for /dev/kvm, through user/vtx-as-kvm, as the
# README tells.  vtx must be loaded.  TAP.

dir=$(cd "$(dirname "$0")" && pwd)
as_kvm=$(command -v vtx-as-kvm || echo "$dir/../user/vtx-as-kvm")
hello=$dir/kvm/kvm_hello

echo "1..3"
if [ ! -c /dev/vtx ] || [ ! -x "$hello" ] || [ ! -f "$as_kvm" ]; then
	echo "ok 1 # SKIP needs /dev/vtx, $hello and vtx-as-kvm"
	echo "ok 2 # SKIP"
	echo "ok 3 # SKIP"
	exit 4
fi

# /dev/kvm outside the namespace, before: a device (kvm loaded) or nothing.
before=$(ls -l /dev/kvm 2>&1)
out=$(sh "$as_kvm" "$hello" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
status=0
if [ $rc = 0 ]; then echo "ok 1 - kvm_hello through vtx-as-kvm: exit 0"
else echo "not ok 1 - kvm_hello through vtx-as-kvm: exit $rc"; status=1; fi
case "$out" in
*"kvm_hello: 2 + 2 = 4"*) echo "ok 2 - the guest's sum came out of port 0x3f8: 4" ;;
*) echo "not ok 2 - the guest's sum came out of port 0x3f8: 4"; status=1 ;;
esac
after=$(ls -l /dev/kvm 2>&1)
if [ "$before" = "$after" ]; then
	echo "ok 3 - /dev/kvm outside the namespace is as it was"
else
	echo "# before: $before"
	echo "# after:  $after"
	echo "not ok 3 - /dev/kvm outside the namespace is as it was"
	status=1
fi
exit $status
