//go:build !purego

#include "textflag.h"

// exp and tanh, four values at a time, with AVX2 and FMA. The maximum
// errors, measured against math.Exp and math.Tanh over the float64 range,
// are in vecmath_test.go and the package documentation.

// exp: n = round(x·log2 e), r = x − n·ln 2 in two FMAs (the first one exact),
// exp r by its Taylor polynomial of degree 13 (truncation below 5e-18 on
// |r| ≤ ln2/2), then the scale 2ⁿ as 2^⌊n/2⌋·2^(n−⌊n/2⌋), so that subnormal
// results and n = 1024 need no special case. x is clamped to [−746, 710]
// first, beyond which exp rounds to 0 or +Inf anyway; the clamp lets NaN
// through.
DATA expdata<>+0(SB)/8, $1.4426950408889634      // log2 e
DATA expdata<>+8(SB)/8, $0.6931471805599453      // ln 2, high part
DATA expdata<>+16(SB)/8, $2.3190468138462996e-17 // ln 2, low part
DATA expdata<>+24(SB)/8, $-746.0
DATA expdata<>+32(SB)/8, $710.0
DATA expdata<>+40(SB)/8, $0.5
DATA expdata<>+48(SB)/8, $6755399441056767.0 // 1.5·2⁵² + 1023: adds the exponent bias to an integer's bits
DATA expdata<>+56(SB)/8, $1.0
DATA expdata<>+64(SB)/8, $1.6059043836821613e-10 // 1/13!
DATA expdata<>+72(SB)/8, $2.08767569878681e-09
DATA expdata<>+80(SB)/8, $2.505210838544172e-08
DATA expdata<>+88(SB)/8, $2.755731922398589e-07
DATA expdata<>+96(SB)/8, $2.7557319223985893e-06
DATA expdata<>+104(SB)/8, $2.48015873015873e-05
DATA expdata<>+112(SB)/8, $0.0001984126984126984
DATA expdata<>+120(SB)/8, $0.001388888888888889
DATA expdata<>+128(SB)/8, $0.008333333333333333
DATA expdata<>+136(SB)/8, $0.041666666666666664
DATA expdata<>+144(SB)/8, $0.16666666666666666
DATA expdata<>+152(SB)/8, $0.5 // 1/2!
GLOBL expdata<>(SB), RODATA|NOPTR, $160

// tanh: |x| < 0.625 by Cephes' rational function (as math.Tanh), which
// keeps tanh x ≈ x relatively accurate down to subnormals; above,
// 1 − 2/(exp 2|x| + 1), with 2|x| capped at 80 where that is 1. Both are
// base + num/den, so the branch is a blend before one division. The sign
// of x is put on at the end, so tanh(−0) = −0 and tanh(−x) = −tanh x.
DATA tanhdata<>+0(SB)/8, $0x7fffffffffffffff // |·|
DATA tanhdata<>+8(SB)/8, $0x8000000000000000 // sign
DATA tanhdata<>+16(SB)/8, $80.0
DATA tanhdata<>+24(SB)/8, $-2.0
DATA tanhdata<>+32(SB)/8, $0.625
DATA tanhdata<>+40(SB)/8, $-9.64399179425052238628e-1 // P
DATA tanhdata<>+48(SB)/8, $-9.92877231001918586564e1
DATA tanhdata<>+56(SB)/8, $-1.61468768441708447952e3
DATA tanhdata<>+64(SB)/8, $1.12811678491632931402e2 // Q
DATA tanhdata<>+72(SB)/8, $2.23548839060100448583e3
DATA tanhdata<>+80(SB)/8, $4.84406305325125486048e3
GLOBL tanhdata<>(SB), RODATA|NOPTR, $88

