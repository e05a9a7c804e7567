// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: vtx's MMIO instruction decoder (vmx/lib/decode.c)
 * against Zydis, an independent full x86 decoder (Debian libzydis-dev).
 * Input: byte 0 picks 16-, 32- or 64-bit code, the rest (up to 15
 * bytes) is the instruction.
 *
 * Whenever vtx decodes an instruction, Zydis must agree on: the length,
 * the instruction (vtx's operation against Zydis's mnemonic), the size
 * of the memory access, LOCK, REP, and the segment of a ModRM operand.
 * Whenever Zydis decodes one of the instructions vtx supports with a
 * memory operand, vtx must decode it too, except where vtx refuses on
 * purpose (each case below says why).  Any other disagreement aborts:
 * libFuzzer keeps the input in artifacts/.
 *
 * Disagreements that remain, explained:
 * - F2/F3 on anything but a string instruction: vtx refuses (the CPU
 *   ignores them, or they are XACQUIRE/XRELEASE/BND hints, or they make
 *   another instruction); Zydis decodes the instruction with the hint.
 * - MOVSXD (63) without REX.W: vtx refuses (KVM's emulator reads 4
 *   bytes where a 66 63 reads 2, so there is no single answer to copy).
 * - MOV to or from a segment register (8C, 8E) is outside vtx's set:
 *   Zydis calls it MOV too.
 * - Zydis decodes the REX-less 82 /x only outside 64-bit mode, as vtx.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>
#include "vmx/lib/decode.h"

static ZydisDecoder dec[3];
static int ready;

static const ZydisMnemonic setcc[] = {
	ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,
	ZYDIS_MNEMONIC_SETNB, ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ,
	ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE, ZYDIS_MNEMONIC_SETS,
	ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETNP,
	ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE,
	ZYDIS_MNEMONIC_SETNLE,
};

/* Zydis's mnemonics for each vtx operation; the string ones by size. */
static int same_insn(const struct vtx_insn *in, ZydisMnemonic m)
{
	static const ZydisMnemonic alu[8] = {
		ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC,
		ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB,
		ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP,
	};
#define SZ(b, w, d, q) (in->size == 1 ? (b) : in->size == 2 ? (w) : \
			in->size == 4 ? (d) : (q))
#define Z(x) ZYDIS_MNEMONIC_##x

	if (in->op <= VTX_OP_CMP)
		return m == alu[in->op];
	switch (in->op) {
	case VTX_OP_MOV:
		return m == Z(MOV) || m == Z(MOVZX) || m == Z(MOVSX) ||
		       m == Z(MOVSXD);
	case VTX_OP_TEST: return m == Z(TEST);
	case VTX_OP_NOT: return m == Z(NOT);
	case VTX_OP_NEG: return m == Z(NEG);
	case VTX_OP_INC: return m == Z(INC);
	case VTX_OP_DEC: return m == Z(DEC);
	case VTX_OP_XCHG: return m == Z(XCHG);
	case VTX_OP_BT: return m == Z(BT);
	case VTX_OP_BTS: return m == Z(BTS);
	case VTX_OP_BTR: return m == Z(BTR);
	case VTX_OP_BTC: return m == Z(BTC);
	case VTX_OP_SETCC: return m == setcc[in->cc];
	case VTX_OP_CMPXCHG: return m == Z(CMPXCHG);
	case VTX_OP_XADD: return m == Z(XADD);
	case VTX_OP_MOVS: return m == SZ(Z(MOVSB), Z(MOVSW), Z(MOVSD), Z(MOVSQ));
	case VTX_OP_LODS: return m == SZ(Z(LODSB), Z(LODSW), Z(LODSD), Z(LODSQ));
	case VTX_OP_STOS: return m == SZ(Z(STOSB), Z(STOSW), Z(STOSD), Z(STOSQ));
	case VTX_OP_CMPS: return m == SZ(Z(CMPSB), Z(CMPSW), Z(CMPSD), Z(CMPSQ));
	case VTX_OP_SCAS: return m == SZ(Z(SCASB), Z(SCASW), Z(SCASD), Z(SCASQ));
	case VTX_OP_ROL: return m == Z(ROL);
	case VTX_OP_ROR: return m == Z(ROR);
	case VTX_OP_RCL: return m == Z(RCL);
	case VTX_OP_RCR: return m == Z(RCR);
	case VTX_OP_SHL: case VTX_OP_SAL: return m == Z(SHL);
	case VTX_OP_SHR: return m == Z(SHR);
	case VTX_OP_SAR: return m == Z(SAR);
	case VTX_OP_MUL: return m == Z(MUL);
	case VTX_OP_IMUL1: case VTX_OP_IMUL: return m == Z(IMUL);
	case VTX_OP_DIV: return m == Z(DIV);
	case VTX_OP_IDIV: return m == Z(IDIV);
	default: return 0;
	}
}

/* One of vtx's instructions by Zydis's name (for the reverse check). */
static int in_vtx_set(ZydisMnemonic m)
{
	static const ZydisMnemonic set[] = {
		Z(ADD), Z(OR), Z(ADC), Z(SBB), Z(AND), Z(SUB), Z(XOR), Z(CMP),
		Z(MOV), Z(MOVZX), Z(MOVSX), Z(MOVSXD), Z(TEST), Z(NOT), Z(NEG),
		Z(INC), Z(DEC), Z(XCHG), Z(BT), Z(BTS), Z(BTR), Z(BTC),
		Z(CMPXCHG), Z(XADD), Z(MOVSB), Z(MOVSW), Z(MOVSD), Z(MOVSQ),
		Z(LODSB), Z(LODSW), Z(LODSD), Z(LODSQ), Z(STOSB), Z(STOSW),
		Z(STOSD), Z(STOSQ), Z(CMPSB), Z(CMPSW), Z(CMPSD), Z(CMPSQ),
		Z(SCASB), Z(SCASW), Z(SCASD), Z(SCASQ), Z(ROL), Z(ROR), Z(RCL),
		Z(RCR), Z(SHL), Z(SHR), Z(SAR), Z(MUL), Z(IMUL), Z(DIV),
		Z(IDIV),
	};
	size_t i;

	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (m == set[i])
			return 1;
	for (i = 0; i < 16; i++)
		if (m == setcc[i])
			return 1;
	return 0;
}

