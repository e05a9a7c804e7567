#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_qemu_migrate_test.sh [--cross] DEVICE: Debian's QEMU 7.2 on DEVICE
# (/dev/vtx through vtx-as-kvm, or kvm-intel's /dev/kvm, the reference),
# saving, restoring and migrating a running Linux guest, savevm and
# loadvm of it, and a -vga std screendump.  TAP.  The guest (scripts/qemu-guest-init, vtx.count) counts
# on its serial console, one line about every 0.2 s, and each round checks
# that the 1 MiB of random data the round before wrote into its initramfs
# still has the md5 it had, then writes 1 MiB anew: a guest that keeps
# dirtying memory, and notices a page that a migration lost or left stale.
# A line sent to its console ends the count; it then prints its kernel log
# and leaves through isa-debug-exit (QEMU's exit status 85).
#
#   1, 2   cross: the file that test 8 saved on the other device (kept in
#          $TMPDIR as vtx-qemu-migrate.OTHER.state) restored here: the
#          counter continues and the log is clean.  The suite
#          (run_tests.sh) runs vtx first, after vtx_qemu_test.sh: there,
#          kvm-intel's file does not exist yet and these skip; kvm-intel's
#          run, in the reference block, restores vtx's file; and
#          "--cross /dev/vtx", once vtx is loaded again, does these two
#          alone with kvm-intel's file.  First, so that the PC holds one
#          saved state at a time (two, and two QEMUs, ran its 512 MB out);
#          vtx's (about 60 MB) stays in $TMPDIR from its run to
#          kvm-intel's.
#   3      savevm: the counting guest's QEMU has a disk (below); on its
#          monitor "stop", "savevm NAME", "cont": "info snapshots" lists
#          NAME and the guest counts on, 3 more lines, memory checks
#          passing.  The VM is stopped for the savevm (savevm stops it
#          anyway) so that the console output at that moment is exactly
#          what the snapshot had printed: the checks below join it to
#          what the loaded guest prints.
#   4      loadvm in the same QEMU ("stop", "loadvm NAME", "cont"): the
#          counter goes on from the snapshot point, as if the lines
#          counted after the savevm had never been, with no gap, no
#          repeat and no memory check failing, and the guest ends cleanly
#   5      that guest's kernel log is clean (no clock, lost interrupt,
#          lockup or MSR complaints)
#   6      loadvm in a fresh QEMU, "-loadvm NAME" on the same disk: the
#          counter goes on from the snapshot point, as in test 4
#   7      that guest's kernel log is clean.  Then the disk is deleted
#          (it holds the 60 MB of the snapshot: before test 8, so that
#          the PC holds one such file at a time)
#   8      save: the running guest migrated to a file ("migrate exec:cat >
#          FILE" on QEMU's monitor) while it counts; the migration
#          completes and QEMU quits
#   9      restore: a second QEMU, -incoming "exec:cat FILE", goes on where
#          the first stopped: its counter continues with no gap, no repeat
#          and no memory check failing, and the guest ends cleanly
#  10      restore: the guest's kernel log is clean
#  11      live migration between two QEMUs here (unix socket), with the
#          bandwidth held low so that it takes several passes while the
#          guest writes memory (dirty logging: KVM_GET/CLEAR_DIRTY_LOG;
#          write protection on both devices in the Bochs PC, where the
#          suite loads kvm-intel with pml=0: run_tests.sh says why):
#          completes, with counts printed during it
#  12      live: the counter continues on the destination, memory checks
#          pass, the guest ends cleanly
#  13      live: the destination guest's kernel log is clean
#  14      -vga std: the guest writes red full blocks into rows 0-1 of the
#          VGA text buffer (0xb8000); QEMU's "screendump" (PPM, 720x400)
#          shows red in those 32 pixel rows and hardly any below
#
# One command line serves both devices, so that a state saved on one
# loads on the other: -cpu qemu64,kvm=off (no KVM CPUID leaves: kvm-intel
# would offer kvmclock, async page faults and steal time, which vtx has
# not, and a guest saved with kvmclock loses its clock on vtx);
# -machine pc-i440fx-5.1: from QEMU 5.2 on, "pc" creates the kvmclock
# device on kvm-intel even without the CPUID bit, and its state section
# then fails a load on vtx, which has no such device ("Unknown savevm
# section or instance 'kvmclock'", seen in the PC); and, as in
# vtx_qemu_test.sh, kernel-irqchip=off, one vCPU, the PC's TSC rate on the
# guest's command line.
#
# The disk for savevm/loadvm: they keep the snapshot in a qcow2 image,
# and the PC carries no qemu-img.  QEMU makes one itself: the guest's
# QEMU starts with a 64 KiB raw file that dd wrote (-drive if=none: the
# guest sees no disk), and HMP's "snapshot_blkdev DRIVE FILE qcow2"
# creates a qcow2 overlay over it and puts it in its place; savevm then
# writes the snapshot into that qcow2, and the fresh QEMU of test 6 opens
# it (the raw file as its backing file).  No other package, no image
# built on the host and carried in, no QMP (its blockdev-create also
# makes one, as jobs driven by JSON): the HMP monitor the test already
# speaks.
#
# Env: VTX_QEMU, VTX_QEMU_DIR, VTX_QEMU_ACCEL as vtx_qemu_test.sh;
# VTX_QEMU_TIMEOUT (seconds each QEMU may live, default 120).
# Exit: 0 all passed, 1 a failure, 4 skipped (no QEMU or no DEVICE here).

