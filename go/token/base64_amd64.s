//go:build amd64 && !purego

#include "textflag.h"

// A 32-byte constant of one quadword four times, and of two quadwords in
// each 128-bit half.
#define REPEAT4(name, q) \
	DATA name<>+0(SB)/8, q; DATA name<>+8(SB)/8, q; DATA name<>+16(SB)/8, q; DATA name<>+24(SB)/8, q; \
	GLOBL name<>(SB), RODATA|NOPTR, $32
#define HALVES(name, lo, hi) \
	DATA name<>+0(SB)/8, lo; DATA name<>+8(SB)/8, hi; DATA name<>+16(SB)/8, lo; DATA name<>+24(SB)/8, hi; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// NEXT_BLOCK moves SI and DI past a block of in bytes read and out bytes
// written and jumps back to loop while a whole block is left before the
// input's end (R8). A shorter rest is done as the last whole block of the
// input, ending at R8 and at the output's end (R9), over bytes already
// written; when nothing is left it jumps to done.
#define NEXT_BLOCK(in, out, loop, done) \
	ADDQ $in, SI; ADDQ $out, DI; \
	MOVQ R8, AX; SUBQ SI, AX; CMPQ AX, $in; JAE loop; \
	TESTQ AX, AX; JZ done; \
	LEAQ -in(R8), SI; LEAQ -out(R9), DI; JMP loop

// func decodeAVX2(dst, src *byte, n int, tables *decodeTables) int
//
// Decodes n characters (a multiple of 4, at least 32) into n/4*3 bytes,
// 32 characters into 24 bytes per block; a last, short block is decoded
// as the 32 characters that end the text, over bytes already written. It
// returns n, or how many characters it decoded before a block holding a
// character outside the alphabet.
//
// Each character is looked up by its two nibbles with VPSHUFB in the
// alphabet's tables (decodeTables, base64.go): whether it is in the
// alphabet (the low nibble's invalid classes against the high nibble's
// class), and the offset from character to value, which the high nibble
// decides for letters and digits, the low nibble for the characters
// 0x20-0x2f, and one exception (Base64URL's '_') its own. So one kernel
// serves the standard alphabet and the either-alphabet of v4 tokens. The
// 6-bit values are then packed as in Muła and Lemire's "Faster Base64
// Encoding and Decoding Using AVX2 Instructions": multiply-add pairs into
// 12 bits, pairs of those into 24, and shuffle the three bytes of each
// 32-bit lane into place, big-endian.
//
// Only VEX-encoded instructions, and VZEROUPPER before returning: a legacy
// SSE instruction while the upper halves of the Y registers are dirty costs
// microseconds on some virtual machines.
TEXT ·decodeAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ SI, R8
	ADDQ CX, R8  // end of the text
	MOVQ CX, R9
	SHRQ $2, R9
	LEAQ (R9)(R9*2), R9
	ADDQ DI, R9  // end of the bytes

	MOVQ tables+24(FP), AX
	VBROADCASTI128 0(AX), Y14  // invalidLo
	VBROADCASTI128 16(AX), Y13 // classHi
	VBROADCASTI128 32(AX), Y12 // offsetHi
	VBROADCASTI128 48(AX), Y11 // offset2
	VPBROADCASTB 64(AX), Y9    // exception
	VPBROADCASTB 65(AX), Y8    // exceptionOffset
	VPBROADCASTB consts<>+3(SB), Y15 // 0x0f
	VPBROADCASTB consts<>+4(SB), Y10 // 2
	VMOVDQU halves<>(SB), Y7

loop:
	VMOVDQU (SI), Y0
	VPSRLD  $4, Y0, Y1
	VPAND   Y15, Y1, Y1 // high nibbles
	VPAND   Y15, Y0, Y2 // low nibbles

	// Stop before a block with a character outside the alphabet.
	VPSHUFB Y2, Y14, Y3
	VPSHUFB Y1, Y13, Y4
	VPTEST  Y3, Y4
	JNE     done

	// Offsets: by high nibble; by low nibble for 0x20-0x2f; the exception.
	VPSHUFB   Y1, Y12, Y3
	VPSHUFB   Y2, Y11, Y4
	VPCMPEQB  Y10, Y1, Y5
	VPBLENDVB Y5, Y4, Y3, Y3
	VPCMPEQB  Y9, Y0, Y5
	VPBLENDVB Y5, Y8, Y3, Y3
	VPADDB    Y3, Y0, Y3 // the 6-bit values

	// Pack: [a b c d] -> a<<18 | b<<12 | c<<6 | d per 32-bit lane, then
	// its three low bytes high first, twelve per 128-bit half, then the
	// halves side by side.
	VPMADDUBSW pairs6<>(SB), Y3, Y3
	VPMADDWD   pairs12<>(SB), Y3, Y3
	VPSHUFB    bytes<>(SB), Y3, Y3
	VPERMD     Y3, Y7, Y3
	VMOVDQU    X3, (DI)
	VEXTRACTI128 $1, Y3, X4
	VMOVQ      X4, 16(DI)

	NEXT_BLOCK(32, 24, loop, done)

