#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_fuzz_test.sh DEVICE: vtx_fuzz with the suite's fixed seeds.
#
# /dev/vtx: the racy rounds (vCPU threads, every kind of guest; 50,000
# calls in all, plus 50,000 in the digests, 100,000 per kernel: in the
# 2-CPU Bochs PC a racy round of 12,500 calls takes about 4 minutes of
# wall time, a single-threaded --safe call far less, so the digests make
# up the rest; VTX_FUZZ_SEEDS with four seeds gives 100,000 racy calls),
# each in a child of its own after which vtx's
# counters must be back to 0; then the deterministic --safe digests of the
# comparison seeds, kept for the kvm-intel part; a clean kernel log; and
# at the end "rmmod vtx" must succeed (nothing holds the module), after
# which vtx is loaded again for the rest of the suite.
#
# /dev/kvm (kvm-intel, the reference): the same comparison seeds with
# --safe (guests that always exit: kvm-intel hangs the test bed's PC on a
# guest spinning with IF = 0), and the answers compared call by call with
# vtx's: every class of difference (call, vtx's answer, kvm-intel's) is
# printed with its count and first call.  README.md, "Where vtx differs
# from KVM", says why they differ; the comparison itself passes when both
# ran.
#
# Env: VTX_FUZZ_SEEDS (racy rounds), VTX_FUZZ_ROUNDS, VTX_FUZZ_CALLS
# (per round), VTX_FUZZ_DIGEST_SEEDS, VTX_FUZZ_DIGEST_CALLS, VTX_KO
# (default /vtx/vtx.ko), TMPDIR.

dir=$(cd "$(dirname "$0")" && pwd)
dev=${1:-/dev/vtx}
ko=${VTX_KO:-/vtx/vtx.ko}
seeds=${VTX_FUZZ_SEEDS:-"0x5eed1 0x5eed3"}
rounds=${VTX_FUZZ_ROUNDS:-2}
calls=${VTX_FUZZ_CALLS:-12500}
dseeds=${VTX_FUZZ_DIGEST_SEEDS:-"0xd1 0xd2"}
dcalls=${VTX_FUZZ_DIGEST_CALLS:-25000}
keep=${TMPDIR:-/tmp}/vtx_fuzz
fuzz=$dir/vtx_fuzz
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

# Quote output as diagnostics, never as results.
quote() {
	sed 's/^/# /'
}

loaded() {
	grep -q '^vtx ' /proc/modules
}

[ -x "$fuzz" ] || { echo "1..0 # SKIP no $fuzz"; exit 4; }
[ -c "$dev" ] || { echo "1..0 # SKIP no $dev"; exit 4; }
mkdir -p "$keep"

case $dev in
*vtx*) vtx=1 ;;
*) vtx=0 ;;
esac
nseeds=$(echo $seeds | wc -w)
ndseeds=$(echo $dseeds | wc -w)
echo "TAP version 13"
if [ $vtx = 1 ]; then
	echo "1..$((nseeds + ndseeds + 3))"
else
	echo "1..$((ndseeds * 2 + 1))"
fi

# The kernel log from here on is ours to judge.
mark="vtx_fuzz_test: begin $$ $(date +%s)"
echo "$mark" >/dev/kmsg

# run_fuzz DESCRIPTION ARGS...: one result for one vtx_fuzz run.
run_fuzz() {
	what=$1
	shift
	out=$("$fuzz" "$@" "$dev" 2>&1)
	rc=$?
	printf '%s\n' "$out" | quote
	[ $rc = 0 ]
	result $? "$what (exit $rc)"
}

if [ $vtx = 1 ]; then
	for s in $seeds; do
		run_fuzz "vtx: seed $s, $rounds rounds of $calls calls, threads" \
			--seed "$s" --rounds "$rounds" --calls "$calls"
	done
fi
for s in $dseeds; do
	tag=kvm
	[ $vtx = 1 ] && tag=vtx
	run_fuzz "$tag: seed $s, $dcalls calls, --safe, digest" --seed "$s" \
		--calls "$dcalls" --safe --no-threads \
		--digest "$keep/digest.$tag.$s"
done

# compare SEED: kvm-intel's answers against vtx's, class by class.
compare() {
	a=$keep/digest.vtx.$1 b=$keep/digest.kvm.$1
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		echo "# seed $1: no digest of vtx's run (the vtx part did not run?)"
		return 1
	fi
	awk -v seed="$1" '
	function ans(line,   f, i, s) {
		split(line, f, " ")
		s = f[3]
		for (i = 4; f[i] != ""; i++)
			s = s " " f[i]
		return s
	}
	function op(line,   f) {
		split(line, f, " ")
		return f[2]
	}
	NR == FNR { vtx[$1] = $0; next }
	{
		calls++
		if (!($1 in vtx)) { missing++; next }
		if (op(vtx[$1]) != op($0)) { skew++; next }
		# vtx'"'"'s own ioctls: kvm-intel has none.
		if (op($0) ~ /^VTX_/) { own++; next }
		a = ans(vtx[$1]); b = ans($0)
		if (a == b) next
		differ++
		k = op($0) ": vtx " a ", kvm-intel " b
		if (!(k in count)) { first[k] = $1; nk++ }
		count[k]++
	}
	END {
		printf "# seed %s: %d calls (%d of vtx'"'"'s own ioctls not compared), %d answered differently, in %d classes%s\n",
		       seed, calls, own, differ, nk,
		       missing + skew ? sprintf("; %d calls only one side made", missing + skew) : ""
		for (k in count)
			printf "#   %6d x %s (first: call %s)\n", count[k], k, first[k] | "sort -rn -k2 | head -n 40"
	}' "$a" "$b"
}

if [ $vtx = 0 ]; then
	for s in $dseeds; do
		compare "$s"
		result $? "seed $s: kvm-intel's answers compared with vtx's"
	done
fi

# The kernel log since the mark: trouble there fails the run.
bad='Oops|BUG:|WARNING:|general protection|stack-protector|soft lockup|hard LOCKUP|rcu.*stall|self-detected stall|scheduling while atomic|Kernel panic|Call Trace:|kmemleak'
log=$(dmesg | sed -n "/$mark/,\$p")
if trouble=$(printf '%s\n' "$log" | grep -E "$bad"); then
	printf '%s\n' "$trouble" | head -n 40 | quote
	false
else
	true
fi
result $? "kernel log clean since the first call"

if [ $vtx = 1 ]; then
	# Every VM, vCPU and page gone with the processes: nothing holds vtx.
	msg=$(rmmod vtx 2>&1)
	rc=$?
	[ -n "$msg" ] && printf '%s\n' "$msg" | quote
	result $rc "rmmod vtx after the fuzzing"
	loaded || msg=$(insmod "$ko" 2>&1) || printf '%s\n' "$msg" | quote
	loaded && [ -c /dev/vtx ]
	result $? "insmod vtx again for the rest of the suite"
fi

[ $failed = 0 ]
