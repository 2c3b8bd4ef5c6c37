//go:build !purego

#include "textflag.h"

// The elementwise operators: sixteen values a step, then four, then one,
// each with the IEEE operation the Go kernel does, so the results are the
// same bits.

// d[i] = a[i] OP b[i]; OP's packed and scalar forms are P and S.
#define VV(P, S) \
	MOVQ d+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ b+16(FP), DX; \
	MOVQ n+24(FP), CX; \
	XORQ AX, AX; \
vv16:; \
	LEAQ 16(AX), BX; \
	CMPQ BX, CX; \
	JGT  vv4; \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD 32(SI)(AX*8), Y1; \
	VMOVUPD 64(SI)(AX*8), Y2; \
	VMOVUPD 96(SI)(AX*8), Y3; \
	P (DX)(AX*8), Y0, Y0; \
	P 32(DX)(AX*8), Y1, Y1; \
	P 64(DX)(AX*8), Y2, Y2; \
	P 96(DX)(AX*8), Y3, Y3; \
	VMOVUPD Y0, (DI)(AX*8); \
	VMOVUPD Y1, 32(DI)(AX*8); \
	VMOVUPD Y2, 64(DI)(AX*8); \
	VMOVUPD Y3, 96(DI)(AX*8); \
	MOVQ BX, AX; \
	JMP  vv16; \
vv4:; \
	LEAQ 4(AX), BX; \
	CMPQ BX, CX; \
	JGT  vv1; \
	VMOVUPD (SI)(AX*8), Y0; \
	P (DX)(AX*8), Y0, Y0; \
	VMOVUPD Y0, (DI)(AX*8); \
	MOVQ BX, AX; \
	JMP  vv4; \
vv1:; \
	CMPQ AX, CX; \
	JGE  vvdone; \
	VMOVSD (SI)(AX*8), X0; \
	S (DX)(AX*8), X0, X0; \
	VMOVSD X0, (DI)(AX*8); \
	INCQ AX; \
	JMP  vv1; \
vvdone:; \
	VZEROUPPER; \
	RET

// d[i] = a[i] OP s or s OP a[i], as SWAP says, with s broadcast in Y15.
#define VS(P, S, SWAP) \
	MOVQ d+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ n+16(FP), CX; \
	VBROADCASTSD s+24(FP), Y15; \
	XORQ AX, AX; \