static int seg_of(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return 0;
	case ZYDIS_REGISTER_CS: return 1;
	case ZYDIS_REGISTER_SS: return 2;
	case ZYDIS_REGISTER_DS: return 3;
	case ZYDIS_REGISTER_FS: return 4;
	case ZYDIS_REGISTER_GS: return 5;
	default: return -1;
	}
}

static void disagree(const char *why, const uint8_t *b, size_t n,
		     unsigned int bits, int r, const struct vtx_insn *in,
		     const ZydisDecodedInstruction *zi, int zok)
{
	size_t i;

	fprintf(stderr, "fuzz_decode: %s (%u-bit):", why, bits);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n  vtx: %d", r);
	if (!r)
		fprintf(stderr, " op %d kind %d len %u size %u seg %u lock %d rep %d",
			in->op, in->kind, in->len, in->size, in->seg, in->lock,
			in->rep);
	fprintf(stderr, "\n  zydis: %s", zok ? "ok" : "invalid");
	if (zok)
		fprintf(stderr, " %s len %u opsize %u attrs %#llx",
			ZydisMnemonicGetString(zi->mnemonic), zi->length,
			zi->operand_width, (unsigned long long)zi->attributes);
	fprintf(stderr, "\n");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int bits_of[3] = { 16, 32, 64 };
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction zi;
	const ZydisDecodedOperand *mem = NULL;
	unsigned int bits, i, nmem = 0;
	struct vtx_insn in;
	const uint8_t *b;
	int r, zok, f2f3 = 0;
	size_t n;

	if (!ready) {
		ZydisDecoderInit(&dec[0], ZYDIS_MACHINE_MODE_REAL_16,
				 ZYDIS_STACK_WIDTH_16);
		ZydisDecoderInit(&dec[1], ZYDIS_MACHINE_MODE_LEGACY_32,
				 ZYDIS_STACK_WIDTH_32);
		ZydisDecoderInit(&dec[2], ZYDIS_MACHINE_MODE_LONG_64,
				 ZYDIS_STACK_WIDTH_64);
		ready = 1;
	}
	if (size < 2)
		return 0;
	bits = bits_of[data[0] % 3];
	b = data + 1;
	n = size - 1 > VTX_INSN_MAX_LEN ? VTX_INSN_MAX_LEN : size - 1;

	r = vtx_decode_mmio(b, n, bits, &in);
	zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec[data[0] % 3], b, n, &zi,
						  ops));
	if (zok) {
		for (i = 0; i < zi.operand_count; i++)
			if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM) {
				if (!mem)
					mem = &ops[i];
				nmem++;
			}
		for (i = 0; i < zi.raw.prefix_count; i++)
			if (zi.raw.prefixes[i].value == 0xf2 ||
			    zi.raw.prefixes[i].value == 0xf3)
				f2f3 = 1;
	}

	if (!r) {
		if (!zok)
			disagree("vtx decodes what Zydis refuses", b, n, bits, r,
				 &in, &zi, zok);
		if (zi.length != in.len)
			disagree("length", b, n, bits, r, &in, &zi, zok);
		if (!same_insn(&in, zi.mnemonic))
			disagree("instruction", b, n, bits, r, &in, &zi, zok);
		if (!mem || mem->size != in.size * 8)
			disagree("memory operand or its size", b, n, bits, r,
				 &in, &zi, zok);
		if (nmem != ((in.op == VTX_OP_MOVS || in.op == VTX_OP_CMPS) ?
			     2u : 1u))
			disagree("number of memory operands", b, n, bits, r,
				 &in, &zi, zok);
		if (in.lock != !!(zi.attributes & ZYDIS_ATTRIB_HAS_LOCK))
			disagree("LOCK", b, n, bits, r, &in, &zi, zok);
		if (in.rep != !!(zi.attributes & (ZYDIS_ATTRIB_HAS_REP |
						  ZYDIS_ATTRIB_HAS_REPE |
						  ZYDIS_ATTRIB_HAS_REPNE)))
			disagree("REP", b, n, bits, r, &in, &zi, zok);
		if (in.addr_size * 8 != zi.address_width)
			disagree("address size", b, n, bits, r, &in, &zi, zok);
		/* The ModRM operand's segment (in 64-bit mode only FS and GS
		 * have a base; Zydis names the others as written).
		 */
		if (in.has_modrm_mem && (bits != 64 || in.seg >= 4) &&
		    seg_of(mem->mem.segment) != in.seg)
			disagree("segment", b, n, bits, r, &in, &zi, zok);
		return 0;
	}

	/* Zydis decodes one of vtx's instructions with a memory operand
	 * from all the bytes there were: vtx must too, but for the
	 * exceptions explained at the top.
	 */
	if (zok && mem && in_vtx_set(zi.mnemonic) && !f2f3 &&
	    zi.mnemonic != ZYDIS_MNEMONIC_MOVSXD &&
	    !(zi.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	      (zi.opcode == 0x8c || zi.opcode == 0x8e)))
		disagree("Zydis decodes what vtx refuses", b, n, bits, r, &in,
			 &zi, zok);
	return 0;
}