// EXP sets Y1 to exp Y0; it clobbers Y0, Y2–Y7, Y10, Y11, Y13 and Y14.
// The polynomial is evaluated by Estrin's scheme, pairs of terms joined by
// r², r⁴ and r⁸, whose dependency chain is a third of Horner's: the chain,
// not the count of operations, is what limits these kernels.
#define EXP \
	VBROADCASTSD expdata<>+24(SB), Y2; \
	VMAXPD       Y0, Y2, Y1; \
	VBROADCASTSD expdata<>+32(SB), Y2; \
	VMINPD       Y1, Y2, Y1; \
	VBROADCASTSD expdata<>+0(SB), Y2; \
	VMULPD       Y2, Y1, Y14; \
	VROUNDPD     $0, Y14, Y14; \
	VBROADCASTSD expdata<>+8(SB), Y2; \
	VFNMADD231PD Y2, Y14, Y1; \
	VBROADCASTSD expdata<>+16(SB), Y2; \
	VFNMADD231PD Y2, Y14, Y1; \
	VMULPD       Y1, Y1, Y5; \
	VBROADCASTSD expdata<>+144(SB), Y2; \
	VBROADCASTSD expdata<>+152(SB), Y3; \
	VFMADD213PD  Y3, Y1, Y2; \
	VBROADCASTSD expdata<>+128(SB), Y3; \
	VBROADCASTSD expdata<>+136(SB), Y4; \
	VFMADD213PD  Y4, Y1, Y3; \
	VBROADCASTSD expdata<>+112(SB), Y4; \
	VBROADCASTSD expdata<>+120(SB), Y6; \
	VFMADD213PD  Y6, Y1, Y4; \
	VBROADCASTSD expdata<>+96(SB), Y6; \
	VBROADCASTSD expdata<>+104(SB), Y7; \
	VFMADD213PD  Y7, Y1, Y6; \
	VBROADCASTSD expdata<>+80(SB), Y7; \
	VBROADCASTSD expdata<>+88(SB), Y10; \
	VFMADD213PD  Y10, Y1, Y7; \
	VBROADCASTSD expdata<>+64(SB), Y10; \
	VBROADCASTSD expdata<>+72(SB), Y11; \
	VFMADD213PD  Y11, Y1, Y10; \
	VMULPD       Y5, Y5, Y11; \
	VFMADD231PD  Y3, Y5, Y2; \
	VFMADD231PD  Y6, Y5, Y4; \
	VFMADD231PD  Y10, Y5, Y7; \
	VMULPD       Y11, Y11, Y13; \
	VFMADD231PD  Y4, Y11, Y2; \
	VFMADD231PD  Y7, Y13, Y2; \
	VFMADD213PD  Y1, Y5, Y2; \
	VBROADCASTSD expdata<>+56(SB), Y3; \
	VADDPD       Y3, Y2, Y4; \
	VBROADCASTSD expdata<>+40(SB), Y2; \
	VMULPD       Y2, Y14, Y5; \
	VROUNDPD     $1, Y5, Y5; \
	VSUBPD       Y5, Y14, Y6; \
	VBROADCASTSD expdata<>+48(SB), Y2; \
	VADDPD       Y2, Y5, Y5; \
	VADDPD       Y2, Y6, Y6; \
	VPSLLQ       $52, Y5, Y5; \
	VPSLLQ       $52, Y6, Y6; \
	VMULPD       Y5, Y4, Y4; \
	VMULPD       Y6, Y4, Y1

// func expAVX2(d, a *float64, n int)
//
// n must be a multiple of 4.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX

exploop:
	CMPQ    AX, CX
	JGE     expdone
	VMOVUPD (SI)(AX*8), Y0
	EXP
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     exploop

expdone:
	VZEROUPPER
	RET

// func tanhAVX2(d, a *float64, n int)
//
// n must be a multiple of 4.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX

tanhloop:
	CMPQ         AX, CX
	JGE          tanhdone
	VMOVUPD      (SI)(AX*8), Y8
	VBROADCASTSD tanhdata<>+0(SB), Y9
	VANDPD       Y9, Y8, Y9 // |x|

	// |x| ≥ 0.625: 1 + (−2)/(exp 2|x| + 1); numerator Y11, denominator Y1
	VADDPD       Y9, Y9, Y0
	VBROADCASTSD tanhdata<>+16(SB), Y2
	VMINPD       Y0, Y2, Y0
	EXP
	VBROADCASTSD expdata<>+56(SB), Y12
	VADDPD       Y12, Y1, Y1
	VBROADCASTSD tanhdata<>+24(SB), Y11

	// |x| < 0.625: |x| + |x|·s·P(s)/Q(s), s = x²; numerator Y5, denominator Y6
	VMULPD       Y8, Y8, Y4
	VBROADCASTSD tanhdata<>+40(SB), Y5
	VBROADCASTSD tanhdata<>+48(SB), Y6
	VFMADD213PD  Y6, Y4, Y5
	VBROADCASTSD tanhdata<>+56(SB), Y6
	VFMADD213PD  Y6, Y4, Y5
	VMULPD       Y4, Y5, Y5
	VMULPD       Y9, Y5, Y5
	VBROADCASTSD tanhdata<>+64(SB), Y6
	VADDPD       Y6, Y4, Y6
	VBROADCASTSD tanhdata<>+72(SB), Y7
	VFMADD213PD  Y7, Y4, Y6
	VBROADCASTSD tanhdata<>+80(SB), Y7
	VFMADD213PD  Y7, Y4, Y6

	// one division for both branches, chosen by |x| < 0.625 (false for
	// NaN); then the sign of x
	VBROADCASTSD tanhdata<>+32(SB), Y7
	VCMPPD       $1, Y7, Y9, Y7
	VBLENDVPD    Y7, Y5, Y11, Y11
	VBLENDVPD    Y7, Y6, Y1, Y1
	VBLENDVPD    Y7, Y9, Y12, Y12
	VDIVPD       Y1, Y11, Y11
	VADDPD       Y11, Y12, Y10
	VBROADCASTSD tanhdata<>+8(SB), Y7
	VANDPD       Y7, Y8, Y7
	VORPD        Y7, Y10, Y10
	VMOVUPD      Y10, (DI)(AX*8)
	ADDQ         $4, AX
	JMP          tanhloop

tanhdone:
	VZEROUPPER
	RET
