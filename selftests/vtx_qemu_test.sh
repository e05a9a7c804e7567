#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_qemu_test.sh DEVICE: Debian's own QEMU (qemu-system-x86_64 7.2, the
# real VMM vtx is meant for) boots Linux with -accel kvm on DEVICE: /dev/kvm
# (kvm-intel, the reference) or /dev/vtx (through vtx-as-kvm, which shows
# QEMU vtx where it opens /dev/kvm).  The guest is the PC's own kernel
# (on a PREEMPT_RT PC its standard flavour: Debian's 6.1.0-57-rt hangs in
# its own timer tick without a local APIC, on kvm-intel as on vtx; see
# qemu_guest_kernel in scripts/testbed) and a busybox initrd
# (scripts/qemu-guest-init) that reports what it saw and leaves through
# isa-debug-exit; scripts/testbed --qemu puts all of it in the PC.  TAP.
# Interrupts come from QEMU's own PIC, IOAPIC and local APIC
# (kernel-irqchip=off): the hypervisor only injects them.
#
#   1      QEMU starts at all here (its libraries and firmware are complete)
#   2, 3   -machine pc, 1 CPU: the guest reaches its marker and QEMU exits
#          through isa-debug-exit; the guest's kernel log shows no lost
#          interrupts, no clock trouble, no lockups
#   4, 5   the same with -smp 2: both CPUs online in the guest (with the
#          QEMU scripts/testbed carries for it: Debian's current one stops
#          at the AP's first HLT on any accelerator, see below)
#   6, 7   -machine isapc -cpu qemu64,-apic: the timer through the 8259 PIC
#   8      the serial port both ways: a command sent on QEMU's stdin runs
#          in the guest and its answer comes back on QEMU's stdout
#
# vtx_qemu_test.sh --bench N [--json FILE] DEVICE: boot the 1-CPU guest N
# times and print the TSC ticks each took, and one JSON row for
# scripts/bench (the median).
#
# Env: VTX_QEMU (default /usr/bin/qemu-system-x86_64), VTX_QEMU_DIR (the
# guest: vmlinux and initrd.gz, default /vtx/qemu), VTX_QEMU_TIMEOUT
# (seconds per boot, default 60; a boot takes about 5 PC seconds under
# kvm-intel), VTX_QEMU_ACCEL (default kvm; tcg only to try this script
# where there is no VT-x: its clock complaints then fail test 3).
# Exit: 0 all passed, 1 a failure, 4 skipped (no QEMU or no DEVICE here).

dir=$(cd "$(dirname "$0")" && pwd)
qemu=${VTX_QEMU:-/usr/bin/qemu-system-x86_64}
qdir=${VTX_QEMU_DIR:-/vtx/qemu}
limit=${VTX_QEMU_TIMEOUT:-60}
accel=${VTX_QEMU_ACCEL:-kvm}
tmp=${TMPDIR:-/tmp}/vtx-qemu.$$
bench=0
json=""

while [ $# -gt 1 ]; do
	case "$1" in
	--bench) bench=$2; shift ;;
	--json) json=$2; shift ;;
	*) break ;;
	esac
	shift
