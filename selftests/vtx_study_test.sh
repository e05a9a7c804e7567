#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_study_test.sh: what vtx shows people who study VMX and EPT, checked
# against what the guests did: vtx-run --dump-vmcs of a guest that sets
# CR0, CR4 and EFER (guests/setcr.c), --dump-ept of a guest with a known
# memory layout, --ept-graph, host addresses withheld without
# CAP_SYS_ADMIN, vtx's tracepoints counted during guest runs, and the
# debugfs counts while a guest lives and after every VM is closed.
# Needs vtx loaded, as root.  busybox sh; TAP, the plan at the end.

dir=$(cd "$(dirname "$0")" && pwd)
dev=/dev/vtx
run=$(command -v vtx-run || echo "$dir/../user/vtx-run")
guests=${VTX_GUESTS:-/vtx/guests}
[ -d "$guests" ] || guests=$dir/../guests/out
out=${TMPDIR:-/tmp}/vtx-study.$$
dbg=/sys/kernel/debug/vtx
n=0
status=0

pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
check() { # check COND-STATUS DESCRIPTION
	if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi
}
show() { sed 's/^/#   /' "$1" | head -n "${2:-40}"; }

if [ ! -x "$run" ] || [ ! -f "$guests/setcr.elf" ] || [ ! -c "$dev" ]; then
	echo "1..0 # SKIP needs vtx loaded, vtx-run and the guests"
	exit 4
fi
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT

# field FILE NAME: the value of the VMCS field called NAME in a dump
# (user/dump.c: the value in columns 14-43, the name from column 46);
# "hidden" when withheld.
field() {
	awk -v name="$2" '/^  0x[0-9a-f][0-9a-f][0-9a-f][0-9a-f] / &&
		substr($0, 46) == name {
			v = substr($0, 14, 30); sub(/ +$/, "", v)
			if (v ~ /^\(hidden/) v = "hidden"
			print v; exit
		}' "$1"
}

# has_bits VALUE BITS: every bit of BITS is set in VALUE.
has_bits() {
	[ -n "$1" ] && [ "$1" != hidden ] && [ $(($1 & $2)) = $(($2)) ]
}

# --- --dump-vmcs: what the guest set, in the VMCS ---------------------------
want="setcr: cr0 0x80050033 cr4 0x6a8 efer 0xd01"
"$run" -d "$dev" --dump-vmcs "$guests/setcr.elf" >"$out/setcr.out" \
	2>"$out/setcr.err"
rc=$?
[ $rc = 0 ] && grep -qF "$want" "$out/setcr.out"
rc=$?
[ $rc = 0 ] || { show "$out/setcr.out"; show "$out/setcr.err"; }
check $rc "setcr: the guest set CR0, CR4, EFER and read back '$want'"

d=$out/setcr.err
nf=$(sed -n 's/^vtx-run: VMCS of vCPU 0 at the end of the run: \([0-9]*\) fields$/\1/p' "$d")
lines=$(grep -cE '^  0x[0-9a-f]{4} (16|32|64)  ' "$d")
unnamed=$(grep -E '^  0x[0-9a-f]{4} (16|32|64)  ' "$d" | awk 'NF < 3' | wc -l)
[ -n "$nf" ] && [ "$nf" -gt 50 ] && [ "$lines" = "$nf" ] && [ "$unnamed" = 0 ]
rc=$?
[ $rc = 0 ] || show "$d"
check $rc "--dump-vmcs: one dump at the end, every field with width, value and name (${nf:-no} fields, $lines lines)"

cr0=$(field "$d" "guest CR0") cr0s=$(field "$d" "CR0 read shadow")
echo "# guest CR0 $cr0, CR0 read shadow $cr0s"
# PE|MP|ET|NE|WP|AM|PG: the guest's bits; the CPU may run with more.
has_bits "$cr0" 0x80050033 && [ $((cr0s)) = $((0x80050033)) ]
check $? "--dump-vmcs: guest CR0 has the bits setcr set, CR0 read shadow is 0x80050033"

cr4=$(field "$d" "guest CR4") cr4s=$(field "$d" "CR4 read shadow")
echo "# guest CR4 $cr4, CR4 read shadow $cr4s"
# DE|PAE|PGE|OSFXSR|OSXMMEXCPT; the CPU's CR4 also has VMXE (SDM A.8).
has_bits "$cr4" 0x6a8 && has_bits "$cr4" 0x2000 && [ $((cr4s)) = $((0x6a8)) ]
check $? "--dump-vmcs: guest CR4 has DE, PGE (and VMXE), CR4 read shadow is 0x6a8"

efer=$(field "$d" "guest IA32_EFER")
echo "# guest IA32_EFER $efer"
[ -n "$efer" ] && [ $((efer)) = $((0xd01)) ]
check $? "--dump-vmcs: guest IA32_EFER is 0xd01 (SCE, LME, LMA, NXE)"

grep -q "HLT exiting" "$d" && grep -q "bits set:" "$d" &&
	[ -n "$(field "$d" "primary processor-based VM-execution controls")" ]
check $? "--dump-vmcs: control words with the names of their bits (HLT exiting)"

hrip=$(field "$d" "host RIP")
echo "# host RIP as root: $hrip"
[ -n "$hrip" ] && [ "$hrip" != hidden ] && ! grep -q "hidden without" "$d"
check $? "--dump-vmcs as root: host addresses shown"

"$run" -d "$dev" --dump-vmcs=hlt -c 2 "$guests/smp.elf" >"$out/smp.out" \
	2>"$out/smp.err"
rc=$?
at0=$(grep -c "^vtx-run: VMCS of vCPU 0 at its KVM_EXIT_HLT #1:" "$out/smp.err")
at1=$(grep -c "^vtx-run: VMCS of vCPU 1 at its KVM_EXIT_HLT #1:" "$out/smp.err")
ends=$(grep -c "at the end of the run" "$out/smp.err")
[ $rc = 0 ] && [ "$at0" = 1 ] && [ "$at1" = 1 ] && [ "$ends" = 0 ]
rc=$?
[ $rc = 0 ] || show "$out/smp.err" 20
check $rc "--dump-vmcs=hlt, 2 vCPUs: one dump per vCPU at its HLT exit, none at the end"

# --- --dump-ept: the memory the guest touched -------------------------------
# vtx maps guest RAM at the guest's first touch of each page.  Linux turns
# transparent huge pages off on machines under 512 MiB, as the PC is:
# turned on for this run, vtx maps a 2 MiB EPT page where one backs the
# whole 2 MiB, and the dump must describe both sizes.
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$thp" 2>/dev/null)
[ -n "$thp_was" ] && echo madvise >"$thp" 2>/dev/null
"$run" -d "$dev" -m 16M --trace --dump-ept "$guests/hello-long.elf" >/dev/null \
	2>"$out/ept.err"
rc=$?
[ -n "$thp_was" ] && echo "$thp_was" >"$thp" 2>/dev/null
grep '^  GPA 0x' "$out/ept.err" >"$out/maps"
entry=$(sed -n 's/.*, entry \(0x[0-9a-f]*\),.*/\1/p' "$out/ept.err" | head -n 1)
echo "# EPT of -m 16M: $(wc -l <"$out/maps") mapping(s), $(grep -c ' 2M' "$out/maps") of 2M pages (THP was '${thp_was:-?}', madvise for the run); entry ${entry:-?}"
sed 's/^/#   /' "$out/maps" | head -n 20
# Sorted by GPA: inside [0, 16M), no overlap, the entry point's page among
# them, every one RWX WB with its HPA.
next=0 bad=0 leaves=0 has_entry=0
sort "$out/maps" >"$out/maps.sorted"
while read -r _ range _ _ hpa rest; do
	lo=${range%-*} hi=${range#*-}
	[ $((lo)) -ge $next ] || { echo "# overlap at $lo (the last ended at $next)"; bad=1; }
	next=$((hi + 1))
	[ -n "$entry" ] && [ $((entry)) -ge $((lo)) ] && [ $((entry)) -le $((hi)) ] &&
		has_entry=1
	case "$rest" in
	"RWX WB 4K"*|"RWX WB 2M"*) ;;
	*) echo "# not RWX WB 4K/2M: $rest"; bad=1 ;;
	esac
	case "$hpa" in 0x*) ;; *) echo "# HPA not shown as root: $hpa"; bad=1 ;; esac
	psz=4096
	case "$rest" in *" 2M"*) psz=2097152 ;; esac
	leaves=$((leaves + (hi + 1 - lo) / psz))
done <"$out/maps.sorted"
[ $rc = 0 ] && [ $bad = 0 ] && [ $next -le $((16 << 20)) ] && [ -s "$out/maps" ] &&
	[ $has_entry = 1 ]
rc=$?
[ $rc = 0 ] || show "$out/ept.err"
check $rc "--dump-ept -m 16M: the pages the guest touched, its entry point's among them, inside [0, 16M), no overlap, all RWX WB, HPA shown as root"

