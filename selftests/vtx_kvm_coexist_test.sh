#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_kvm_coexist_test.sh: vtx and Debian's kvm_intel exclude each other
# cleanly.  VMX has one owner per CPU; whichever hypervisor comes second
# must fail (EBUSY, no oops: the test bed scans the kernel log) and leave
# the first untouched, and once the first is gone the second must work.
#
#   A: vtx loaded, then kvm: kvm_intel refuses to load (6.12, which
#      enables VMX at load) or loads but cannot create a VM (6.1).
#   B: kvm loaded with a VM open, then vtx: insmod fails with a message.
#
# Ends with vtx loaded and the kvm modules unloaded.
# Env: VTX_KO (default /vtx/vtx.ko), VTX_KMOD (default /vtx/kmod).

dir=$(cd "$(dirname "$0")" && pwd)
ko=${VTX_KO:-/vtx/vtx.ko}
kmod=${VTX_KMOD:-/vtx/kmod}
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

diag() {
	printf '%s\n' "$*" | sed '/^#/!s/^/# /'
}

loaded() {
	grep -q "^$1 " /proc/modules
}

healthy() {
	out=$("$dir/vtx_status_test" 2>&1) && return 0
	diag "$out"
	return 1
}

# modload NAME FILE: insmod FILE unless module NAME is there already.
modload() {
	loaded "$1" && return 0
	if [ ! -f "$2" ] && [ "$1" = irqbypass ]; then
		diag "no $2: assuming irqbypass is built in"
		return 0
	fi
	msg=$(insmod "$2" 2>&1) && return 0
	diag "insmod $2: $msg"
	return 1
}

# Unload whatever of the kvm stack is loaded, in reverse order.
kvm_unload() {
	rc=0
	for m in kvm_intel kvm irqbypass; do
		loaded $m || continue
		msg=$(rmmod $m 2>&1) || { diag "rmmod $m: $msg"; rc=1; }
	done
	return $rc
}

# Y when kvm (6.12+) enters VMX as kvm_intel loads; empty before 6.12.
virt_at_load() {
	cat /sys/module/kvm/parameters/enable_virt_at_load 2>/dev/null
}

echo "TAP version 13"
if [ ! -f "$kmod/kvm-intel.ko" ]; then
	echo "1..0 # SKIP no $kmod/kvm-intel.ko"
	exit 4
fi
echo "1..17"
diag "kernel $(uname -r)"

# --- A: vtx first --------------------------------------------------------
loaded vtx || { msg=$(insmod "$ko" 2>&1) || diag "insmod vtx: $msg"; }
loaded vtx
result $? "A: vtx loaded"

modload irqbypass "$kmod/irqbypass.ko" && modload kvm "$kmod/kvm.ko"
result $? "A: irqbypass and kvm load next to vtx"

eval_=$(virt_at_load)
diag "kvm enable_virt_at_load: ${eval_:-absent (before 6.12)}"
if modload kvm_intel "$kmod/kvm-intel.ko"; then
	diag "kvm_intel loaded next to vtx"
	[ "$eval_" != Y ]
	result $? "A: kvm_intel loaded (it enters VMX only for a VM here)"
else
	diag "kvm_intel refused to load next to vtx"
	! loaded kvm_intel
	result $? "A: kvm_intel refused to load cleanly"
fi

if loaded kvm_intel; then
	out=$("$dir/vtx_hold_vm" /dev/kvm -- true 2>&1)
	rc=$?
	diag "$out"
	[ $rc = 3 ]
	result $? "A: KVM_CREATE_VM on /dev/kvm fails while vtx holds VMX (exit $rc)"
else
	skip "A: KVM_CREATE_VM on /dev/kvm fails while vtx holds VMX" \
		"kvm_intel not loaded"
fi

healthy
result $? "A: vtx still in VMX on every CPU with kvm loaded"

kvm_unload
result $? "A: kvm stack unloads"

loaded vtx && healthy
result $? "A: vtx healthy after kvm came and went"

# --- B: kvm first --------------------------------------------------------
msg=$(rmmod vtx 2>&1) || diag "rmmod vtx: $msg"
! loaded vtx
result $? "B: vtx unloaded"

modload irqbypass "$kmod/irqbypass.ko" && modload kvm "$kmod/kvm.ko" &&
	modload kvm_intel "$kmod/kvm-intel.ko"
result $? "B: kvm stack loads without vtx"

# Loaded but without a VM, kvm_intel owns VMX only if it enables it at load.
eval_=$(virt_at_load)
msg=$(insmod "$ko" 2>&1)
rc=$?
diag "insmod vtx with kvm_intel loaded, no VM: exit $rc${msg:+: $msg}"
if [ "$eval_" = Y ]; then
	[ $rc != 0 ] && ! loaded vtx
	result $? "B: insmod vtx fails: kvm_intel entered VMX at load"
else
	[ $rc = 0 ] && loaded vtx && healthy &&
		{ msg=$(rmmod vtx 2>&1) || { diag "rmmod vtx: $msg"; false; }; }
	result $? "B: vtx loads and unloads while kvm_intel has no VM"
fi
loaded vtx && { rmmod vtx 2>/dev/null; diag "vtx had to be removed"; }

# Mark the kernel log, so that only vtx's answer to this insmod counts.
mark="vtx-selftest: coexist B mark $$"
echo "$mark" >/dev/kmsg 2>/dev/null
out=$("$dir/vtx_hold_vm" /dev/kvm -- insmod "$ko" 2>&1)
rc=$?
diag "$out"
printf '%s\n' "$out" | grep -q 'hold_vm: insmod exited'
result $? "B: KVM_CREATE_VM on /dev/kvm works without vtx"
[ $rc != 0 ] && [ $rc != 3 ]
result $? "B: insmod vtx fails while a KVM VM is open (exit $rc)"
! loaded vtx && [ ! -e /dev/vtx ]
result $? "B: vtx absent after the refused insmod"
log=$(dmesg | awk -v m="$mark" 'seen; index($0, m) { seen = 1 }')
[ -n "$log" ] || log=$(dmesg | tail -n 20)
why=$(printf '%s\n' "$log" | grep -i 'vtx' | grep -iE 'busy|in use|another')
if [ -n "$why" ]; then
	diag "$why"
else
	diag "no such vtx message; the kernel log since the insmod:"
	diag "$log"
fi
[ -n "$why" ]
result $? "B: vtx logged that another hypervisor holds VMX"

kvm_unload
result $? "B: kvm stack unloads"

loaded vtx && { rmmod vtx 2>/dev/null; diag "vtx was loaded: removed it"; }
msg=$(insmod "$ko" 2>&1) || diag "insmod vtx: $msg"
loaded vtx
result $? "B: insmod vtx succeeds once kvm is gone"

healthy
result $? "B: vtx healthy"

# Whatever failed above, leave the state run_tests.sh expects.
kvm_unload >/dev/null 2>&1
loaded vtx || insmod "$ko" >/dev/null 2>&1

[ $failed = 0 ] && exit 0
exit 1