done
dev=$1
if [ $# -ne 1 ]; then
	echo "usage: vtx_qemu_test.sh [--bench N [--json FILE]] /dev/kvm|/dev/vtx" >&2
	exit 2
fi

plan=8
skip_all() {
	echo "1..$plan"
	echo "ok 1 # SKIP $1"
	i=2
	while [ $i -le $plan ]; do echo "ok $i # SKIP"; i=$((i + 1)); done
	exit 4
}
if [ ! -x "$qemu" ] || [ ! -f "$qdir/vmlinux" ] || [ ! -f "$qdir/initrd.gz" ]; then
	skip_all "no QEMU or no guest for it here ($qemu, $qdir: scripts/testbed --qemu carries them)"
fi
[ -c "$dev" ] || skip_all "$dev is missing (load its module first)"

# QEMU opens /dev/kvm; for any other device vtx-as-kvm binds it there.
wrap=""
if [ "$dev" != /dev/kvm ]; then
	as_kvm=$(command -v vtx-as-kvm || echo "$dir/../user/vtx-as-kvm")
	[ -f "$as_kvm" ] || skip_all "vtx-as-kvm not found"
	wrap="env VTX_DEVICE=$dev sh $as_kvm"
fi
# In the Bochs PC with two CPUs, a kvm-intel guest that runs on CPU 1 was
# seen to keep that CPU for good (README, "Known gaps"): QEMU runs on CPU 0,
# its vCPU threads included, on either device, so that both see the same.
pin=""
if [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ] && command -v taskset >/dev/null; then
	pin="taskset 1"
fi
tsc=$dir/vtx_tsc
# A QEMU that is gone before the serial check's line is written: the write
# fails (EPIPE), the script goes on.
trap '' PIPE
[ -x "$tsc" ] || tsc=""

# The guest's command line: quiet, and the checks Linux does at boot that
# only cost time here skipped (shared/TESTBED.md: about 5 PC s instead of
# 10).  acpi=off saves another second where ACPI is not needed: the guest
# then finds one CPU only (SeaBIOS gives no MP table), so -smp 2 keeps it.
append="console=ttyS0 panic=-1 quiet nokaslr mitigations=off cryptomgr.notests rodata=off"
# The guest's TSC ticks at the PC's rate.  On kvm-intel the guest learns
# that rate from kvmclock; vtx offers no kvmclock (README), so Linux would
# calibrate against QEMU's PIT, which needs 1000 port reads in 50 ms: in
# the emulated PC each read through QEMU takes far longer, and the guest
# gives up ("Unable to calibrate against PIT") and calls its TSC unstable.
# Where the PC's own kernel was told its TSC rate (scripts/testbed), the
# guest is told the same, on both devices alike; and, as the PC's kernel
# is (tsc=reliable), not to hold its TSC against its timer ticks: QEMU's
# timers inside the emulated PC fall behind (seen: 480 ms of jiffies for
# 615 ms of TSC), and the clocksource watchdog would call the TSC unstable.
# kvm-intel's guest has kvmclock, which that watchdog does not check.
khz=$(sed -n 's/.*tsc_early_khz=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -z "$khz" ] || append="$append tsc_early_khz=$khz tsc=reliable"

# boot NAME INPUT QEMU-ARGS...: run QEMU under $limit; sets rc, ticks, secs
# and leaves its stdout in $tmp.out, stderr in $tmp.err.  With INPUT, that
# line goes to QEMU's stdin once the guest says it reads one.
boot() {
	name=$1 input=$2
	shift 2
	set -- $pin timeout -k 5 "$limit" $wrap "$qemu" -accel "$accel" \
		-nodefaults -nographic -serial stdio -no-reboot -m 128M \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$qdir/vmlinux" -initrd "$qdir/initrd.gz" "$@"
	t0=${tsc:+$($tsc)} u0=$(cut -d' ' -f1 /proc/uptime)
	if [ -n "$input" ]; then
		rm -f "$tmp.in"
		mkfifo "$tmp.in"
		"$@" <"$tmp.in" >"$tmp.out" 2>"$tmp.err" &
		pid=$!
		exec 3>"$tmp.in"
		while kill -0 $pid 2>/dev/null &&
		      ! grep -q 'VTX-GUEST: echo: ready' "$tmp.out"; do
			sleep 1
		done
		printf '%s\n' "$input" >&3 2>/dev/null
		exec 3>&-
		wait $pid
		rc=$?
		rm -f "$tmp.in"
	else
		"$@" </dev/null >"$tmp.out" 2>"$tmp.err"
		rc=$?
	fi
	t1=${tsc:+$($tsc)} u1=$(cut -d' ' -f1 /proc/uptime)
	ticks=${tsc:+$((t1 - t0))}
	secs=$(echo "$u0 $u1" | awk '{ printf "%.2f", $2 - $1 }')
	echo "# $name: QEMU exit $rc after ${ticks:-?} TSC ticks, $secs PC s"
}

# How it went, for the comments of a failed result.
show() {
	sed 's/^/#   stderr: /' "$tmp.err" | tail -n 20
	grep -v '^VTX-GUEST: log:' "$tmp.out" | tr -d '\r' | tail -n 15 | sed 's/^/#   stdout: /'
}

# isa-debug-exit: the guest wrote 0x2a, QEMU exits (0x2a << 1) | 1.
clean_exit() {
	[ "$rc" = 85 ] && grep -q 'VTX-GUEST: done' "$tmp.out"
}

# The guest's log lines that say interrupts went missing or a clock cannot
# be trusted, or that something hung or broke: none may appear.
bad_log() {
	tr -d '\r' <"$tmp.out" | sed -n 's/^VTX-GUEST: log: //p' |
		grep -E "lost|[Uu]nstable|[Ss]purious|timer doesn't work|MP-BIOS bug|Unable to calibrate|[Cc]alibration failed|hung_task|blocked for more than|soft lockup|hard LOCKUP|watchdog: BUG|WARNING:|BUG:|Oops|Call Trace|unchecked MSR access"
}

n=0 status=0 hung=""
result() {	# result OK|FAIL DESCRIPTION
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		status=1
	fi
}
log_result() {	# log_result NAME: test of the last boot's kernel log
	if [ -n "$hung" ]; then
		result FAIL "$1: guest log (no log: $hung)"
		return
	fi
	bad=$(bad_log)
	nlog=$(grep -c '^VTX-GUEST: log:' "$tmp.out")
	if [ -z "$bad" ] && clean_exit; then
		result OK "$1: guest log clean ($nlog lines looked at)"
	else
		# All the lines the guest sent, for the context of the bad ones.
		tr -d '\r' <"$tmp.out" | sed -n 's/^VTX-GUEST: log: /#   /p'
		[ -z "$bad" ] || printf '%s\n' "$bad" | sed 's/^/#   counted: /'
		result FAIL "$1: guest log clean (no lost interrupts, clock or lockup complaints)"
	fi
}
# After a boot that ran into the timeout the next ones are not tried: the
# suite goes on at once instead of waiting $limit s for each.
# GNU timeout exits 124 (137 after -k's KILL); busybox's, as in the PC,
# passes on the status of the TERM it sent: 143.
timed_out() {
	[ "$rc" = 124 ] || [ "$rc" = 137 ] || [ "$rc" = 143 ]
}
not_tried() {
	result FAIL "$1 (not tried: $hung)"
}

if [ "$bench" != 0 ]; then
	i=0 all=""
	while [ $i -lt "$bench" ]; do
		boot "pc, 1 CPU, run $((i + 1))" "" -machine pc,kernel-irqchip=off \
			-append "$append acpi=off"
		clean_exit || { show; echo "vtx_qemu_test: the guest did not come up" >&2; exit 1; }
		all="$all ${ticks:-0}"
		i=$((i + 1))
	done
	# From QEMU's start to its exit: the guest's marker and its write to
	# the exit port are a few lines apart.
	row=$(echo $all | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 }
		END { printf "{\"name\": \"qemu_linux_boot\", \"desc\": \"QEMU: Linux to marker (%d boots)\", \"unit\": \"ticks\", \"better\": \"lower\", \"median\": %.1f, \"min\": %.1f, \"max\": %.1f}\n", NR, v[int((NR + 1) / 2)], v[1], v[NR] }')
	echo "$row"
	[ -z "$json" ] || echo "$row" >"$json"
	rm -f "$tmp.out" "$tmp.err"
	exit 0
fi

echo "1..$plan"
echo "# QEMU on $dev (accel $accel${wrap:+, through vtx-as-kvm}${pin:+, pinned to CPU 0}), timeout ${limit}s per boot"

if ver=$($wrap "$qemu" --version 2>&1 | head -n 1) && [ -n "$ver" ] &&
   case "$ver" in QEMU*) true ;; *) false ;; esac; then
	result OK "QEMU runs here: $ver"