tleaves=$(awk '/^vtx-run: EPT paging structures/ { t = 1; next }
	t && /^  / && / GPA 0x/ && !/-> table/ { n++ } END { print n + 0 }' "$out/ept.err")
tpml4=$(grep -c '^  PML4 table 0 ' "$out/ept.err")
echo "# tree: $tleaves leaves, mappings: $leaves pages; $tpml4 PML4 entries"
[ "$tleaves" = "$leaves" ] && [ "$tpml4" -ge 1 ]
check $? "--dump-ept: the tree has one leaf per page of the mappings, under the PML4"

# --- --ept-graph --------------------------------------------------------------
"$run" -d "$dev" -m 16M --ept-graph "$out/ept.svg" "$guests/hello-long.elf" \
	>/dev/null 2>"$out/graph.err"
rc=$?
if command -v dot >/dev/null 2>&1; then
	[ $rc = 0 ] && [ -s "$out/ept.svg" ] && grep -q "digraph" "$out/ept.dot"
else
	[ $rc = 0 ] && grep -q "digraph" "$out/ept.dot" &&
		grep -q "PML4 (table 0)" "$out/ept.dot" &&
		grep -q "dot -Tsvg -o $out/ept.svg $out/ept.dot" "$out/graph.err"
fi
rc=$?
show "$out/graph.err" 5
[ $rc = 0 ] || show "$out/ept.dot"
check $rc "--ept-graph: a graphviz description of the tree (and the SVG where dot is)"

# --- without CAP_SYS_ADMIN: host addresses withheld -------------------------
if [ -x "$dir/vtx_nocap" ]; then
	"$dir/vtx_nocap" "$run" -d "$dev" -m 16M --dump-vmcs --dump-ept \
		"$guests/setcr.elf" >/dev/null 2>"$out/nocap.err"
	rc=$?
	hrip=$(field "$out/nocap.err" "host RIP")
	cr0=$(field "$out/nocap.err" "guest CR0")
	shown=$(grep '^  GPA 0x' "$out/nocap.err" | grep -vc "HPA (hidden without CAP_SYS_ADMIN)")
	echo "# without CAP_SYS_ADMIN: host RIP $hrip, guest CR0 $cr0, $shown HPA(s) shown"
	[ $rc = 0 ] && [ "$hrip" = hidden ] && has_bits "$cr0" 0x80050033 &&
		[ "$shown" = 0 ] && grep -q '^  GPA 0x' "$out/nocap.err"
	rc=$?
	[ $rc = 0 ] || show "$out/nocap.err"
	check $rc "without CAP_SYS_ADMIN: host RIP and every HPA hidden, guest state shown"
else
	pass "without CAP_SYS_ADMIN # SKIP no vtx_nocap helper"
fi

# --- tracepoints ----------------------------------------------------------------
tr=/sys/kernel/tracing
[ -d "$tr/events" ] || tr=/sys/kernel/debug/tracing
# trace_run NAME ARGS...: run vtx-run with vtx's events on; the trace in
# $out/NAME.trace, stderr in $out/NAME.err, the status in $trc.
trace_run() {
	name=$1
	shift
	echo 0 >"$tr/tracing_on"
	echo >"$tr/trace"
	echo 1 >"$tr/events/vtx/enable"
	echo 1 >"$tr/tracing_on"
	"$run" -d "$dev" "$@" >"$out/$name.out" 2>"$out/$name.err"
	trc=$?
	echo 0 >"$tr/tracing_on"
	echo 0 >"$tr/events/vtx/enable"
	cat "$tr/trace" >"$out/$name.trace"
	echo >"$tr/trace"
	echo 1 >"$tr/tracing_on"
}
count() { grep -c "$1" "$2"; }

if [ -d "$tr/events/vtx" ]; then
	ev=$(ls "$tr/events/vtx" | tr '\n' ' ')
	echo "# events/vtx: $ev"
	rc=0
	for e in vtx_entry vtx_exit vtx_exit_user vtx_ept_violation vtx_inject; do
		[ -d "$tr/events/vtx/$e" ] || { echo "# no $e"; rc=1; }
	done
	check $rc "tracefs: events/vtx has vtx_entry, vtx_exit, vtx_exit_user, vtx_ept_violation, vtx_inject"

	trace_run hello --stats "$guests/hello-long.elf"
	t=$out/hello.trace
	entries=$(count " vtx_entry: " "$t") exits=$(count " vtx_exit: " "$t")
	users=$(count " vtx_exit_user: " "$t")
	hlt=$(grep " vtx_exit: " "$t" | grep -c " reason 12 HLT ")
	uhlt=$(grep " vtx_exit_user: " "$t" | grep -c "KVM_EXIT_HLT")
	lost=$(grep -c "LOST" "$t")
	# What the run says it saw: vtx's own counters and vtx-run's.
	all=$(awk '$1 == "all" { print $2 }' "$out/hello.err")
	served=$(awk '/exits that came to vtx-run/ { s = 1; next }
		s && /KVM_EXIT_/ { n += $2 } END { print n + 0 }' "$out/hello.err")
	echo "# hello-long: $entries vtx_entry, $exits vtx_exit ($hlt HLT), $users vtx_exit_user ($uhlt KVM_EXIT_HLT); VTX_GET_VCPU_STATS: ${all:-?} exits; vtx-run served $served"
	grep " vtx_exit: " "$t" | head -n 3 | sed 's/^/#   /'
	[ $trc = 0 ] && [ "$exits" -gt 0 ] && [ "$entries" -ge "$exits" ] &&
		[ "$hlt" = 1 ] && [ "$lost" = 0 ]
	check $? "trace hello-long: vtx_entry >= vtx_exit > 0, one exit 'reason 12 HLT'"
	[ "$exits" = "${all:-x}" ] && [ "$users" = "$served" ] && [ "$uhlt" = 1 ]
	check $? "trace hello-long: vtx_exit as many as vtx counted, vtx_exit_user as many as reached vtx-run"
	grep " vtx_exit: " "$t" | grep -q "qual 0x.* rip 0x.* cost [0-9]"
	check $? "trace hello-long: vtx_exit shows qualification, guest RIP, cost"

	trace_run mmio "$guests/mmio.elf"
	t=$out/mmio.trace
	viol=$(count " vtx_ept_violation: " "$t")
	ram=$(grep " vtx_ept_violation: " "$t" | grep -c ": guest RAM: pinned and mapped")
	ramlow=$(grep " vtx_ept_violation: " "$t" | grep ": guest RAM" | grep -c "gpa 0x[0-9a-f]\{1,7\} ")
	mm=$(grep " vtx_ept_violation: " "$t" | grep -ic "gpa 0xfeb00.*: mmio")
	umm=$(grep " vtx_exit_user: " "$t" | grep -c "KVM_EXIT_MMIO")
	echo "# mmio: $viol vtx_ept_violation: $mm at testdev (resolved mmio), $ram first touches of guest RAM ($ramlow below 256M); $umm KVM_EXIT_MMIO"
	grep " vtx_ept_violation: " "$t" | head -n 2 | sed 's/^/#   /'
	[ $trc = 0 ] && [ $((viol - ram)) -ge 50 ] && [ "$mm" = $((viol - ram)) ] &&
		[ "$umm" -ge 50 ] && [ "$ram" -ge 1 ] && [ "$ramlow" = "$ram" ]
	check $? "trace mmio: an EPT violation per testdev access (>= 50), resolved mmio; the others map the guest's RAM at its first touch"

	# The EPT holds exactly what the guest touched: every page mapped at
	# its first touch (a vtx_ept_violation resolved "guest RAM") lies in a
	# mapping of --dump-ept, and every page of those mappings (4K or 2M)
	# holds such a touch.  hello-long needs no string I/O or PDPTEs, the
	# exits that map RAM without an EPT violation of their own.
	trace_run eptmap -m 16M --dump-ept "$guests/hello-long.elf"
	t=$out/eptmap.trace
	grep " vtx_ept_violation: " "$t" | grep ": guest RAM" |
		sed -n 's/.* gpa \(0x[0-9a-f]*\) .*/\1/p' | sort -u >"$out/touched"
	grep '^  GPA 0x' "$out/eptmap.err" >"$out/eptmap.maps"
	bad=0 pages=0
	touched_in() { # LO HI: is a touched GPA in [LO, HI]?
		while read -r g; do
			[ $((g)) -ge $(($1)) ] && [ $((g)) -le $(($2)) ] && return 0
		done <"$out/touched"
		return 1
	}
	while read -r g; do
		in=0
		while read -r _ range _ _ _ _; do
			lo=${range%-*} hi=${range#*-}
			[ $((g)) -ge $((lo)) ] && [ $((g)) -le $((hi)) ] && in=1
		done <"$out/eptmap.maps"
		[ $in = 1 ] || { echo "# touched $g: not in the EPT"; bad=1; }
	done <"$out/touched"
	while read -r _ range _ _ _ rest; do
		lo=$((${range%-*})) hi=$((${range#*-})) psz=4096
		case "$rest" in *" 2M"*) psz=2097152 ;; esac
		while [ $lo -lt $hi ]; do
			pages=$((pages + 1))
			touched_in $lo $((lo + psz - 1)) ||
				{ echo "# mapped page at $lo: never touched"; bad=1; }
			lo=$((lo + psz))
		done
	done <"$out/eptmap.maps"
	echo "# hello-long -m 16M: $(wc -l <"$out/touched") page(s) touched first by the guest, $pages EPT page(s) mapped"
	[ $trc = 0 ] && [ -s "$out/touched" ] && [ $bad = 0 ]
	check $? "trace + --dump-ept: the EPT maps exactly the pages the guest touched, each at its first touch"

	# WRMSR to MSR 0, which vtx does not have: #GP injected, then (no IDT)
	# a triple fault.
	printf '\017\060' >"$out/wrmsr.bin"
	trace_run wrmsr --flat --mode prot32 "$out/wrmsr.bin"
	t=$out/wrmsr.trace
	inj=$(grep " vtx_inject: " "$t" | grep -c "vector 13")
	tf=$(grep " vtx_exit: " "$t" | grep -c "triple fault")
	echo "# wrmsr: status $trc, $inj vtx_inject of vector 13, $tf triple fault exit(s)"
	grep " vtx_inject: " "$t" | head -n 2 | sed 's/^/#   /'
	[ $trc = 126 ] && [ "$inj" -ge 1 ] && [ "$tf" = 1 ]
	check $? "trace WRMSR to MSR 0: vtx_inject vector 13 (#GP), then a triple fault"
else
	fail "tracefs: no events/vtx in $tr"
fi

# --- debugfs: per-VM exits while a guest lives; zero after ------------------
get() { cat "$dbg/$1" 2>/dev/null; }
if [ -d "$dbg" ]; then
	mkfifo "$out/in"
	"$run" -d "$dev" -m 16M "$guests/uart.elf" <"$out/in" >"$out/uart.out" \
		2>"$out/uart.err" &
	pid=$!
	exec 3>"$out/in"
	i=0
	while ! grep -q "type a line" "$out/uart.out" && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	vmdir=$(ls -d "$dbg/vm-$pid-"* 2>/dev/null | head -n 1)
	echo "# while uart.elf waits: vms $(get vms), vcpus $(get vcpus), pinned_pages $(get pinned_pages), vmcs_pages $(get vmcs_pages), vmxon_cpus $(get vmxon_cpus); ${vmdir:-no vm-$pid-* dir}"
	[ -n "$vmdir" ] && [ -r "$vmdir/vcpu0/exits" ] && cat "$vmdir/vcpu0/exits" >"$out/exits"
	show "$out/exits" 12
	io=$(awk '$1 == "30" { print $2 }' "$out/exits" 2>/dev/null)
	[ -n "$vmdir" ] && [ "$(get vms)" = 1 ] && [ "$(get vcpus)" = 1 ] &&
		[ "$(get pinned_pages)" -gt 0 ] && [ "$(get pinned_pages)" -le 4096 ] &&
		[ "${io:-0}" -gt 0 ]
	check $? "debugfs while a guest lives: vms 1, vcpus 1, pinned_pages 1..4096 (what it touched of 16M), vm-$pid-*/vcpu0/exits counts its I/O exits (${io:-none})"
	echo hello >&3
	exec 3>&-
	wait $pid
	rc=$?
	grep -q "uart: got 5 bytes: HELLO" "$out/uart.out" && [ $rc = 0 ]
	check $? "uart.elf ends once fed a line (status $rc)"
	left=$(ls -d "$dbg"/vm-* 2>/dev/null | wc -l)
	echo "# after every VM closed: vms $(get vms), vcpus $(get vcpus), pinned_pages $(get pinned_pages), vmcs_pages $(get vmcs_pages), vmxon_cpus $(get vmxon_cpus), $left vm-* dir(s)"
	[ "$(get vms)" = 0 ] && [ "$(get vcpus)" = 0 ] &&
		[ "$(get pinned_pages)" = 0 ] && [ "$left" = 0 ] &&
		[ "$(get vmcs_pages)" = "$(get vmxon_cpus)" ]
	check $? "debugfs after every VM closed: vms, vcpus, pinned_pages 0, no vm-* dir, vmcs_pages = VMXON pages only"
else
	fail "debugfs: no $dbg"
fi

"$run" --help >"$out/help" 2>&1
rc=$?
for o in --dump-vmcs --dump-ept --ept-graph; do
	grep -q -- "$o" "$out/help" || rc=1
done
check $rc "--help explains --dump-vmcs, --dump-ept, --ept-graph"

echo "1..$n"
exit $status
