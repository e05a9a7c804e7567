// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ept/lib/ept.c: EPTP and entry encoding, decoding, and the
 * misconfiguration rules.
 */
#include "unit.h"
#include "ept/lib/dirty.h"
#include "ept/lib/ept.h"
#include "vmx/lib/arch.h"

/* Bochs 2.7 corei7_skylake_x: exec-only, 4-level, WB, 2M, 1G, INVEPT... */
static const u64 bochs_caps = 0x00000f0106334141ULL;

static void test_eptp(void)
{
	CHECK_EQ(vtx_eptp(0x12345000, false), 0x1234501e,
		 "eptp: WB (6), walk length 4 (3 << 3)");
	CHECK_EQ(vtx_eptp(0x12345000, true), 0x1234505e,
		 "eptp: A/D enable is bit 6");
	CHECK_EQ(vtx_eptp(0x12345fff, false), 0x1234501e,
		 "eptp: low address bits are not taken");
}

static void test_index(void)
{
	u64 gpa = 0x0000123456789abcULL;

	CHECK_EQ(vtx_ept_index(gpa, 1), (gpa >> 12) & 511, "index: PT");
	CHECK_EQ(vtx_ept_index(gpa, 2), (gpa >> 21) & 511, "index: PD");
	CHECK_EQ(vtx_ept_index(gpa, 3), (gpa >> 30) & 511, "index: PDPT");
	CHECK_EQ(vtx_ept_index(gpa, 4), (gpa >> 39) & 511, "index: PML4");
	CHECK_EQ(vtx_ept_level_size(2), 2 << 20, "level size: 2 MiB");
}

static void test_leaf(void)
{
	struct vtx_ept_decoded d;
	u64 e = 0;

	CHECK_EQ(vtx_ept_leaf_entry(0x5000, VTX_EPT_RWX, 1, VTX_EPT_MT_WB, &e),
		 0, "leaf: 4K RWX WB");
	CHECK_EQ(e, 0x5037, "leaf: 4K entry bits");
	CHECK(!vtx_ept_misconfig(e, 1, bochs_caps), "leaf: 4K is well formed");
	vtx_ept_decode(e, 1, &d);
	CHECK(d.present && d.leaf && d.addr == 0x5000 && d.size == 4096 &&
	      d.memtype == 6 && d.perms == VTX_EPT_RWX, "decode: 4K leaf");

	CHECK_EQ(vtx_ept_leaf_entry(0x200000, VTX_EPT_READ | VTX_EPT_EXEC, 2,
				    VTX_EPT_MT_WB, &e), 0, "leaf: 2M RX");
	CHECK_EQ(e, 0x2000b5, "leaf: 2M entry has the large bit");
	CHECK(!vtx_ept_misconfig(e, 2, bochs_caps), "leaf: 2M is well formed");
	vtx_ept_decode(e, 2, &d);
	CHECK(d.leaf && d.addr == 0x200000 && d.size == (2 << 20),
	      "decode: 2M leaf");

	CHECK(vtx_ept_leaf_entry(0x201000, VTX_EPT_RWX, 2, 6, &e) == -EINVAL,
	      "leaf: misaligned 2M refused");
	CHECK(vtx_ept_leaf_entry(0x5000, VTX_EPT_WRITE, 1, 6, &e) == -EINVAL,
	      "leaf: write-only refused");
	CHECK(vtx_ept_leaf_entry(0x5000, VTX_EPT_RWX, 1, 7, &e) == -EINVAL,
	      "leaf: memory type 7 refused");
	CHECK(vtx_ept_leaf_entry(0x5000, VTX_EPT_RWX, 1, 2, &e) == -EINVAL,
	      "leaf: memory type 2 refused");
	CHECK(vtx_ept_leaf_entry(0x5000, VTX_EPT_RWX, 4, 6, &e) == -EINVAL,
	      "leaf: a PML4 entry cannot map a page");
	CHECK(vtx_ept_leaf_entry(0x5000, 0x8, 1, 6, &e) == -EINVAL,
	      "leaf: unknown permission bits refused");
	CHECK(vtx_ept_leaf_entry(1ULL << 52, VTX_EPT_RWX, 1, 6, &e) == -EINVAL,
	      "leaf: address beyond 52 bits refused");
}