done:
	VZEROUPPER
	SUBQ src+8(FP), SI
	MOVQ SI, ret+32(FP)
	RET

DATA consts<>+0(SB)/8, $0x000000020f0d331a // 26 51 13 0x0f 2
GLOBL consts<>(SB), RODATA|NOPTR, $8

// Byte multipliers 64, 1: two 6-bit values -> one 12-bit word.
REPEAT4(pairs6, $0x0140014001400140)

// Word multipliers 4096, 1: two 12-bit words -> one 24-bit lane.
REPEAT4(pairs12, $0x0001100000011000)

// Per 128-bit half: bytes 2,1,0 of each lane, then four zeros.
HALVES(bytes, $0x090a040506000102, $0x808080800c0d0e08)

// 32-bit lanes 0,1,2 then 4,5,6: the two halves' twelve bytes together.
DATA halves<>+0(SB)/8, $0x0000000100000000
DATA halves<>+8(SB)/8, $0x0000000400000002
DATA halves<>+16(SB)/8, $0x0000000600000005
DATA halves<>+24(SB)/8, $0x0000000700000003
GLOBL halves<>(SB), RODATA|NOPTR, $32

// func encodeAVX2(dst, src *byte, n, textLen int, shift *[16]byte)
//
// Encodes n bytes (a multiple of 3, at least 24) into textLen = n/3*4
// characters,
// 24 bytes into 32 characters per block; a last, short block is encoded as
// the 24 bytes that end the input, over characters already written. As in
// Muła and Lemire's paper: each half of the register takes twelve bytes;
// every three bytes are spread over a 32-bit lane, and two multiplies move
// each 6-bit index to its own byte. An index becomes a character by adding
// an offset that depends only on its range (A-Z, a-z, 0-9, the two others),
// looked up in shift: the alphabet's offsets by class, class 13 being A-Z.
TEXT ·encodeAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ SI, R8
	ADDQ n+16(FP), R8 // end of the input
	MOVQ DI, R9
	ADDQ textLen+24(FP), R9 // end of the text
	MOVQ shift+32(FP), AX
	VBROADCASTI128 (AX), Y15
	VMOVDQU spread<>(SB), Y14
	VMOVDQU maskHi<>(SB), Y13
	VMOVDQU mulHi<>(SB), Y12
	VMOVDQU maskLo<>(SB), Y11
	VMOVDQU mulLo<>(SB), Y10
	VPBROADCASTB consts<>+1(SB), Y9 // 51
	VPBROADCASTB consts<>+0(SB), Y8 // 26
	VPBROADCASTB consts<>+2(SB), Y7 // 13

encode:
	// Bytes 0-15 in the low half, 8-23 in the high half (whose twelve are
	// its last), so a block reads only its own 24 bytes.
	VMOVDQU     (SI), X0
	VINSERTI128 $1, 8(SI), Y0, Y0
	VPSHUFB     Y14, Y0, Y0 // [a b c] -> [b a c b] per lane

	VPAND    Y13, Y0, Y1
	VPMULHUW Y12, Y1, Y1 // indices 0 and 2 of each lane
	VPAND    Y11, Y0, Y2
	VPMULLW  Y10, Y2, Y2 // indices 1 and 3
	VPOR     Y1, Y2, Y0

	VPSUBUSB Y9, Y0, Y1  // 52-63 -> 1-12, the rest 0
	VPCMPGTB Y0, Y8, Y2  // 0-25
	VPAND    Y7, Y2, Y2
	VPOR     Y2, Y1, Y1  // 0-25 -> 13
	VPSHUFB  Y1, Y15, Y1
	VPADDB   Y1, Y0, Y0
	VMOVDQU  Y0, (DI)

	NEXT_BLOCK(24, 32, encode, encoded)

encoded:
	VZEROUPPER
	RET

// The bytes of each three-byte group, as b a c b: the first twelve of the
// low half, the last twelve of the high half.
DATA spread<>+0(SB)/8, $0x0405030401020001
DATA spread<>+8(SB)/8, $0x0a0b090a07080607
DATA spread<>+16(SB)/8, $0x0809070805060405
DATA spread<>+24(SB)/8, $0x0e0f0d0e0b0c0a0b
GLOBL spread<>(SB), RODATA|NOPTR, $32

REPEAT4(maskHi, $0x0fc0fc000fc0fc00)

REPEAT4(mulHi, $0x0400004004000040)

REPEAT4(maskLo, $0x003f03f0003f03f0)

REPEAT4(mulLo, $0x0100001001000010)