else
	echo "#   $ver"
	result FAIL "QEMU runs here (its libraries and firmware)"
	hung="QEMU does not start"
fi

# 2, 3: the plain PC.
if [ -z "$hung" ]; then
	boot "pc, 1 CPU" "" -machine pc,kernel-irqchip=off -append "$append acpi=off"
	irq0=$(sed -n 's/.*VTX-GUEST: irq0: *0: *\([0-9]*\).*IO-APIC.*/\1/p' "$tmp.out")
	echo "# the guest runs Linux $(tr -d '\r' <"$tmp.out" | sed -n 's/.*VTX-GUEST: kernel: //p')"
	if clean_exit && [ "${irq0:-0}" -gt 0 ]; then
		result OK "pc, 1 CPU: the guest reached its marker and QEMU exited; $irq0 timer interrupts through the IOAPIC"
	else
		show
		result FAIL "pc, 1 CPU: the guest reached its marker and QEMU exited (exit $rc; 85 expected)"
		timed_out && hung="the first boot ran into the ${limit}s timeout"
	fi
	log_result "pc, 1 CPU"
else
	not_tried "pc, 1 CPU: boot"
	not_tried "pc, 1 CPU: guest log"
fi

# 4, 5: two vCPUs, the AP brought up by INIT and SIPI through QEMU's local
# APICs.  Not with Debian's current QEMU (1:7.2+dfsg-7+deb12u18): it never
# clears a delivered SIPI outside TCG, and its VM stops at the AP's first
# HLT on any accelerator (QEMU issue 3178; scripts/testbed, add_qemu_smp,
# has the story).  scripts/testbed --qemu carries Debian's previous build
# as qemu-system-x86_64.smp for this check; VTX_QEMU_SMP_BIN names another.
smp_qemu=${VTX_QEMU_SMP_BIN:-$(dirname "$qemu")/qemu-system-x86_64.smp}
if [ ! -x "$smp_qemu" ]; then
	n=$((n + 2))
	echo "ok $((n - 1)) - pc, -smp 2 # SKIP no $smp_qemu: Debian's QEMU 7.2.22 leaves an AP's SIPI pending and stops at its first HLT on any accelerator (QEMU issue 3178); scripts/testbed --qemu carries 7.2.18 for this check where apt can fetch it"
	echo "ok $n - pc, -smp 2: guest log # SKIP as above"
