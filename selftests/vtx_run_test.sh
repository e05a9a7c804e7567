#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_run_test.sh DEVICE: every guest of guests/ run by the launcher,
# vtx-run, on DEVICE (/dev/vtx, or /dev/kvm with kvm-intel), each checked
# for its output and exit status; then the launcher's options and error
# paths.  The results on /dev/vtx are kept (in $VTX_RUN_RESULTS), and a
# run on another device compares its guests' output and status with them:
# they must be identical, but for lines with the word "ticks" (timing).
# busybox sh; TAP, the plan at the end.

dir=$(cd "$(dirname "$0")" && pwd)
dev=${1:-/dev/vtx}
run=$(command -v vtx-run || echo "$dir/../user/vtx-run")
guests=${VTX_GUESTS:-/vtx/guests}
[ -d "$guests" ] || guests=$dir/../guests/out
results=${VTX_RUN_RESULTS:-${TMPDIR:-/tmp}/vtx-run-results}
case "$dev" in *vtx*) tag=vtx ;; *) tag=$(basename "$dev") ;; esac
out=$results/$tag
n=0
status=0

pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
check() { # check COND-STATUS DESCRIPTION
	if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi
}
show() { sed 's/^/#   /' "$1" | head -n 40; }

if [ ! -x "$run" ] || [ ! -f "$guests/hello-long.elf" ]; then
	echo "1..0 # SKIP needs vtx-run and the guests (make -C user guests)"
	exit 4
fi
mkdir -p "$out"

# guest NAME STATUS EXPECT STDIN ARGS...: run one guest, check its stdout
# holds EXPECT and its exit status is STATUS; keep both for comparison.
guest() {
	name=$1 want_rc=$2 expect=$3 input=$4
	shift 4
	printf '%s' "$input" | timeout 300 "$run" -d "$dev" "$@" \
		>"$out/$name.out" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	rc=$(cat "$out/$name.rc")
	if grep -qF -- "$expect" "$out/$name.out"; then
		pass "$name ($tag): prints '$expect'"
	else
		show "$out/$name.out"; show "$out/$name.err"
		fail "$name ($tag): prints '$expect'"
	fi
	if [ "$rc" = "$want_rc" ]; then
		pass "$name ($tag): exit status $want_rc"
	else
		show "$out/$name.err"
		fail "$name ($tag): exit status $want_rc, got $rc"
	fi
	# Against vtx's run of the same guest, on any other device.
	if [ "$tag" != vtx ] && [ -f "$results/vtx/$name.rc" ]; then
		grep -v ticks "$results/vtx/$name.out" >"$out/$name.vtx.cmp"
		grep -v ticks "$out/$name.out" >"$out/$name.cmp"
		if cmp -s "$out/$name.vtx.cmp" "$out/$name.cmp" &&
		   [ "$(cat "$results/vtx/$name.rc")" = "$rc" ]; then
			pass "$name: same output and status on vtx and $tag"
		else
			echo "#   vtx (status $(cat "$results/vtx/$name.rc")):"
			show "$results/vtx/$name.out"
			echo "#   $tag (status $rc):"
			show "$out/$name.out"
			fail "$name: same output and status on vtx and $tag"
		fi
	fi
}

guest hello-real 0 "Hello from real mode!" "" "$guests/hello-real.bin"
guest hello-prot 0 "Hello from 32-bit protected mode!" "" "$guests/hello-prot.elf"
guest hello-long 0 "Hello from 64-bit long mode!" "" "$guests/hello-long.elf"
guest compute 0 "checksum 0x" "" "$guests/compute.elf"
guest uart 0 "uart: got 9 bytes: HELLO VTX" "hello vtx
" "$guests/uart.elf"
guest mmio 0 "checks passed" "" "$guests/mmio.elf"
guest multiboot 0 "multiboot: cmdline 'console=uart quiet'" "" \
	--cmdline "console=uart quiet" "$guests/multiboot.elf"
guest smp 0 "smp: 2 of 2 vCPUs checked in" "" -c 2 "$guests/smp.elf"
guest smp4 0 "smp: 4 of 4 vCPUs checked in" "" -c 4 "$guests/smp.elf"
guest exit-code 43 "exit-code: leaving with 21" "" "$guests/exit-code.elf"
guest crash 126 "crash: about to fault" "" "$guests/crash.elf"
grep -q "triple fault" "$out/crash.err" && grep -q "rip " "$out/crash.err"
check $? "crash ($tag): stderr names the triple fault and shows the registers"

# Interrupts: the PIC and PIT of vtx-run, injected with KVM_INTERRUPT and
# interrupt windows; each guest ends through the exit port with 0 (status
# 1) when its own checks held.  --timeout: a device that never delivers
# must not hold the suite (status 124 then).
guest timer 1 "timer: 10 interrupts on IRQ0 (vector 0x08, real mode), PIT mode 2 at 100 Hz; ISR after the last EOI 0; counter latch within its count: yes" "" \
	--timeout 60 "$guests/timer.bin"