static void test_table(void)
{
	struct vtx_ept_decoded d;
	u64 e = vtx_ept_table_entry(0xabc000);

	CHECK_EQ(e, 0xabc007, "table: RWX and the address");
	CHECK(!vtx_ept_misconfig(e, 4, bochs_caps), "table: fine in a PML4");
	CHECK(!vtx_ept_misconfig(e, 2, bochs_caps), "table: fine in a PD");
	vtx_ept_decode(e, 3, &d);
	CHECK(d.present && !d.leaf && d.addr == 0xabc000, "decode: table");
	vtx_ept_decode(0, 1, &d);
	CHECK(!d.present, "decode: zero is not present");
}

static void test_misconfig(void)
{
	CHECK(vtx_ept_misconfig(0x5002 | (6 << 3), 1, bochs_caps) != NULL,
	      "misconfig: write without read");
	CHECK(vtx_ept_misconfig(0x5004 | (6 << 3), 1, bochs_caps) == NULL,
	      "misconfig: execute-only allowed with the capability");
	CHECK(vtx_ept_misconfig(0x5004 | (6 << 3), 1,
				bochs_caps & ~VTX_EPT_CAP_EXEC_ONLY) != NULL,
	      "misconfig: execute-only without the capability");
	CHECK(vtx_ept_misconfig(0x5001 | (7 << 3), 1, bochs_caps) != NULL,
	      "misconfig: memory type 7");
	CHECK(vtx_ept_misconfig(0x5001 | VTX_EPT_LARGE, 4, bochs_caps) != NULL,
	      "misconfig: large bit in a PML4 entry");
	CHECK(vtx_ept_misconfig(0x5001 | (6 << 3), 3, bochs_caps) != NULL,
	      "misconfig: memory type bits in a non-leaf entry");
	CHECK(vtx_ept_misconfig(0x40000000 | VTX_EPT_LARGE | 1 | (6 << 3), 3,
				bochs_caps & ~VTX_EPT_CAP_PAGE_1G) != NULL,
	      "misconfig: 1G page without support");
	CHECK(vtx_ept_misconfig(0x40000000 | VTX_EPT_LARGE | 1 | (6 << 3), 3,
				bochs_caps) == NULL,
	      "misconfig: 1G page with support");
	CHECK(vtx_ept_misconfig(0x201000 | VTX_EPT_LARGE | 1 | (6 << 3), 2,
				bochs_caps) != NULL,
	      "misconfig: reserved address bits in a 2M entry");
	CHECK(vtx_ept_misconfig(0xfffffffffffffff8ULL, 1, bochs_caps) == NULL,
	      "misconfig: a not-present entry is never misconfigured");
}

static void test_runs(void)
{
	struct vtx_ept_run run = { 0 };
	struct vtx_ept_decoded d;
	u64 e;

	vtx_ept_leaf_entry(0x40000000, VTX_EPT_RWX, 2, VTX_EPT_MT_WB, &e);
	vtx_ept_decode(e, 2, &d);
	CHECK(!vtx_ept_run_extend(&run, 0, &d), "runs: nothing to extend at first");
	vtx_ept_run_start(&run, 0, &d);
	CHECK(run.gpa == 0 && run.size == 0x200000 && run.hpa == 0x40000000 &&
	      run.page_size == 0x200000 && run.perms == VTX_EPT_RWX &&
	      run.memtype == VTX_EPT_MT_WB, "runs: started by a 2M leaf");
	vtx_ept_leaf_entry(0x40200000, VTX_EPT_RWX, 2, VTX_EPT_MT_WB, &e);
	vtx_ept_decode(e, 2, &d);
	CHECK(vtx_ept_run_extend(&run, 0x200000, &d) && run.size == 0x400000,
	      "runs: the next 2M page, host-contiguous, extends it");
	CHECK(!vtx_ept_run_extend(&run, 0x600000, &d),
	      "runs: a guest gap ends it");
	vtx_ept_leaf_entry(0x50000000, VTX_EPT_RWX, 2, VTX_EPT_MT_WB, &e);
	vtx_ept_decode(e, 2, &d);
	CHECK(!vtx_ept_run_extend(&run, 0x400000, &d),
	      "runs: a host gap ends it");
	vtx_ept_leaf_entry(0x40400000, VTX_EPT_READ | VTX_EPT_EXEC, 2,
			   VTX_EPT_MT_WB, &e);
	vtx_ept_decode(e, 2, &d);
	CHECK(!vtx_ept_run_extend(&run, 0x400000, &d),
	      "runs: other permissions end it");
	vtx_ept_leaf_entry(0x40400000, VTX_EPT_RWX, 1, VTX_EPT_MT_WB, &e);
	vtx_ept_decode(e, 1, &d);
	CHECK(!vtx_ept_run_extend(&run, 0x400000, &d) && run.size == 0x400000,
	      "runs: another page size ends it, unchanged");
}

