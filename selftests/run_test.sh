# SPDX-License-Identifier: GPL-2.0
#
# run_test.sh: sourced by run_tests.sh and kvm/run_kvm_tests.sh (busybox
# sh).  The caller sets $limit (seconds per program), $tmp (a path prefix
# for scratch files) and $status (0), which run_test sets to 1 on a failure.

# run_test NAME CMD [ARGS...]: run one TAP program.  Adds "# selftest: NAME"
# and "# exit=RC" around its output, and a result of its own where the
# program's would be missing or misleading: "not ok - NAME exited RC" after
# a crash or a short run, "ok - NAME # SKIP why" for exit 4.
run_test() {
	name=$1
	shift
	echo "# selftest: $name"
	# A hung test must not take the remaining ones with it.
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$limit" "$@"
	fi
	# tee keeps the console live; the status comes back through a file.
	rm -f "$tmp.rc"
	{ "$@" 2>&1; echo $? >"$tmp.rc"; } | tee "$tmp.out"
	rc=$(cat "$tmp.rc" 2>/dev/null)
	rc=${rc:-255}
	echo "# exit=$rc"

	plan=$(sed -n 's/^ *1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp.out" | head -n 1)
	got=$(grep -cE '^ *(not )?ok [0-9]+' "$tmp.out")
	bad=$(grep -cE '^ *not ok [0-9]+' "$tmp.out")
	if [ "$rc" = 4 ]; then
		why=$(sed -n 's/^.*# *SKIP *//p' "$tmp.out" | head -n 1)
		echo "ok - $name # SKIP ${why:-exit 4}"
		return
	fi
	[ "$rc" = 0 ] && [ "$bad" = 0 ] || status=1
	if [ -z "$plan" ] || [ "$got" -lt "$plan" ]; then
		if [ "$rc" = 0 ]; then
			echo "not ok - $name printed $got of ${plan:-?} results"
			status=1
		else
			echo "not ok - $name exited $rc"
		fi
	elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		# A failure no result line admits to.
		echo "not ok - $name exited $rc"
	fi
}
