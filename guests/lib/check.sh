#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check.sh OUT KIND:FILE...: check what vtx-run's loader relies on in each
# image (see ../README.md), with sh, readelf, od and awk only.
#   flat:       small, below 0x7c00 + 32 KiB, starting with code (not 0)
#   elf32/64:   ET_EXEC, EM_386 / EM_X86_64, first PT_LOAD at 0x100000
#               (p_vaddr = p_paddr), entry inside a PT_LOAD, no PT_INTERP
#               or PT_DYNAMIC
#   multiboot:  the ELF32 checks, plus a Multiboot 1 header in the first
#               8 KiB, 4-aligned, checksum 0, flags bits 1 and 16, address
#               fields that agree with the ELF's PT_LOAD
set -u
out=$1
shift
READELF=${READELF:-readelf}
fails=0

ok() { echo "ok   $1: $2"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# check_elf FILE MACHINE: the ELF checks; prints "p_offset p_paddr
# p_filesz p_memsz" of the PT_LOAD at 0x100000 on success.
check_elf() {
	$READELF -hlW "$1" | awk -v want="$2" '
		# mawk has no hex()
		function hex(s,  i, v) {
			sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef",
						   tolower(substr(s, i, 1))) - 1
			return v
		}
		/^ *Type:/ { type = $2 }
		/^ *Machine:/ { sub(/^ *Machine: */, ""); mach = $0 }
		/^ *Entry point address:/ { entry = hex($4) }
		/^ *(INTERP|DYNAMIC) / { dyn = 1 }
		/^ *LOAD / {
			n++
			off[n] = hex($2); va[n] = hex($3)
			pa[n] = hex($4); fs[n] = hex($5)
			ms[n] = hex($6)
		}
		END {
			if (type != "EXEC") { print "not ET_EXEC: " type; exit 1 }
			if (mach != want) { print "machine " mach; exit 1 }
			if (dyn) { print "has PT_INTERP or PT_DYNAMIC"; exit 1 }
			if (!n) { print "no PT_LOAD"; exit 1 }
			if (pa[1] != 1048576 || va[1] != pa[1]) {
				printf "first PT_LOAD at 0x%x (vaddr 0x%x)\n", pa[1], va[1]
				exit 1
			}
			for (i = 1; i <= n; i++) {
				if (fs[i] > ms[i]) { print "p_filesz > p_memsz"; exit 1 }
				if (entry >= pa[i] && entry < pa[i] + ms[i])
					in_seg = 1
			}
			if (!in_seg) { printf "entry 0x%x in no PT_LOAD\n", entry; exit 1 }
			printf "%d %d %d %d %d\n", off[1], pa[1], fs[1], ms[1], entry
		}'
}

# check_multiboot FILE "p_offset p_paddr p_filesz p_memsz entry"
check_multiboot() {
	od -A d -t u4 -v -N 8192 --endian=little "$1" | awk -v seg="$2" '
		NF > 1 { for (i = 2; i <= NF; i++) w[($1 / 4) + i - 2] = $i }
		END {
			split(seg, s, " ")
			for (i = 0; i in w; i++)
				if (w[i] == 464367618) break	# 0x1BADB002
			if (!(i in w)) { print "no header in the first 8 KiB"; exit 1 }
			hoff = i * 4
			if ((w[i] + w[i + 1] + w[i + 2]) % 4294967296 != 0) {
				print "bad checksum"; exit 1
			}
			flags = w[i + 1]
			if (int(flags / 2) % 2 != 1 || int(flags / 65536) % 2 != 1) {
				printf "flags 0x%x lack bit 1 or 16\n", flags; exit 1
			}
			hdr = w[i + 3]; load = w[i + 4]; lend = w[i + 5]
			bend = w[i + 6]; ent = w[i + 7]
			if (load > hdr || hoff < hdr - load) {
				print "header_addr/load_addr do not fit the file"; exit 1
			}
			# Where the address fields put load_addr in the file must
			# be where the ELF has it.
			loff = hoff - (hdr - load)
			if (load != s[2] || loff != s[1]) {
				printf "load_addr 0x%x at file offset 0x%x, ELF: 0x%x at 0x%x\n",
				       load, loff, s[2], s[1]
				exit 1
			}
			if (lend < load || lend - load > s[3]) {
				printf "load_end_addr 0x%x beyond the segment\n", lend; exit 1
			}
			if (bend < lend || bend - load > s[4]) {
				printf "bss_end_addr 0x%x\n", bend; exit 1
			}
			if (ent < load || ent >= lend || ent != s[5]) {
				printf "entry_addr 0x%x\n", ent; exit 1
			}
			printf "header at 0x%x, flags 0x%x, load 0x%x-0x%x, bss to 0x%x, entry 0x%x\n",
			       hoff, flags, load, lend, bend, ent
		}'
}

for arg; do
	kind=${arg%%:*}
	f=$out/${arg#*:}
	if [ ! -f "$f" ]; then
		bad "$f" "missing"
		continue
	fi
	case $kind in
	flat)
		size=$(wc -c < "$f")
		first=$(od -A n -t u1 -N 1 "$f" | tr -d ' ')
		if [ "$size" -gt 0 ] && [ "$size" -le 32768 ] && [ "$first" != 0 ]; then
			ok "$f" "flat, $size bytes, first byte $first"
		else
			bad "$f" "flat, $size bytes, first byte $first"
		fi
		;;
	elf32 | elf64 | multiboot)
		if [ "$kind" = elf64 ]; then
			mach="Advanced Micro Devices X86-64"
		else
			mach="Intel 80386"
		fi
		if ! seg=$(check_elf "$f" "$mach"); then
			bad "$f" "$seg"
			continue
		fi
		if [ "$kind" != multiboot ]; then
			ok "$f" "$kind, PT_LOAD at 0x100000, entry inside"
		elif msg=$(check_multiboot "$f" "$seg"); then
			ok "$f" "multiboot, $msg"
		else
			bad "$f" "$msg"
		fi
		;;
	*)
		bad "$f" "unknown kind $kind"
		;;
	esac
done

[ "$fails" -eq 0 ]