static void test_2m_chunk(void)
{
	const u64 M2 = 2 << 20;
	u64 first = ~0ULL;

	/* 64 MiB at GPA 0 over 2 MiB-aligned memory: every page qualifies. */
	CHECK(vtx_ept_2m_chunk(0, 0x7f0000000000, 16384, 0, &first) && first == 0,
	      "2M chunk: page 0 of an aligned slot, chunk at page 0");
	CHECK(vtx_ept_2m_chunk(0, 0x7f0000000000, 16384, 1000, &first) &&
	      first == 512, "2M chunk: page 1000, chunk at page 512");
	CHECK(vtx_ept_2m_chunk(0, 0x7f0000000000, 16384, 16383, &first) &&
	      first == 16384 - 512, "2M chunk: the last page, the last chunk");
	/* The user address out of step with the GPA: no huge page fits. */
	CHECK(!vtx_ept_2m_chunk(0, 0x7f0000001000, 16384, 0, &first),
	      "2M chunk: user address 4K off the GPA's 2M step: no");
	/* A slot that starts 1 MiB into a chunk: that chunk sticks out. */
	CHECK(!vtx_ept_2m_chunk(M2 / 2, 0x7f0000000000 + M2 / 2, 1024, 0, &first),
	      "2M chunk: slot at 1M, its first page's chunk starts below it: no");
	CHECK(vtx_ept_2m_chunk(M2 / 2, 0x7f0000000000 + M2 / 2, 1024, 256, &first) &&
	      first == 256, "2M chunk: slot at 1M, page 256 (GPA 2M): chunk at page 256");
	/* The slot ends inside the chunk. */
	CHECK(!vtx_ept_2m_chunk(0, 0, 1000, 600, &first),
	      "2M chunk: slot of 1000 pages, page 600: the chunk runs past its end: no");
	CHECK_EQ(vtx_ept_2m_chunk(0, 0, 1024, 1023, &first) ? first : 0, 512,
		 "2M chunk: slot of exactly 2 chunks, last page");
	/* Slots of fewer than 512 pages never take a 2 MiB page. */
	CHECK(!vtx_ept_2m_chunk(M2, M2, 511, 0, &first),
	      "2M chunk: slot of 511 pages: no");
}

static void test_split(void)
{
	const u64 pa = 0x40000000ULL + (2 << 20);
	struct vtx_ept_decoded d;
	u64 large, e;
	unsigned int i;
	int bad = 0;

	CHECK(!vtx_ept_leaf_entry(pa, VTX_EPT_RWX, 2, VTX_EPT_MT_WB, &large),
	      "split: a 2M leaf");
	large |= VTX_EPT_IGNORE_PAT;
	for (i = 0; i < 512; i++) {
		e = vtx_ept_split_entry(large, i);
		vtx_ept_decode(e, 1, &d);
		if (!d.present || !d.leaf || d.addr != pa + i * 4096ULL ||
		    d.perms != VTX_EPT_RWX || d.memtype != VTX_EPT_MT_WB ||
		    !(e & VTX_EPT_IGNORE_PAT) || (e & VTX_EPT_LARGE) ||
		    vtx_ept_misconfig(e, 1, ~0ULL))
			bad++;
	}
	CHECK_EQ(bad, 0, "split: 512 4K leaves, same rights and type, in order");
	e = vtx_ept_split_entry(large & ~VTX_EPT_WRITE, 7);
	CHECK_EQ(e & VTX_EPT_RWX, VTX_EPT_READ | VTX_EPT_EXEC,
		 "split: a read-only 2M leaf gives read-only pieces");
}