guest nested 1 "nested: 5 IRQ0s handled, each with a #UD and a #DE inside: 5 #UD (5 in IRQ0), 5 #DE (5 in IRQ0); ISR 0x0; bad frames or checks: 0" "" \
	--timeout 60 "$guests/nested.elf"
guest idt-cold 1 "idt-cold: 2 interrupts, all frames right" "" \
	--timeout 60 "$guests/idt-cold.elf"
# HLT with IF=1 and no interrupt source armed ends the guest as before.
printf '\373\364' >"$out/sti-hlt.bin"
timeout 60 "$run" -d "$dev" --timeout 30 "$out/sti-hlt.bin" >/dev/null 2>"$out/sti-hlt.err"
rc=$?
[ $rc = 0 ] || show "$out/sti-hlt.err"
check $rc "sti; hlt ($tag): no interrupt can come, the guest ends, status 0 (got $rc)"

# --- the launcher's options and error paths ----------------------------------
"$run" --help >"$out/help" 2>&1
rc=$?
for o in --memory --cpus --mode --device --timeout --stats --trace --strict-io; do
	grep -q -- "$o" "$out/help" || rc=1
done
check $rc "--help: exit 0 and every option explained"

"$run" -d "$dev" --stats "$guests/hello-long.elf" >/dev/null 2>"$out/stats"
rc=$?
if [ "$tag" = vtx ]; then
	grep -q "I/O instruction" "$out/stats" && grep -q "HLT" "$out/stats" &&
		grep -q "mean ticks" "$out/stats" || rc=1
else
	grep -q "io_exits" "$out/stats" || rc=1
fi
grep -q "KVM_EXIT_IO" "$out/stats" || rc=1
[ $rc = 0 ] || show "$out/stats"
check $rc "--stats ($tag): exits by reason, with counts"

"$run" -d "$dev" --trace "$guests/hello-real.bin" >/dev/null 2>"$out/trace"
rc=$?
grep -q "trace: vCPU 0: IO out port 0x3f8" "$out/trace" &&
	grep -q "trace: vCPU 0: HLT" "$out/trace" || rc=1
[ $rc = 0 ] || show "$out/trace"
check $rc "--trace ($tag): one line per exit"

# A guest that spins forever, "jmp ." without exits, stopped by --timeout:
# the host's interrupts (and vtx's VMX-preemption timer) take it out, and
# vtx-run's signal ends KVM_RUN.  kvm-intel has no preemption timer in the
# Bochs PC, and with two CPUs only CPU 0's PIC timer was seen to make a
# guest exit there (the PC hung with the guest on CPU 1): there it spins
# with a port read each round, "in al, 0x80; jmp", which always exits.
spin='\353\376' how="without exits"
if [ "$tag" != vtx ] && [ "${VTX_PC_BACKEND:-}" = bochs ] &&
   [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ]; then
	spin='\344\200\353\374' how="with a port read each round (kvm-intel, two-CPU Bochs PC)"
fi
printf "$spin" >"$out/spin.bin"
timeout 120 "$run" -d "$dev" --timeout 3 "$out/spin.bin" >/dev/null 2>"$out/spin.err"
rc=$?
[ $rc = 124 ] || show "$out/spin.err"
[ $rc = 124 ]
check $? "--timeout 3 ($tag): a guest spinning $how is stopped, status 124 (got $rc)"

# A truncated ELF: rejected with the reason, status 125, nothing run.
printf '\177ELF\002\001\001\000' >"$out/trunc.elf"
"$run" -d "$dev" "$out/trunc.elf" >"$out/trunc.out" 2>"$out/trunc.err"
rc=$?
show "$out/trunc.err"
[ $rc = 125 ] && grep -q "trunc.elf" "$out/trunc.err" && [ ! -s "$out/trunc.out" ]
check $? "a truncated ELF is refused with its reason, status 125 (got $rc)"

"$run" -d "$dev" -m 4G "$guests/hello-long.elf" >/dev/null 2>"$out/mem.err"
rc=$?
[ $rc = 2 ] && grep -q -- "-m" "$out/mem.err"
check $? "-m 4G: a usage error that names -m (got $rc)"

"$run" -d /dev/vtx-nonexistent "$guests/hello-long.elf" >/dev/null 2>"$out/nodev.err"
rc=$?
show "$out/nodev.err"
[ $rc = 125 ] && grep -q "does not exist" "$out/nodev.err"
check $? "a missing device: status 125 and a message that says so (got $rc)"

if [ ! -e /sys/module/vtx ]; then
	"$run" "$guests/hello-long.elf" >/dev/null 2>"$out/nomod.err"
	rc=$?
	show "$out/nomod.err"
	[ $rc = 125 ] && grep -q "insmod vtx.ko" "$out/nomod.err"
	check $? "vtx not loaded: vtx-run says to insmod it (got $rc)"
fi

echo "1..$n"
exit $status