elif [ -z "$hung" ]; then
	echo "# -smp 2 runs $($wrap "$smp_qemu" --version 2>&1 | head -n 1)"
	qemu_main=$qemu qemu=$smp_qemu
	boot "pc, 2 CPUs" "" -machine pc,kernel-irqchip=off -smp 2 -append "$append"
	up=$(sed -n 's/.*VTX-GUEST: up: //p' "$tmp.out" | tr -d '\r')
	if clean_exit && [ "$up" = "2 0-1" ]; then
		result OK "pc, -smp 2: both CPUs online in the guest (nproc, online: $up)"
	else
		show
		result FAIL "pc, -smp 2: both CPUs online in the guest (nproc, online: '${up:-none}'; exit $rc)"
	fi
	log_result "pc, -smp 2"
	qemu=$qemu_main
else
	not_tried "pc, -smp 2: both CPUs online"
	not_tried "pc, -smp 2: guest log"
fi

# 6, 7: no local APIC at all: every tick through the 8259 PIC.
if [ -z "$hung" ]; then
	boot "isapc, no APIC" "" -machine isapc,kernel-irqchip=off -cpu qemu64,-apic \
		-append "$append"
	irq0=$(sed -n 's/.*VTX-GUEST: irq0: *0: *\([0-9]*\).*XT-PIC.*/\1/p' "$tmp.out")
	if clean_exit && [ "${irq0:-0}" -gt 0 ]; then
		result OK "isapc, -cpu qemu64,-apic: marker reached; $irq0 timer interrupts through the PIC (XT-PIC)"
	else
		show
		result FAIL "isapc, -cpu qemu64,-apic: marker reached, timer through the PIC (exit $rc)"
	fi
	# The guest's complaints about the board are the isapc's own: no ACPI
	# tables, an MP table without processors, no PCI.  bad_log ignores them.
	log_result "isapc, no APIC"
else
	not_tried "isapc: boot"
	not_tried "isapc: guest log"
fi

# 8: the serial port into the guest: the UART's receive interrupt.
if [ -z "$hung" ]; then
	boot "pc, serial echo" 'echo VTX-ECHO-$((6*7))' -machine pc,kernel-irqchip=off \
		-append "$append acpi=off vtx.echo"
	if clean_exit && tr -d '\r' <"$tmp.out" | grep -q '^VTX-ECHO-42$'; then
		result OK "serial: 'echo VTX-ECHO-\$((6*7))' sent on QEMU's stdin came back as VTX-ECHO-42"
	else
		show
		result FAIL "serial: a command sent on QEMU's stdin runs in the guest (VTX-ECHO-42; exit $rc)"
	fi
else
	not_tried "serial echo"
fi

rm -f "$tmp.out" "$tmp.err" "$tmp.in"
exit $status