dir=$(cd "$(dirname "$0")" && pwd)
qemu=${VTX_QEMU:-/usr/bin/qemu-system-x86_64}
qdir=${VTX_QEMU_DIR:-/vtx/qemu}
limit=${VTX_QEMU_TIMEOUT:-120}
accel=${VTX_QEMU_ACCEL:-kvm}
tdir=${TMPDIR:-/tmp}
tmp=$tdir/vtx-qemu-mig.$$
cross=0

if [ "$1" = --cross ]; then
	cross=1
	shift
fi
dev=$1
if [ $# -ne 1 ]; then
	echo "usage: vtx_qemu_migrate_test.sh [--cross] /dev/kvm|/dev/vtx" >&2
	exit 2
fi
# The name the state files go by: vtx or kvm.
me=$(basename "$dev")
case "$me" in vtx) other=kvm ;; *) other=vtx ;; esac
mystate=$tdir/vtx-qemu-migrate.$me.state
otherstate=$tdir/vtx-qemu-migrate.$other.state

plan=14
[ "$cross" = 0 ] || plan=2
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
if [ "$cross" = 1 ] && [ ! -f "$otherstate" ]; then
	skip_all "no $otherstate: the $other half of the suite saves it first"
fi

wrap=""
if [ "$dev" != /dev/kvm ]; then
	as_kvm=$(command -v vtx-as-kvm || echo "$dir/../user/vtx-as-kvm")
	[ -f "$as_kvm" ] || skip_all "vtx-as-kvm not found"
	wrap="env VTX_DEVICE=$dev sh $as_kvm"
fi
# As vtx_qemu_test.sh: in a PC of two CPUs, QEMU runs on CPU 0.
pin=""
if [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ] && command -v taskset >/dev/null; then
	pin="taskset 1"
fi
trap '' PIPE

