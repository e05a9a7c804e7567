#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/docs/check_tour.sh: every `file:function` that the docs name must
# exist, so that the tour (docs/tour.md) and the exit pages (docs/exits/)
# cannot drift from the code unnoticed.  A reference is written in
# backticks as `path/file.c:name`, `path/file.c:name()` or
# `path/file.c:name[]`; it exists when FILE defines NAME: a C definition
# starting in column 0 (not a one-line prototype), an assembly SYM_*()
# symbol, a #define, or a TRACE_EVENT().  TAP on stdout; exit 1 if any
# is missing or none was found.

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
docs=$(find docs -name '*.md' | sort)
refs=$(grep -ohE '`[A-Za-z0-9_./-]+\.(c|h|S):[A-Za-z_][A-Za-z0-9_]*(\(\)|\[\])?`' \
	$docs | tr -d '`' | sed 's/()$//; s/\[\]$//' | sort -u)
n=0
bad=0

for ref in $refs; do
	file=${ref%%:*} name=${ref#*:}
	n=$((n + 1))
	if [ -f "$file" ] &&
	   grep -E "^[A-Za-z_][^;]*[^A-Za-z0-9_]$name(\(|\[)|^$name\(|SYM_[A-Z_]+\($name[,)]|^#define $name[ (]|TRACE_EVENT\($name," \
		"$file" | grep -qv ';$'; then
		echo "ok $n - $ref"
	else
		echo "not ok $n - $ref: not defined there ($(grep -l "$name" $docs | tr '\n' ' '))"
		bad=$((bad + 1))
	fi
done
echo "1..$n"
if [ "$n" = 0 ]; then
	echo "# no file:function references found in docs/"
	exit 1
fi
[ "$bad" = 0 ]