static void test_dirty(void)
{
	u64 bm[3] = { 0, 0, 0 };

	CHECK_EQ(vtx_dirty_bitmap_bytes(0), 0, "dirty: 0 pages, 0 bytes");
	CHECK_EQ(vtx_dirty_bitmap_bytes(1), 8, "dirty: 1 page, one word");
	CHECK_EQ(vtx_dirty_bitmap_bytes(64), 8, "dirty: 64 pages, one word");
	CHECK_EQ(vtx_dirty_bitmap_bytes(65), 16, "dirty: 65 pages, two words");
	CHECK_EQ(vtx_dirty_bitmap_bytes(262144), 32768,
		 "dirty: a 1 GiB slot, 32 KiB");

	vtx_dirty_set_all(bm, 130);
	CHECK(bm[0] == ~0ULL && bm[1] == ~0ULL && bm[2] == 3,
	      "dirty: set all of 130 pages, none past the end");
	vtx_dirty_set_all(bm, 128);
	CHECK(bm[1] == ~0ULL, "dirty: set all of 128 pages");
	bm[0] = bm[1] = bm[2] = 0;
	vtx_dirty_mark(bm, 0);
	vtx_dirty_mark(bm, 63);
	vtx_dirty_mark(bm, 64);
	vtx_dirty_mark(bm, 129);
	CHECK(bm[0] == (1ULL | 1ULL << 63) && bm[1] == 1 && bm[2] == 2,
	      "dirty: mark pages 0, 63, 64, 129");
	CHECK(vtx_dirty_test(bm, 63) && !vtx_dirty_test(bm, 62),
	      "dirty: test");
	CHECK_EQ(vtx_dirty_clear_word(bm, 0, 3), 1,
		 "dirty: clear bits 0-1 of word 0: only bit 0 was set");
	CHECK_EQ(bm[0], 1ULL << 63, "dirty: bit 63 stays");
	CHECK_EQ(vtx_dirty_clear_word(bm, 2, ~0ULL), 2,
		 "dirty: clear a whole word, past the slot's end too");

	CHECK(!vtx_dirty_check_clear(130, 0, 130), "clear: the whole slot");
	CHECK(!vtx_dirty_check_clear(130, 64, 66), "clear: to the end, unaligned");
	CHECK(!vtx_dirty_check_clear(130, 64, 64), "clear: one aligned word");
	CHECK(!vtx_dirty_check_clear(130, 128, 2), "clear: the tail");
	CHECK(!vtx_dirty_check_clear(130, 128, 0), "clear: nothing");
	CHECK_EQ(vtx_dirty_check_clear(130, 1, 63), (u64)-EINVAL,
		 "clear: first_page not a multiple of 64");
	CHECK_EQ(vtx_dirty_check_clear(130, 0, 65), (u64)-EINVAL,
		 "clear: num_pages unaligned, not at the end");
	CHECK_EQ(vtx_dirty_check_clear(130, 64, 67), (u64)-EINVAL,
		 "clear: past the slot's end");
	CHECK_EQ(vtx_dirty_check_clear(130, 192, 0), (u64)-EINVAL,
		 "clear: first_page past the slot");
	CHECK_EQ(vtx_dirty_check_clear(130, 0, ~0ULL), (u64)-EINVAL,
		 "clear: huge num_pages, no wrap");
	CHECK(!vtx_dirty_check_clear(128, 128, 0),
	      "clear: first_page at the slot's end, nothing");
}

int main(void)
{
	printf("TAP version 13\n");
	test_eptp();
	test_index();
	test_leaf();
	test_table();
	test_misconfig();
	test_runs();
	test_2m_chunk();
	test_split();
	test_dirty();
	return unit_done();
}