append="console=ttyS0 panic=-1 quiet nokaslr mitigations=off cryptomgr.notests rodata=off acpi=off"
khz=$(sed -n 's/.*tsc_early_khz=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -z "$khz" ] || append="$append tsc_early_khz=$khz tsc=reliable"

# start NAME APPEND QEMU-ARGS...: QEMU in the background under $limit, its
# serial console on stdio (stdin: the fifo $tmp.NAME.ser, stdout:
# $tmp.NAME.out, opened to append: emptied while QEMU runs, it starts
# again at its beginning), its HMP monitor on the pipes
# $tmp.NAME.m.in/.m.out (what it answers collects in $tmp.NAME.mon).
# Sets pid_NAME.
start() {
	name=$1 app=$2
	shift 2
	rm -f "$tmp.$name".*
	mkfifo "$tmp.$name.ser" "$tmp.$name.m.in" "$tmp.$name.m.out"
	: >"$tmp.$name.out"
	# Opened read-write, a fifo never blocks its opener: nothing here
	# waits on a QEMU that is gone.
	cat <>"$tmp.$name.m.out" >"$tmp.$name.mon" &
	eval "cat_$name=$!"
	# timeout inside vtx-as-kvm: outside, it would kill the wrapper's
	# shell and leave QEMU running (seen: a hung QEMU kept /dev/vtx open,
	# rmmod vtx failed and the next QEMUs ran the PC out of memory).
	$pin $wrap timeout -k 5 "$limit" "$qemu" -accel "$accel" \
		-machine pc-i440fx-5.1,kernel-irqchip=off -cpu qemu64,kvm=off -m 96M \
		-nodefaults -nographic -serial stdio -no-reboot \
		-chardev "pipe,id=mon,path=$tmp.$name.m" -mon chardev=mon,mode=readline \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$qdir/vmlinux" -initrd "$qdir/initrd.gz" -append "$append $app" \
		"$@" <>"$tmp.$name.ser" >>"$tmp.$name.out" 2>"$tmp.$name.err" &
	eval "pid_$name=$! up_$name=$(cut -d' ' -f1 /proc/uptime)"
	echo "# $name: QEMU started: $*"
}
# mon NAME COMMAND: one line to the monitor.
mon() {
	printf '%s\n' "$2" 1<>"$tmp.$1.m.in"
}
# say NAME LINE: one line to the guest's console.
say() {
	printf '%s\n' "$2" 1<>"$tmp.$1.ser"
}
alive() {
	eval "kill -0 \$pid_$1" 2>/dev/null
}
# finish NAME: wait for QEMU's end; sets rc.  Then SIGKILL to any QEMU of
# this name still there (its command line names its monitor pipe, which
# is this run's own), so that none outlives its check.  Only QEMU itself:
# busybox's timeout execs QEMU and leaves a child of the same command
# line that watches it, and ends a second after it.  The name first, by
# the shell's own read: a program per process would cost the PC seconds.
finish() {
	eval "wait \$pid_$1"
	rc=$?
	eval "u0=\$up_$1"
	life=$(awk -v u0="$u0" '{ printf "%.1f", $1 - u0 }' /proc/uptime)
	eval "kill \$cat_$1" 2>/dev/null
	for p in /proc/[0-9]*; do
		comm=""
		read -r comm 2>/dev/null <"$p/comm"
		case "$comm" in qemu-system*) ;; *) continue ;; esac
		if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "^$qemu .*path=$tmp.$1.m "; then
			echo "# $1: QEMU ${p#/proc/} still there after its end: killed"
			kill -9 "${p#/proc/}" 2>/dev/null
		fi
	done
	echo "# $1: QEMU exit $rc after $life PC s"
}
# wait_for NAME FILE PATTERN SECONDS: until FILE holds PATTERN (an ERE)
# or QEMU is gone or the time is up.
wait_for() {
	w=0
	while ! tr -d '\r' <"$2" | grep -qE "$3"; do
		alive "$1" || return 1
		[ $w -lt "$4" ] || return 1
		sleep 1
		w=$((w + 1))
	done
}
# counts NAME: the last count the guest printed (0 for none).
counts() {
	tr -d '\r' <"$tmp.$1.out" | sed -n 's/^VTX-GUEST: count: \([0-9][0-9]*\) .*/\1/p' | tail -n 1 | grep . || echo 0
}
# migrate NAME URI: on NAME's monitor; waits for the end, sets mstat
# (completed, failed, ...) and leaves "info migrate" in $tmp.NAME.info.
migrate() {
	mon "$1" "migrate -d \"$2\""
	w=0 mstat=""
	while [ $w -lt "$limit" ]; do
		sleep 1
		w=$((w + 1))
		: >"$tmp.$1.mon"
		mon "$1" "info migrate"
		sleep 1
		mstat=$(tr -d '\r' <"$tmp.$1.mon" | sed -n 's/^Migration status: *//p' | tail -n 1)
		case "$mstat" in
		completed|failed|cancelled) break ;;
		esac
		alive "$1" || break
	done
	tr -d '\r' <"$tmp.$1.mon" >"$tmp.$1.info"
	echo "# $1: migration ${mstat:-(no status)} after about $((w * 2)) s"
}
# show NAME: how it went, for the comments of a failure.  A guest's
# "Kernel panic" line is reworded: scripts/testbed stops the PC on one.
show() {
	sed "s/^/#   $1 stderr: /" "$tmp.$1.err" | tail -n 20
	tr -d '\r' <"$tmp.$1.out" | grep -v '^VTX-GUEST: log:' | tail -n 60 |
		sed "s/^/#   $1 stdout: /; s/Kernel panic/Kernel-panic/"
	# awk: the monitor's last line, its prompt, ends with no newline.
	[ ! -s "$tmp.$1.info" ] || awk -v p="#   $1 monitor: " '{ print p $0 }' "$tmp.$1.info" | tail -n 30
}

