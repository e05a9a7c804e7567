#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_kdump_test.sh MODE: crash the PC with VMX on and let a crash kernel
# take over (kdump).  Not part of run_tests.sh: the crash ends the PC.  Run
# it with scripts/testbed --kdump MODE, which boots the PC with
# crashkernel= and carries Debian's kexec, the PC's own kernel as the crash
# kernel (/vtx/kdump/vmlinuz) and a tiny initrd (/vtx/kdump/initrd.gz,
# scripts/testbed-kdump-init) whose /init prints "VTX-KDUMP: crash kernel
# up", tries insmod vtx (VMXON works only if the crashed kernel left VMX)
# and powers off.  The verdict is those lines (scripts/testbed-verdict
# --kdump).
#
# MODE:
#   vtx-guest  vtx loaded and a guest spinning under vtx-run (VMX on, a
#              VMCS in use) at the crash
#   vtx-idle   vtx loaded, no VM (VMX on all the same: vtx enters it at load)
#   kvm-guest  the reference: Debian's kvm-intel instead of vtx, a guest
#              spinning under vtx-run -d /dev/kvm
#
# The crash kernel's command line is this kernel's (less crashkernel=,
# initrd=, quiet and loglevel=) with "maxcpus=1 nr_cpus=1 irqpoll reset_devices", as Debian's
# kdump-tools gives it.  Env: VTX_KO, VTX_KMOD, VTX_KDUMP_DIR (/vtx/kdump),
# VTX_KEXEC (/sbin/kexec).
# Exit (only when the crash does not happen): 1 a step failed, 4 skipped.

mode=${1:-vtx-guest}
ko=${VTX_KO:-/vtx/vtx.ko}
kmod=${VTX_KMOD:-/vtx/kmod}
kd=${VTX_KDUMP_DIR:-/vtx/kdump}
kexec=${VTX_KEXEC:-/sbin/kexec}
tmp=${TMPDIR:-/tmp}

say() { echo "VTX-KDUMP: $*"; }
fail() { say "FAIL: $*"; exit 1; }

case "$mode" in vtx-guest|vtx-idle|kvm-guest) ;;
*) fail "unknown mode '$mode' (vtx-guest, vtx-idle or kvm-guest)" ;;
esac
[ -x "$kexec" ] && [ -f "$kd/vmlinuz" ] && [ -f "$kd/initrd.gz" ] || {
	say "SKIP: no kexec or crash kernel here (scripts/testbed --kdump carries them)"
	exit 4
}
grep -q 'crashkernel=' /proc/cmdline || {
	say "SKIP: booted without crashkernel="
	exit 4
}
say "reserved: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ' | tr '\n' ' ')"

# Without quiet: the crash kernel's boot log shows where it stops, if it does.
append=$(sed -e 's/\(^\| \)\(crashkernel\|initrd\|BOOT_IMAGE\|loglevel\)=[^ ]*//g' \
	-e 's/\(^\| \)quiet\( \|$\)/ /g' /proc/cmdline)
append="$append maxcpus=1 nr_cpus=1 irqpoll reset_devices"
out=$("$kexec" -p "$kd/vmlinuz" --initrd="$kd/initrd.gz" --append="$append" 2>&1) ||
	fail "kexec -p: $out"
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || fail "kexec -p: no crash kernel loaded"
say "crash kernel loaded: $append"

# A real-mode guest: write 'R' to port 0xe9, then jmp $ forever (IF=1 at
# entry, so the host's timer still takes the CPU back).
printf '\260\122\346\351\353\376' >"$tmp/spin.bin"

case "$mode" in
vtx-*)
	insmod "$ko" || fail "insmod $ko"
	dev=/dev/vtx
	;;
kvm-guest)
	for m in irqbypass kvm kvm-intel; do
		insmod "$kmod/$m.ko" || fail "insmod $kmod/$m.ko"
	done
	dev=/dev/kvm
	;;
esac
# With more than one CPU the guest runs on the last one and the crash
# comes on CPU 0, so that the crash kernel starts on CPU 0 and the other
# CPU, in VMX operation with a guest, is stopped by the crash NMI (whose
# callback must leave VMX there).  The crash kernel has one CPU, the one
# that crashed; in the Bochs PC (noapic, no I/O APIC in use) only the
# 8259's timer interrupt reaches it, and Bochs wires the 8259's INTR to
# the bootstrap processor alone (bx_pc_system_c::raise_INTR()): a crash
# kernel on CPU 1 there stopped at 1.13 s, its clock never moving.
ncpus=$(grep -c ^processor /proc/cpuinfo)
on_guest="" on_crash=""
if [ "$ncpus" -gt 1 ] && command -v taskset >/dev/null; then
	on_guest="taskset -c $((ncpus - 1))" on_crash="taskset -c 0"
fi
if [ "$mode" != vtx-idle ]; then
	$on_guest vtx-run -d "$dev" --flat "$tmp/spin.bin" >"$tmp/spin.out" 2>&1 &
	pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q R "$tmp/spin.out" && break
		sleep 1
	done
	grep -q R "$tmp/spin.out" && kill -0 $pid 2>/dev/null ||
		fail "the guest does not run: $(cat "$tmp/spin.out")"
	sleep 1
	kill -0 $pid 2>/dev/null || fail "the guest stopped: $(cat "$tmp/spin.out")"
	say "guest running on $dev (vtx-run pid $pid)"
fi
grep -E '^(vtx|kvm_intel|kvm) ' /proc/modules | sed 's/^/VTX-KDUMP: module: /'
echo "VTX-PC: dmesg begin"
dmesg
echo "VTX-PC: dmesg end"
say "crashing ($mode)${on_crash:+ on CPU 0, the guest on CPU $((ncpus - 1))}"
sleep 1
$on_crash sh -c 'echo c >/proc/sysrq-trigger'
fail "still alive after the crash"
