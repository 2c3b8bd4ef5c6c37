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
// Its exp is EXP's without the clamps and the two-part scale, which its
// arguments (0 to 80) do not need. The constants are stored four times
// over, so that instructions read them as operands instead of broadcasting
// each first: the kernel is bound by its count of instructions.
DATA tanhvec<>+0(SB)/8, $0x7fffffffffffffff // |·|
DATA tanhvec<>+8(SB)/8, $0x7fffffffffffffff
DATA tanhvec<>+16(SB)/8, $0x7fffffffffffffff
DATA tanhvec<>+24(SB)/8, $0x7fffffffffffffff
DATA tanhvec<>+32(SB)/8, $0x8000000000000000 // sign
DATA tanhvec<>+40(SB)/8, $0x8000000000000000
DATA tanhvec<>+48(SB)/8, $0x8000000000000000
DATA tanhvec<>+56(SB)/8, $0x8000000000000000
DATA tanhvec<>+64(SB)/8, $80.0 // 2|x| cap
DATA tanhvec<>+72(SB)/8, $80.0
DATA tanhvec<>+80(SB)/8, $80.0
DATA tanhvec<>+88(SB)/8, $80.0
DATA tanhvec<>+96(SB)/8, $-2.0
DATA tanhvec<>+104(SB)/8, $-2.0
DATA tanhvec<>+112(SB)/8, $-2.0
DATA tanhvec<>+120(SB)/8, $-2.0
DATA tanhvec<>+128(SB)/8, $0.625 // branch point
DATA tanhvec<>+136(SB)/8, $0.625
DATA tanhvec<>+144(SB)/8, $0.625
DATA tanhvec<>+152(SB)/8, $0.625
DATA tanhvec<>+160(SB)/8, $1.0
DATA tanhvec<>+168(SB)/8, $1.0
DATA tanhvec<>+176(SB)/8, $1.0
DATA tanhvec<>+184(SB)/8, $1.0
DATA tanhvec<>+192(SB)/8, $-9.64399179425052238628e-1 // P
DATA tanhvec<>+200(SB)/8, $-9.64399179425052238628e-1
DATA tanhvec<>+208(SB)/8, $-9.64399179425052238628e-1
DATA tanhvec<>+216(SB)/8, $-9.64399179425052238628e-1
DATA tanhvec<>+224(SB)/8, $-9.92877231001918586564e1
DATA tanhvec<>+232(SB)/8, $-9.92877231001918586564e1
DATA tanhvec<>+240(SB)/8, $-9.92877231001918586564e1
DATA tanhvec<>+248(SB)/8, $-9.92877231001918586564e1
DATA tanhvec<>+256(SB)/8, $-1.61468768441708447952e3
DATA tanhvec<>+264(SB)/8, $-1.61468768441708447952e3
DATA tanhvec<>+272(SB)/8, $-1.61468768441708447952e3
DATA tanhvec<>+280(SB)/8, $-1.61468768441708447952e3
DATA tanhvec<>+288(SB)/8, $1.12811678491632931402e2 // Q
DATA tanhvec<>+296(SB)/8, $1.12811678491632931402e2
DATA tanhvec<>+304(SB)/8, $1.12811678491632931402e2
DATA tanhvec<>+312(SB)/8, $1.12811678491632931402e2
DATA tanhvec<>+320(SB)/8, $2.23548839060100448583e3
DATA tanhvec<>+328(SB)/8, $2.23548839060100448583e3
DATA tanhvec<>+336(SB)/8, $2.23548839060100448583e3
DATA tanhvec<>+344(SB)/8, $2.23548839060100448583e3
DATA tanhvec<>+352(SB)/8, $4.84406305325125486048e3
DATA tanhvec<>+360(SB)/8, $4.84406305325125486048e3
DATA tanhvec<>+368(SB)/8, $4.84406305325125486048e3
DATA tanhvec<>+376(SB)/8, $4.84406305325125486048e3
DATA tanhvec<>+384(SB)/8, $1.4426950408889634 // log2 e
DATA tanhvec<>+392(SB)/8, $1.4426950408889634
DATA tanhvec<>+400(SB)/8, $1.4426950408889634
DATA tanhvec<>+408(SB)/8, $1.4426950408889634
DATA tanhvec<>+416(SB)/8, $6755399441056767.0 // 1.5·2⁵² + 1023
DATA tanhvec<>+424(SB)/8, $6755399441056767.0
DATA tanhvec<>+432(SB)/8, $6755399441056767.0
DATA tanhvec<>+440(SB)/8, $6755399441056767.0
DATA tanhvec<>+448(SB)/8, $0.6931471805599453 // ln 2, high part
DATA tanhvec<>+456(SB)/8, $0.6931471805599453
DATA tanhvec<>+464(SB)/8, $0.6931471805599453
DATA tanhvec<>+472(SB)/8, $0.6931471805599453
DATA tanhvec<>+480(SB)/8, $2.3190468138462996e-17 // ln 2, low part
DATA tanhvec<>+488(SB)/8, $2.3190468138462996e-17
DATA tanhvec<>+496(SB)/8, $2.3190468138462996e-17
DATA tanhvec<>+504(SB)/8, $2.3190468138462996e-17
DATA tanhvec<>+512(SB)/8, $0.5 // 1/2!
DATA tanhvec<>+520(SB)/8, $0.5
DATA tanhvec<>+528(SB)/8, $0.5
DATA tanhvec<>+536(SB)/8, $0.5
DATA tanhvec<>+544(SB)/8, $0.16666666666666666 // 1/3!
DATA tanhvec<>+552(SB)/8, $0.16666666666666666
DATA tanhvec<>+560(SB)/8, $0.16666666666666666
DATA tanhvec<>+568(SB)/8, $0.16666666666666666
DATA tanhvec<>+576(SB)/8, $0.041666666666666664 // 1/4!
DATA tanhvec<>+584(SB)/8, $0.041666666666666664
DATA tanhvec<>+592(SB)/8, $0.041666666666666664
DATA tanhvec<>+600(SB)/8, $0.041666666666666664
DATA tanhvec<>+608(SB)/8, $0.008333333333333333 // 1/5!
DATA tanhvec<>+616(SB)/8, $0.008333333333333333
DATA tanhvec<>+624(SB)/8, $0.008333333333333333
DATA tanhvec<>+632(SB)/8, $0.008333333333333333
DATA tanhvec<>+640(SB)/8, $0.001388888888888889 // 1/6!
DATA tanhvec<>+648(SB)/8, $0.001388888888888889
DATA tanhvec<>+656(SB)/8, $0.001388888888888889
DATA tanhvec<>+664(SB)/8, $0.001388888888888889
DATA tanhvec<>+672(SB)/8, $0.0001984126984126984 // 1/7!
DATA tanhvec<>+680(SB)/8, $0.0001984126984126984
DATA tanhvec<>+688(SB)/8, $0.0001984126984126984
DATA tanhvec<>+696(SB)/8, $0.0001984126984126984
DATA tanhvec<>+704(SB)/8, $2.48015873015873e-05 // 1/8!
DATA tanhvec<>+712(SB)/8, $2.48015873015873e-05
DATA tanhvec<>+720(SB)/8, $2.48015873015873e-05
DATA tanhvec<>+728(SB)/8, $2.48015873015873e-05
DATA tanhvec<>+736(SB)/8, $2.7557319223985893e-06 // 1/9!
DATA tanhvec<>+744(SB)/8, $2.7557319223985893e-06
DATA tanhvec<>+752(SB)/8, $2.7557319223985893e-06
DATA tanhvec<>+760(SB)/8, $2.7557319223985893e-06
DATA tanhvec<>+768(SB)/8, $2.755731922398589e-07 // 1/10!
DATA tanhvec<>+776(SB)/8, $2.755731922398589e-07
DATA tanhvec<>+784(SB)/8, $2.755731922398589e-07
DATA tanhvec<>+792(SB)/8, $2.755731922398589e-07
DATA tanhvec<>+800(SB)/8, $2.505210838544172e-08 // 1/11!
DATA tanhvec<>+808(SB)/8, $2.505210838544172e-08
DATA tanhvec<>+816(SB)/8, $2.505210838544172e-08
DATA tanhvec<>+824(SB)/8, $2.505210838544172e-08
DATA tanhvec<>+832(SB)/8, $2.08767569878681e-09 // 1/12!
DATA tanhvec<>+840(SB)/8, $2.08767569878681e-09
DATA tanhvec<>+848(SB)/8, $2.08767569878681e-09
DATA tanhvec<>+856(SB)/8, $2.08767569878681e-09
DATA tanhvec<>+864(SB)/8, $1.6059043836821613e-10 // 1/13!
DATA tanhvec<>+872(SB)/8, $1.6059043836821613e-10
DATA tanhvec<>+880(SB)/8, $1.6059043836821613e-10
DATA tanhvec<>+888(SB)/8, $1.6059043836821613e-10
GLOBL tanhvec<>(SB), RODATA|NOPTR, $896

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
	VANDPD       tanhvec<>+0(SB), Y8, Y9 // |x|

	// |x| ≥ 0.625: 1 + (−2)/(exp 2|x| + 1); numerator Y11, denominator Y1.
	// exp y for y = min(2|x|, 80): n = round(y·log2 e) is read off the
	// bits of y·log2 e + 1.5·2⁵² + 1023, which also give 2ⁿ by a shift,
	// since 0 ≤ n ≤ 116; r = y − n·ln 2 and exp r as in EXP.
	VADDPD       Y9, Y9, Y0
	VMOVUPD      tanhvec<>+64(SB), Y2
	VMINPD       Y0, Y2, Y0
	VMOVUPD      tanhvec<>+416(SB), Y14
	VFMADD231PD  tanhvec<>+384(SB), Y0, Y14
	VSUBPD       tanhvec<>+416(SB), Y14, Y3
	VFNMADD231PD tanhvec<>+448(SB), Y3, Y0
	VFNMADD231PD tanhvec<>+480(SB), Y3, Y0
	VMULPD       Y0, Y0, Y5
	VMOVUPD      tanhvec<>+544(SB), Y2
	VFMADD213PD  tanhvec<>+512(SB), Y0, Y2
	VMOVUPD      tanhvec<>+608(SB), Y3
	VFMADD213PD  tanhvec<>+576(SB), Y0, Y3
	VMOVUPD      tanhvec<>+672(SB), Y4
	VFMADD213PD  tanhvec<>+640(SB), Y0, Y4
	VMOVUPD      tanhvec<>+736(SB), Y6
	VFMADD213PD  tanhvec<>+704(SB), Y0, Y6
	VMOVUPD      tanhvec<>+800(SB), Y7
	VFMADD213PD  tanhvec<>+768(SB), Y0, Y7
	VMOVUPD      tanhvec<>+864(SB), Y10
	VFMADD213PD  tanhvec<>+832(SB), Y0, Y10
	VMULPD       Y5, Y5, Y11
	VFMADD231PD  Y3, Y5, Y2
	VFMADD231PD  Y6, Y5, Y4
	VFMADD231PD  Y10, Y5, Y7
	VMULPD       Y11, Y11, Y13
	VFMADD231PD  Y4, Y11, Y2
	VFMADD231PD  Y7, Y13, Y2
	VFMADD213PD  Y0, Y5, Y2
	VMOVUPD      tanhvec<>+160(SB), Y12
	VADDPD       Y12, Y2, Y2
	VPSLLQ       $52, Y14, Y14
	VMULPD       Y14, Y2, Y1
	VADDPD       Y12, Y1, Y1
	VMOVUPD      tanhvec<>+96(SB), Y11

	// |x| < 0.625: |x| + |x|·s·P(s)/Q(s), s = x²; numerator Y5, denominator Y6
	VMULPD       Y8, Y8, Y4
	VMOVUPD      tanhvec<>+192(SB), Y5
	VFMADD213PD  tanhvec<>+224(SB), Y4, Y5
	VFMADD213PD  tanhvec<>+256(SB), Y4, Y5
	VMULPD       Y4, Y5, Y5
	VMULPD       Y9, Y5, Y5
	VADDPD       tanhvec<>+288(SB), Y4, Y6
	VFMADD213PD  tanhvec<>+320(SB), Y4, Y6
	VFMADD213PD  tanhvec<>+352(SB), Y4, Y6

	// one division for both branches, chosen by |x| < 0.625 (false for
	// NaN); then the sign of x
	VCMPPD       $1, tanhvec<>+128(SB), Y9, Y7
	VBLENDVPD    Y7, Y5, Y11, Y11
	VBLENDVPD    Y7, Y6, Y1, Y1
	VBLENDVPD    Y7, Y9, Y12, Y12
	VDIVPD       Y1, Y11, Y11
	VADDPD       Y11, Y12, Y10
	VANDPD       tanhvec<>+32(SB), Y8, Y7
	VORPD        Y7, Y10, Y10
	VMOVUPD      Y10, (DI)(AX*8)
	ADDQ         $4, AX
	JMP          tanhloop

tanhdone:
	VZEROUPPER
	RET