n=0 status=0
result() {	# result OK|FAIL DESCRIPTION
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		status=1
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# seq_check FILE...: the count lines of the outputs, in order, joined
# (a line the source began may end in the destination's output): the
# numbers must go up by one each, from the first, with no memory check
# failing.  Sets first, last, seqmsg; false on a gap.
seq_check() {
	cat "$@" | tr -d '\r' | sed -n 's/.*VTX-GUEST: count: //p' >"$tmp.seq"
	seqmsg=$(awk '
		/^BAD/ { bad = bad " [" $0 "]"; next }
		/^stopped/ { stopped = $3; next }
		/^[0-9]+ [0-9a-f]+$/ {
			if (nr && $1 != prev + 1) gap = gap " " prev "->" $1
			if (!nr) first = $1
			prev = $1; nr++
		}
		END {
			printf "%d..%d (%d lines)", first, prev, nr
			if (gap != "") printf ", gaps:%s", gap
			if (bad != "") printf ", memory check failed:%s", bad
			if (stopped == "") printf ", never stopped"
			else if (stopped != prev) printf ", stopped at %s", stopped
			if (gap != "" || bad != "" || stopped == "" || stopped != prev) exit 1
		}' "$tmp.seq")
}
# log_ok NAME: the guest's kernel log (vtx_qemu_test.sh's list) is clean
# and it left through the exit port.
bad_log() {
	tr -d '\r' <"$tmp.$1.out" | sed -n 's/^VTX-GUEST: log: //p' |
		grep -E "lost|[Uu]nstable|[Ss]purious|timer doesn't work|MP-BIOS bug|Unable to calibrate|[Cc]alibration failed|hung_task|blocked for more than|soft lockup|hard LOCKUP|watchdog: BUG|WARNING:|BUG:|Oops|Call Trace|unchecked MSR access"
}
log_result() {	# log_result NAME DESCRIPTION
	bad=$(bad_log "$1")
	nlog=$(tr -d '\r' <"$tmp.$1.out" | grep -c '^VTX-GUEST: log:')
	if [ -z "$bad" ] && [ "$rc" = 85 ] && tr -d '\r' <"$tmp.$1.out" | grep -q '^VTX-GUEST: done'; then
		result OK "$2: guest log clean ($nlog lines looked at)"
	else
		tr -d '\r' <"$tmp.$1.out" | sed -n 's/^VTX-GUEST: log: /#   /p'
		[ -z "$bad" ] || printf '%s\n' "$bad" | sed 's/^/#   counted: /'
		result FAIL "$2: guest log clean and exit 85 (exit $rc)"
	fi
}
# run_on NAME: let the guest count on until it printed 3 more lines, then
# end it; sets rc.
run_on() {
	wait_for "$1" "$tmp.$1.out" '^VTX-GUEST: count: [0-9]+ ' 60
	from=$(counts "$1")
	wait_for "$1" "$tmp.$1.out" "^VTX-GUEST: count: ($((from + 3)) |BAD)" 60
	say "$1" stop
	wait_for "$1" "$tmp.$1.out" '^VTX-GUEST: done' 60
	finish "$1"
}

# went_on NAME DESCRIPTION SRC-OUTPUT: after run_on NAME, two results:
# NAME's counter went on after SRC-OUTPUT (the saving QEMU's stdout up to
# the save) with no gap and intact memory, and its guest log is clean.
went_on() {
	saved=$(tr -d '\r' <"$3" | sed -n 's/^VTX-GUEST: count: \([0-9][0-9]*\) .*/\1/p' | tail -n 1)
	if seq_check "$3" "$tmp.$1.out" && [ "$rc" = 85 ] && [ "$(counts "$1")" -gt "${saved:-0}" ]; then
		result OK "$2: the counter went on with no gap: $seqmsg, the last before the save $saved"
	else
		show "$1"
		result FAIL "$2: the counter goes on with no gap ($seqmsg; exit $rc)"
	fi
	log_result "$1" "$2"
}
# restore NAME FILE DESCRIPTION SRC-OUTPUT: a QEMU that loads FILE, the
# counter goes on after SRC-OUTPUT.
restore() {
	start "$1" vtx.count -incoming "exec:cat $2"
	run_on "$1"
	went_on "$1" "$3" "$4"
}
# pause NAME: "stop" on its monitor, and wait until QEMU says the VM is
# paused (nothing the guest prints comes after that).
pause() {
	: >"$tmp.$1.mon"
	mon "$1" stop
	mon "$1" "info status"
	wait_for "$1" "$tmp.$1.mon" '^VM status: paused' 30
}

echo "1..$plan"
echo "# QEMU on $dev (accel $accel${wrap:+, through vtx-as-kvm}${pin:+, pinned to CPU 0}), $limit s per QEMU"

# VTX_QEMU_MIG_DIAG=1: first, the registers QEMU reads back from the
# device before a save (VM stopped) and after the load (-S, before "cont").
if [ -n "${VTX_QEMU_MIG_DIAG:-}" ]; then
	start dsrc vtx.count
	wait_for dsrc "$tmp.dsrc.out" '^VTX-GUEST: count: 3 ' "$limit"
	mon dsrc stop
	sleep 1
	: >"$tmp.dsrc.mon"
	mon dsrc "info registers"
	sleep 2
	tr -d '\r' <"$tmp.dsrc.mon" | grep -v "$(printf '\033')" | sed 's/^/# diag before save: /'
	migrate dsrc "exec:cat >$tmp.diag.state"
	mon dsrc quit
	finish dsrc
	start ddst vtx.count -incoming "exec:cat $tmp.diag.state" -S
	sleep 15
	: >"$tmp.ddst.mon"
	mon ddst "info registers"
	sleep 2
	tr -d '\r' <"$tmp.ddst.mon" | grep -v "$(printf '\033')" | sed 's/^/# diag after load: /'
	mon ddst cont
	sleep 15
	mon ddst quit
	finish ddst
	tr -d '\r' <"$tmp.ddst.out" | sed 's/^/# diag guest: /; s/Kernel panic/Kernel-panic/' | grep -v 'VTX-GUEST: count' | tail -n 60
	tr -d '\r' <"$tmp.ddst.out" | grep 'VTX-GUEST: count' | sed 's/^/# diag guest: /' | head -n 5
	rm -f "$tmp.diag.state"
fi

if [ "$cross" = 1 ]; then
	cp "$otherstate.out" "$tmp.cross-src.out"
	restore cross "$otherstate" "cross: a state saved under $other restored on $dev" "$tmp.cross-src.out"
	rm -f "$otherstate" "$otherstate.out" "$tmp".*
	exit $status
fi

# 1, 2: the other device's state (first: see above).
if [ -f "$otherstate" ]; then
	cp "$otherstate.out" "$tmp.cross-src.out"
	restore cross "$otherstate" "cross: a state saved under $other restored on $dev" "$tmp.cross-src.out"
	rm -f "$otherstate" "$otherstate.out"
else
	skip "cross: $other's state restored on $dev" "no $otherstate (the suite runs vtx first; run_tests.sh restores kvm-intel's file on vtx later, with --cross)"
	skip "cross: guest log" "as above"
fi

# 3-7: savevm into a qcow2 overlay that QEMU creates (see above), loadvm
# in the same QEMU and in a fresh one.
snap=counting
disk=$tmp.disk
dd if=/dev/zero of="$disk.raw" bs=64k count=1 2>/dev/null
start sv vtx.count -drive "file=$disk.raw,format=raw,if=none,id=d0"
if wait_for sv "$tmp.sv.out" '^VTX-GUEST: count: 3 ' "$limit"; then
	: >"$tmp.sv.mon"
	mon sv "snapshot_blkdev d0 $disk.qcow2 qcow2"
	mon sv "info block"
	wait_for sv "$tmp.sv.mon" "^d0 .*: $disk.qcow2 \\(qcow2\\)" 60
	tr -d '\r' <"$tmp.sv.mon" >"$tmp.sv.info"
	pause sv
	cp "$tmp.sv.out" "$tmp.sv.snap"
	cs=$(counts sv)
	: >"$tmp.sv.mon"
	mon sv "savevm $snap"
	mon sv "info snapshots"
	t0=$(cut -d' ' -f1 /proc/uptime)
	wait_for sv "$tmp.sv.mon" "( $snap +[0-9.]+ [KMG]i?B |There is no snapshot|Error)" "$limit"
	sleep 1
	tsave=$(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime)
	tr -d '\r' <"$tmp.sv.mon" >>"$tmp.sv.info"
	vmsize=$(sed -n "s/^[-0-9]* *$snap *\([0-9.]* [KMG]i*B\) .*/\1/p" "$tmp.sv.info")
	mon sv cont
	wait_for sv "$tmp.sv.out" "^VTX-GUEST: count: ($((cs + 3)) |BAD)" 60
	c1=$(counts sv)
	if [ -n "$vmsize" ] && [ "$c1" -ge $((cs + 3)) ] && ! grep -q 'count: BAD' "$tmp.sv.out"; then
		result OK "savevm $snap while the guest counted (at $cs): VM size $vmsize, $(stat -c %s "$disk.qcow2") bytes of qcow2, about $tsave PC s; the guest counted on to $c1"
		saved_ok=1
	else
		show sv
		result FAIL "savevm $snap: the snapshot is listed and the guest counts on (at $cs, then $c1; VM size '${vmsize}')"
		saved_ok=0
	fi
	if [ "$saved_ok" = 1 ]; then
		# 4-5: back to the snapshot in this QEMU; its console output
		# starts afresh, to be joined to the snapshot's.
		pause sv
		: >"$tmp.sv.out"
		: >"$tmp.sv.mon"
		mon sv "loadvm $snap"
		mon sv cont
		run_on sv
		tr -d '\r' <"$tmp.sv.mon" >>"$tmp.sv.info"
		went_on sv "loadvm $snap in the same QEMU" "$tmp.sv.snap"
	else
		alive sv && mon sv quit
		finish sv
		skip "loadvm in the same QEMU" "no snapshot"
		skip "loadvm in the same QEMU: guest log" "no snapshot"
	fi
else
	alive sv && mon sv quit
	finish sv
	show sv
	result FAIL "savevm: the guest counts (to 3) before it (exit $rc)"
	skip "loadvm in the same QEMU" "no snapshot"
	skip "loadvm in the same QEMU: guest log" "no snapshot"
	saved_ok=0
fi
# 6-7: a fresh QEMU on the same disk, -loadvm.
if [ "$saved_ok" = 1 ] && [ -s "$disk.qcow2" ]; then
	start lvm vtx.count -drive "file=$disk.qcow2,format=qcow2,if=none,id=d0" -loadvm "$snap"
	run_on lvm
	went_on lvm "-loadvm $snap in a fresh QEMU" "$tmp.sv.snap"
else
	skip "-loadvm in a fresh QEMU" "no snapshot"
	skip "-loadvm in a fresh QEMU: guest log" "no snapshot"
fi
rm -f "$disk.raw" "$disk.qcow2"

# 8-10: save to a file, restore from it.
start save vtx.count
if wait_for save "$tmp.save.out" '^VTX-GUEST: count: 3 ' "$limit"; then
	c0=$(counts save)
	migrate save "exec:cat >$mystate"
	c1=$(counts save)
	mon save quit
	finish save
	if [ "$mstat" = completed ] && [ -s "$mystate" ] && [ "$rc" = 0 ]; then
		result OK "save: migrate to a file completed while the guest counted ($c0..$c1), $(stat -c %s "$mystate") bytes; QEMU quit"
		cp "$tmp.save.out" "$mystate.out"
		restore load "$mystate" "restore from the file" "$tmp.save.out"
	else
		show save
		result FAIL "save: migrate to a file completes (status '$mstat', exit $rc)"
		skip "restore" "nothing saved"
		skip "restore: guest log" "nothing saved"
		rm -f "$mystate"
	fi
else
	alive save && mon save quit
	finish save
	show save
	result FAIL "save: the guest counts (to 3) before the migration (exit $rc)"
	skip "restore" "nothing saved"
	skip "restore: guest log" "nothing saved"
fi

# 11-13: live, source to destination over a unix socket.
start dst vtx.count -incoming "unix:$tmp.sock"
start src vtx.count
if wait_for src "$tmp.src.out" '^VTX-GUEST: count: 3 ' "$limit" && [ -S "$tmp.sock" ]; then
	# 4 MiB/s, and a downtime the slow PC can meet: the kernel and
	# initramfs alone take some passes, and each pass the guest dirties
	# what the next must send again.
	mon src "migrate_set_parameter max-bandwidth 4"
	mon src "migrate_set_parameter downtime-limit 2000"
	c0=$(counts src)
	migrate src "unix:$tmp.sock"
	c1=$(counts src)
	syncs=$(sed -n 's/^dirty sync count: *//p' "$tmp.src.info")
	mon src quit
	finish src
	src_rc=$rc
	if [ "$mstat" = completed ] && [ "$c1" -ge $((c0 + 2)) ]; then
		result OK "live: migration completed; the guest counted $c0..$c1 during it; dirty sync count ${syncs:-?}"
	else
		show src
		result FAIL "live: migration completes while the guest counts on (status '$mstat', counts $c0..$c1, dirty sync count ${syncs:-?}, exit $src_rc)"
	fi
	if [ "$mstat" = completed ]; then
		run_on dst
		if seq_check "$tmp.src.out" "$tmp.dst.out" && [ "$rc" = 85 ] &&
		   [ "$(counts dst)" -gt "$c1" ]; then
			result OK "live: the counter went on on the destination with no gap and intact memory: $seqmsg, the source's last $c1"
		else
			show dst
			result FAIL "live: the counter goes on on the destination ($seqmsg; exit $rc)"
		fi
		log_result dst "live, destination"
	else
		alive dst && mon dst quit
		finish dst
		skip "live: destination" "no migration"
		skip "live: destination guest log" "no migration"
	fi
else
	alive src && mon src quit
	alive dst && mon dst quit
	finish src
	finish dst
	show src
	show dst
	result FAIL "live: source counts and destination listens (exit $rc)"
	skip "live: destination" "no migration"
	skip "live: destination guest log" "no migration"
fi

# 14: -vga std, the text buffer, screendump.
start vga vtx.vga -vga std
if wait_for vga "$tmp.vga.out" '^VTX-GUEST: vga:' "$limit"; then
	rm -f "$tmp.ppm"
	mon vga "screendump $tmp.ppm"
	w=0
	while [ $w -lt 30 ] && [ "$(cat "$tmp.ppm" 2>/dev/null | wc -c)" -lt $((720 * 400 * 3)) ]; do
		sleep 1
		w=$((w + 1))
	done
	sleep 1
	say vga go
	wait_for vga "$tmp.vga.out" '^VTX-GUEST: done' 60
	finish vga
	hdr=$(head -n 3 "$tmp.ppm" 2>/dev/null | tr '\n' ' ')
	hlen=$(head -n 3 "$tmp.ppm" 2>/dev/null | wc -c)
	set -- $hdr
	# Red: the VGA palette's bright red is (255, 85, 85).
	rows() {	# rows FIRST-ROW ROWS WIDTH: those rows' bytes
		tail -c +$((hlen + 1 + $1 * $3 * 3)) "$tmp.ppm" 2>/dev/null | head -c $(($2 * $3 * 3))
	}
	red() {	# red FIRST-ROW ROWS WIDTH: red pixels in those rows
		rows "$@" | od -An -v -tu1 -w3 | awk '$1 >= 200 && $2 < 150 && $3 < 150 { r++ } END { print r + 0 }'
	}
	# The 368 rows below, bytes of 200 or more: as many red pixels at
	# most (red has one), counted without a line per pixel, which took
	# the PC some 10 seconds of its time.
	bright() {	# bright FIRST-ROW ROWS WIDTH
		rows "$@" | tr -d '\000-\307' | wc -c
	}
	if [ "$1" = P6 ] && [ "${2:-0}" -gt 0 ] && [ "${3:-0}" -ge 64 ]; then
		wd=$2 ht=$3
		top=$(red 0 32 "$wd") rest=$(bright 32 $((ht - 32)) "$wd")
		msg="screendump ${wd}x$ht: $top of $((wd * 32)) pixels red in rows 0-31; below, $rest of $((wd * (ht - 32))) pixels could be (a byte >= 200)"
	else
		msg="screendump: no PPM (header '$hdr')"
		top=0 rest=0 wd=0 ht=0
	fi
	if [ "$top" -ge $((wd * 32 * 9 / 10)) ] && [ "$top" -gt 0 ] &&
	   [ "$rest" -lt $((wd * (ht - 32) / 10)) ] && [ "$rc" = 85 ]; then
		result OK "-vga std: the guest's red blocks at 0xb8000 are in QEMU's $msg"
	else
		show vga
		result FAIL "-vga std: the guest's red blocks at 0xb8000 in QEMU's screendump ($msg; exit $rc)"
	fi
else
	alive vga && mon vga quit
	finish vga
	show vga
	result FAIL "-vga std: the guest wrote to the VGA text buffer (exit $rc)"
fi

rm -f "$tmp".*
exit $status