vs16:; \
	LEAQ 16(AX), BX; \
	CMPQ BX, CX; \
	JGT  vs4; \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD 32(SI)(AX*8), Y1; \
	VMOVUPD 64(SI)(AX*8), Y2; \
	VMOVUPD 96(SI)(AX*8), Y3; \
	SWAP(P, Y0, Y15); \
	SWAP(P, Y1, Y15); \
	SWAP(P, Y2, Y15); \
	SWAP(P, Y3, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	VMOVUPD Y1, 32(DI)(AX*8); \
	VMOVUPD Y2, 64(DI)(AX*8); \
	VMOVUPD Y3, 96(DI)(AX*8); \
	MOVQ BX, AX; \
	JMP  vs16; \
vs4:; \
	LEAQ 4(AX), BX; \
	CMPQ BX, CX; \
	JGT  vs1; \
	VMOVUPD (SI)(AX*8), Y0; \
	SWAP(P, Y0, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	MOVQ BX, AX; \
	JMP  vs4; \
vs1:; \
	CMPQ AX, CX; \
	JGE  vsdone; \
	VMOVSD (SI)(AX*8), X0; \
	SWAP(S, X0, X15); \
	VMOVSD X0, (DI)(AX*8); \
	INCQ AX; \
	JMP  vs1; \
vsdone:; \
	VZEROUPPER; \
	RET

// x = x OP y (the tensor on the left) and x = y OP x (the scalar on the left).
#define LEFT(P, x, y) P y, x, x
#define RIGHT(P, x, y) P x, y, x

// d = a OP row, row (n values, n a multiple of 4) repeated down a's rows.
#define ROW(P) \
	MOVQ d+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ row+16(FP), DX; \
	MOVQ rows+24(FP), R8; \
	MOVQ n+32(FP), R9; \
	SHLQ $3, R9; \
rowloop:; \
	TESTQ R8, R8; \
	JZ    rowdone; \
	XORQ  AX, AX; \
rowcols:; \
	VMOVUPD (SI)(AX*1), Y0; \
	P (DX)(AX*1), Y0, Y0; \
	VMOVUPD Y0, (DI)(AX*1); \
	ADDQ $32, AX; \
	CMPQ AX, R9; \
	JLT  rowcols; \
	ADDQ R9, SI; \
	ADDQ R9, DI; \
	DECQ R8; \
	JMP  rowloop; \
rowdone:; \
	VZEROUPPER; \
	RET

// x = y − x², the product rounded before the subtraction (no FMA), as
// subSVSquare.
#define SQRIGHT(P, M, x, y) M x, x, x; P x, y, x

#define SQRIGHTP(P, x, y) SQRIGHT(P, VMULPD, x, y)

// AVX2 + FMA kernels; the Go side (kernels_amd64.go) checks lengths and
// handles what these leave to it. No AVX-512: this code is tested only on
// CPUs without it.

// func gemmAVX2(c, a, b *float64, m, n, k, ars, acs int, row *float64)
//
// c (m×n, row-major) = A·b with b k×n row-major and A(i, p) at
// a[i*ars + p*acs], so that one kernel serves A·B (ars = k, acs = 1) and
// Aᵀ·B (ars = 1, acs = m). Each c[i][j] is the chain
// fma(A(i,k−1), b[k−1][j], … fma(A(i,0), b[0][j], 0)), whichever block
// computes it, so a row's values do not depend on the rows around it.
// With row not nil, row[j] is then added to c[i][j] (a layer's bias) in
// registers before the store: the same addition add-row makes, one pass
// over c fewer.
// Rows go four at a time (their chains interleave to hide the FMA latency),
// columns eight, then four, then two, then one at a time. k must be at
// least 1.
TEXT ·gemmAVX2(SB), NOSPLIT, $0-72
	MOVQ row+64(FP), R10   // bias row, or nil
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ m+24(FP), R8
	MOVQ n+32(FP), R9
	SHLQ $3, R9            // row stride of b and c, bytes
	MOVQ ars+48(FP), R11
	SHLQ $3, R11           // A's row stride, bytes
	MOVQ acs+56(FP), R12
	SHLQ $3, R12           // A's column stride, bytes
	LEAQ (R11)(R11*2), R14 // three rows of A

rows4:
	CMPQ R8, $4
	JLT  rows1
	XORQ BX, BX            // column offset, bytes

cols8x4:
	LEAQ 64(BX), CX
	CMPQ CX, R9
	JGT  cols4x4
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop8x4:
	VMOVUPD      (CX), Y8
	VMOVUPD      32(CX), Y9
	VBROADCASTSD (AX), Y10
	VBROADCASTSD (AX)(R11*1), Y11
	VBROADCASTSD (AX)(R11*2), Y12
	VBROADCASTSD (AX)(R14*1), Y13
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R12, AX
	ADDQ         R9, CX
	DECQ         R13
	JNZ          loop8x4
	TESTQ        R10, R10
	JZ           store8x4
	VMOVUPD      (R10)(BX*1), Y8
	VMOVUPD      32(R10)(BX*1), Y9
	VADDPD       Y8, Y0, Y0
	VADDPD       Y9, Y1, Y1
	VADDPD       Y8, Y2, Y2
	VADDPD       Y9, Y3, Y3
	VADDPD       Y8, Y4, Y4
	VADDPD       Y9, Y5, Y5
	VADDPD       Y8, Y6, Y6
	VADDPD       Y9, Y7, Y7

store8x4:
	LEAQ    (DI)(BX*1), AX
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, 32(AX)
	VMOVUPD Y2, (AX)(R9*1)
	VMOVUPD Y3, 32(AX)(R9*1)
	VMOVUPD Y4, (AX)(R9*2)
	VMOVUPD Y5, 32(AX)(R9*2)
	ADDQ    R9, AX
	VMOVUPD Y6, (AX)(R9*2)
	VMOVUPD Y7, 32(AX)(R9*2)
	ADDQ    $64, BX
	JMP     cols8x4

cols4x4:
	LEAQ 32(BX), CX
	CMPQ CX, R9
	JGT  cols2x4
	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	VXORPD Y4, Y4, Y4
	VXORPD Y6, Y6, Y6
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop4x4:
	VMOVUPD      (CX), Y8
	VBROADCASTSD (AX), Y10
	VBROADCASTSD (AX)(R11*1), Y11
	VBROADCASTSD (AX)(R11*2), Y12
	VBROADCASTSD (AX)(R14*1), Y13
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y8, Y13, Y6
	ADDQ         R12, AX
	ADDQ         R9, CX
	DECQ         R13
	JNZ          loop4x4
	TESTQ        R10, R10
	JZ           store4x4
	VMOVUPD      (R10)(BX*1), Y8
	VADDPD       Y8, Y0, Y0
	VADDPD       Y8, Y2, Y2
	VADDPD       Y8, Y4, Y4
	VADDPD       Y8, Y6, Y6

store4x4:
	LEAQ    (DI)(BX*1), AX
	VMOVUPD Y0, (AX)
	VMOVUPD Y2, (AX)(R9*1)
	VMOVUPD Y4, (AX)(R9*2)
	ADDQ    R9, AX
	VMOVUPD Y6, (AX)(R9*2)
	ADDQ    $32, BX

cols2x4:
	LEAQ 16(BX), CX
	CMPQ CX, R9
	JGT  cols1x4
	VXORPD X0, X0, X0
	VXORPD X2, X2, X2
	VXORPD X4, X4, X4
	VXORPD X6, X6, X6
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop2x4:
	VMOVUPD     (CX), X8
	VMOVDDUP    (AX), X10
	VMOVDDUP    (AX)(R11*1), X11
	VMOVDDUP    (AX)(R11*2), X12
	VMOVDDUP    (AX)(R14*1), X13
	VFMADD231PD X8, X10, X0
	VFMADD231PD X8, X11, X2
	VFMADD231PD X8, X12, X4
	VFMADD231PD X8, X13, X6
	ADDQ        R12, AX
	ADDQ        R9, CX
	DECQ        R13
	JNZ         loop2x4
	TESTQ       R10, R10
	JZ          store2x4
	VMOVUPD     (R10)(BX*1), X8
	VADDPD      X8, X0, X0
	VADDPD      X8, X2, X2
	VADDPD      X8, X4, X4
	VADDPD      X8, X6, X6

store2x4:
	LEAQ    (DI)(BX*1), AX
	VMOVUPD X0, (AX)
	VMOVUPD X2, (AX)(R9*1)
	VMOVUPD X4, (AX)(R9*2)
	ADDQ    R9, AX
	VMOVUPD X6, (AX)(R9*2)
	ADDQ    $16, BX

cols1x4:
	CMPQ BX, R9
	JGE  next4
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	VXORPD X2, X2, X2
	VXORPD X3, X3, X3
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop1x4:
	VMOVSD      (CX), X8
	VFMADD231SD (AX), X8, X0
	VFMADD231SD (AX)(R11*1), X8, X1
	VFMADD231SD (AX)(R11*2), X8, X2
	VFMADD231SD (AX)(R14*1), X8, X3
	ADDQ        R12, AX
	ADDQ        R9, CX
	DECQ        R13
	JNZ         loop1x4
	TESTQ       R10, R10
	JZ          store1x4
	VMOVSD      (R10)(BX*1), X8
	VADDSD      X8, X0, X0
	VADDSD      X8, X1, X1
	VADDSD      X8, X2, X2
	VADDSD      X8, X3, X3

store1x4:
	LEAQ   (DI)(BX*1), AX
	VMOVSD X0, (AX)
	VMOVSD X1, (AX)(R9*1)
	VMOVSD X2, (AX)(R9*2)
	ADDQ   R9, AX
	VMOVSD X3, (AX)(R9*2)
	ADDQ   $8, BX
	JMP    cols1x4

next4:
	LEAQ (SI)(R11*4), SI
	LEAQ (DI)(R9*4), DI
	SUBQ $4, R8
	JMP  rows4

rows1:
	TESTQ R8, R8
	JZ    done
	XORQ  BX, BX

cols8x1:
	LEAQ 64(BX), CX
	CMPQ CX, R9
	JGT  cols4x1
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop8x1:
	VBROADCASTSD (AX), Y10
	VFMADD231PD  (CX), Y10, Y0
	VFMADD231PD  32(CX), Y10, Y1
	ADDQ         R12, AX
	ADDQ         R9, CX
	DECQ         R13
	JNZ          loop8x1
	TESTQ        R10, R10
	JZ           store8x1
	VADDPD       (R10)(BX*1), Y0, Y0
	VADDPD       32(R10)(BX*1), Y1, Y1

store8x1:
	VMOVUPD Y0, (DI)(BX*1)
	VMOVUPD Y1, 32(DI)(BX*1)
	ADDQ    $64, BX
	JMP     cols8x1

cols4x1:
	LEAQ 32(BX), CX
	CMPQ CX, R9
	JGT  cols2x1
	VXORPD Y0, Y0, Y0
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop4x1:
	VBROADCASTSD (AX), Y10
	VFMADD231PD  (CX), Y10, Y0
	ADDQ         R12, AX
	ADDQ         R9, CX
	DECQ         R13
	JNZ          loop4x1
	TESTQ        R10, R10
	JZ           store4x1
	VADDPD       (R10)(BX*1), Y0, Y0

store4x1:
	VMOVUPD Y0, (DI)(BX*1)
	ADDQ    $32, BX

cols2x1:
	LEAQ 16(BX), CX
	CMPQ CX, R9
	JGT  cols1x1
	VXORPD X0, X0, X0
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop2x1:
	VMOVDDUP    (AX), X10
	VFMADD231PD (CX), X10, X0
	ADDQ        R12, AX
	ADDQ        R9, CX
	DECQ        R13
	JNZ         loop2x1
	TESTQ       R10, R10
	JZ          store2x1
	VADDPD      (R10)(BX*1), X0, X0

store2x1:
	VMOVUPD X0, (DI)(BX*1)
	ADDQ    $16, BX

cols1x1:
	CMPQ BX, R9
	JGE  next1
	VXORPD X0, X0, X0
	MOVQ SI, AX
	LEAQ (DX)(BX*1), CX
	MOVQ k+40(FP), R13

loop1x1:
	VMOVSD      (CX), X8
	VFMADD231SD (AX), X8, X0
	ADDQ        R12, AX
	ADDQ        R9, CX
	DECQ        R13
	JNZ         loop1x1
	TESTQ       R10, R10
	JZ          store1x1
	VADDSD      (R10)(BX*1), X0, X0

store1x1:
	VMOVSD X0, (DI)(BX*1)
	ADDQ   $8, BX
	JMP    cols1x1

next1:
	ADDQ R11, SI
	ADDQ R9, DI
	DECQ R8
	JMP  rows1

done:
	VZEROUPPER
	RET

// func addVVAVX2(d, a, b *float64, n int)
TEXT ·addVVAVX2(SB), NOSPLIT, $0-32
	VV(VADDPD, VADDSD)

// func subVVAVX2(d, a, b *float64, n int)
TEXT ·subVVAVX2(SB), NOSPLIT, $0-32
	VV(VSUBPD, VSUBSD)

// func mulVVAVX2(d, a, b *float64, n int)
TEXT ·mulVVAVX2(SB), NOSPLIT, $0-32
	VV(VMULPD, VMULSD)

// func divVVAVX2(d, a, b *float64, n int)
TEXT ·divVVAVX2(SB), NOSPLIT, $0-32
	VV(VDIVPD, VDIVSD)

// func addVSAVX2(d, a *float64, n int, s float64)
TEXT ·addVSAVX2(SB), NOSPLIT, $0-32
	VS(VADDPD, VADDSD, LEFT)

// func subVSAVX2(d, a *float64, n int, s float64)
TEXT ·subVSAVX2(SB), NOSPLIT, $0-32
	VS(VSUBPD, VSUBSD, LEFT)

// func mulVSAVX2(d, a *float64, n int, s float64)
TEXT ·mulVSAVX2(SB), NOSPLIT, $0-32
	VS(VMULPD, VMULSD, LEFT)

// func divVSAVX2(d, a *float64, n int, s float64)
TEXT ·divVSAVX2(SB), NOSPLIT, $0-32
	VS(VDIVPD, VDIVSD, LEFT)

// func subSVAVX2(d, a *float64, n int, s float64)
TEXT ·subSVAVX2(SB), NOSPLIT, $0-32
	VS(VSUBPD, VSUBSD, RIGHT)

// func divSVAVX2(d, a *float64, n int, s float64)
TEXT ·divSVAVX2(SB), NOSPLIT, $0-32
	VS(VDIVPD, VDIVSD, RIGHT)

// func addRowAVX2(d, a, row *float64, rows, n int)
TEXT ·addRowAVX2(SB), NOSPLIT, $0-40
	ROW(VADDPD)

// func mulRowAVX2(d, a, row *float64, rows, n int)
TEXT ·mulRowAVX2(SB), NOSPLIT, $0-40
	ROW(VMULPD)

// func subSVSquareAVX2(d, a *float64, n int, s float64)
TEXT ·subSVSquareAVX2(SB), NOSPLIT, $0-32
	VS(VSUBPD, VSUBSD, SQRIGHTP)

// func sumRowsAVX2(d, a *float64, rows, n int)
//
// d[j] = Σ_l a[l*n + j] for j < n, n a multiple of 4 and rows at least 1:
// each column's sum starts from its first row and adds the others in order,
// as sumAxis does, eight columns at a time, then four.
TEXT ·sumRowsAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	SHLQ $3, R9          // row stride, bytes
	XORQ BX, BX          // column offset, bytes

cols8:
	LEAQ    64(BX), CX
	CMPQ    CX, R9
	JGT     cols4
	LEAQ    (SI)(BX*1), AX
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), Y1
	MOVQ    R8, R13
	DECQ    R13
	JZ      store8

loop8:
	ADDQ   R9, AX
	VADDPD (AX), Y0, Y0
	VADDPD 32(AX), Y1, Y1
	DECQ   R13
	JNZ    loop8

store8:
	VMOVUPD Y0, (DI)(BX*1)
	VMOVUPD Y1, 32(DI)(BX*1)
	ADDQ    $64, BX
	JMP     cols8

cols4:
	CMPQ    BX, R9
	JGE     sumdone
	LEAQ    (SI)(BX*1), AX
	VMOVUPD (AX), Y0
	MOVQ    R8, R13
	DECQ    R13
	JZ      store4

loop4:
	ADDQ   R9, AX
	VADDPD (AX), Y0, Y0
	DECQ   R13
	JNZ    loop4

store4:
	VMOVUPD Y0, (DI)(BX*1)
	ADDQ    $32, BX
	JMP     cols4

sumdone:
	VZEROUPPER
	RET

// func colCopyAVX2(d, src *float64, rows, w, stride int)
//
// d[r*stride + j] = src[r*w + j] for r < rows, j < w, w one, two or four:
// one operand of a concatenation, written as a column of its result.
TEXT ·colCopyAVX2(SB), NOSPLIT, $0-40
	MOVQ  d+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  rows+16(FP), CX
	MOVQ  w+24(FP), DX
	MOVQ  stride+32(FP), R9
	SHLQ  $3, R9
	TESTQ CX, CX
	JZ    ccdone
	CMPQ  DX, $1
	JEQ   cc1
	CMPQ  DX, $2
	JEQ   cc2

cc4:
	VMOVUPD (SI), Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    R9, DI
	DECQ    CX
	JNZ     cc4
	JMP     ccdone

cc2:
	VMOVUPD (SI), X0
	VMOVUPD X0, (DI)
	ADDQ    $16, SI
	ADDQ    R9, DI
	DECQ    CX
	JNZ     cc2
	JMP     ccdone

cc1:
	VMOVSD (SI), X0
	VMOVSD X0, (DI)
	ADDQ   $8, SI
	ADDQ   R9, DI
	DECQ   CX
	JNZ    cc1

ccdone:
	VZEROUPPER
	RET

// func transposeAVX2(t, x *float64, rows, cols int)
//
// t (cols×rows) = x (rows×cols)ᵀ for rows and cols multiples of 4, in
// 4×4 blocks transposed in registers: a copy, so the values keep their
// bits.
TEXT ·transposeAVX2(SB), NOSPLIT, $0-32
	MOVQ t+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	MOVQ R9, R10
	SHLQ $3, R10            // x's row stride, bytes
	MOVQ R8, R11
	SHLQ $3, R11            // t's row stride, bytes
	LEAQ (R10)(R10*2), R12  // three rows of x
	LEAQ (R11)(R11*2), R13  // three rows of t
	XORQ AX, AX             // row of x

trows:
	CMPQ  AX, R8
	JGE   tdone
	MOVQ  AX, BX
	IMULQ R10, BX
	LEAQ  (SI)(BX*1), CX    // x[AX][0]
	LEAQ  (DI)(AX*8), DX    // t[0][AX]
	XORQ  BX, BX            // column of x

tcols:
	CMPQ       BX, R9
	JGE        tnext
	VMOVUPD    (CX), Y0
	VMOVUPD    (CX)(R10*1), Y1
	VMOVUPD    (CX)(R10*2), Y2
	VMOVUPD    (CX)(R12*1), Y3
	VUNPCKLPD  Y1, Y0, Y4
	VUNPCKHPD  Y1, Y0, Y5
	VUNPCKLPD  Y3, Y2, Y6
	VUNPCKHPD  Y3, Y2, Y7
	VPERM2F128 $0x20, Y6, Y4, Y0
	VPERM2F128 $0x20, Y7, Y5, Y1
	VPERM2F128 $0x31, Y6, Y4, Y2
	VPERM2F128 $0x31, Y7, Y5, Y3
	VMOVUPD    Y0, (DX)
	VMOVUPD    Y1, (DX)(R11*1)
	VMOVUPD    Y2, (DX)(R11*2)
	VMOVUPD    Y3, (DX)(R13*1)
	ADDQ       $32, CX
	LEAQ       (DX)(R11*4), DX
	ADDQ       $4, BX
	JMP        tcols

tnext:
	ADDQ $4, AX
	JMP  trows

tdone:
	VZEROUPPER
	RET
