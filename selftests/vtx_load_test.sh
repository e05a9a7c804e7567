#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vtx_load_test.sh: load and unload vtx ROUNDS times.  Each load must
# bring /dev/vtx (devtmpfs creates it, synchronously), each unload must
# take it and the module away; a second insmod of a loaded vtx must fail
# with EEXIST and leave the loaded one alone.  Ends with vtx loaded.
#
# Env: VTX_KO (default /vtx/vtx.ko).

dir=$(cd "$(dirname "$0")" && pwd)
ko=${VTX_KO:-/vtx/vtx.ko}
rounds=20
n=0
failed=0

# result STATUS DESCRIPTION: one TAP line; STATUS 0 is a pass.
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# Quote command output as diagnostics: never as results or kernel text.
diag() {
	printf '%s\n' "$*" | sed '/^#/!s/^/# /'
}

loaded() {
	grep -q '^vtx ' /proc/modules
}

# The status selftest, quietly: its own TAP lines only when it fails.
healthy() {
	out=$("$dir/vtx_status_test" 2>&1) && return 0
	diag "$out"
	return 1
}

echo "TAP version 13"
echo "1..10"

if loaded; then
	msg=$(rmmod vtx 2>&1) || diag "rmmod vtx: $msg"
fi
! loaded && [ ! -e /dev/vtx ]
result $? "vtx unloaded before the rounds"

ins=0 node=0 listed=0 rm=0 gone=0 unlisted=0
i=1
while [ $i -le $rounds ]; do
	if msg=$(insmod "$ko" 2>&1); then
		ins=$((ins + 1))
	else
		diag "round $i: insmod: $msg"
	fi
	if [ -c /dev/vtx ]; then
		node=$((node + 1))
	else
		diag "round $i: no /dev/vtx after insmod"
	fi
	if loaded; then
		listed=$((listed + 1))
	else
		diag "round $i: vtx not in /proc/modules after insmod"
	fi
	if msg=$(rmmod vtx 2>&1); then
		rm=$((rm + 1))
	else
		diag "round $i: rmmod: $msg"
	fi
	if [ ! -e /dev/vtx ]; then
		gone=$((gone + 1))
	else
		diag "round $i: /dev/vtx still there after rmmod"
	fi
	if ! loaded; then
		unlisted=$((unlisted + 1))
	else
		diag "round $i: vtx still in /proc/modules after rmmod"
	fi
	i=$((i + 1))
done
[ $ins = $rounds ]
result $? "insmod succeeded $ins/$rounds"
[ $node = $rounds ]
result $? "/dev/vtx appeared after insmod $node/$rounds"
[ $listed = $rounds ]
result $? "vtx in /proc/modules after insmod $listed/$rounds"
[ $rm = $rounds ]
result $? "rmmod succeeded $rm/$rounds"
[ $gone = $rounds ]
result $? "/dev/vtx gone after rmmod $gone/$rounds"
[ $unlisted = $rounds ]
result $? "vtx gone from /proc/modules after rmmod $unlisted/$rounds"

# Leave it loaded, as run_tests.sh expects.
if loaded; then
	diag "vtx is still loaded after the rounds"
	false
else
	msg=$(insmod "$ko" 2>&1) || diag "insmod: $msg"
	loaded
fi
result $? "insmod vtx after the rounds"

# The kernel refuses a module of a name already loaded before its init runs.
if msg=$(insmod "$ko" 2>&1); then
	diag "a second insmod of vtx succeeded"
	false
else
	diag "second insmod: $msg"
	printf '%s\n' "$msg" | grep -qi 'exists'
fi
result $? "insmod of an already loaded vtx fails with EEXIST"

loaded && [ -c /dev/vtx ] && healthy
result $? "the loaded vtx is undisturbed: listed, /dev/vtx, status healthy"

[ $failed = 0 ] && exit 0
exit 1
