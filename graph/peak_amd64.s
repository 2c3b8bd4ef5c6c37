//go:build !purego

#include "textflag.h"

// func fmaLoopAVX2(n int) float64
//
// n rounds of twelve independent 4-wide FMA chains, x ← x·(1 − 2⁻⁵³) + 1
// from x = 1 (more chains than latency × ports on the CPUs this runs on,
// so the FMA units never wait): 96 FLOPs a round. The chains' sum is
// returned so that the work is not dead.
TEXT ·fmaLoopAVX2(SB), NOSPLIT, $0-16
	MOVQ         n+0(FP), CX
	MOVQ         $0x3ff0000000000000, AX // 1.0
	MOVQ         AX, X12
	VBROADCASTSD X12, Y12
	MOVQ         $0x3fefffffffffffff, AX // 1 − 2⁻⁵³: keeps the chains bounded
	MOVQ         AX, X13
	VBROADCASTSD X13, Y13
	VMOVAPD      Y12, Y0
	VMOVAPD      Y12, Y1
	VMOVAPD      Y12, Y2
	VMOVAPD      Y12, Y3
	VMOVAPD      Y12, Y4
	VMOVAPD      Y12, Y5
	VMOVAPD      Y12, Y6
	VMOVAPD      Y12, Y7
	VMOVAPD      Y12, Y8
	VMOVAPD      Y12, Y9
	VMOVAPD      Y12, Y10
	VMOVAPD      Y12, Y11
	TESTQ        CX, CX
	JZ           fmadone

fmaloop:
	VFMADD132PD Y13, Y12, Y0
	VFMADD132PD Y13, Y12, Y1
	VFMADD132PD Y13, Y12, Y2
	VFMADD132PD Y13, Y12, Y3
	VFMADD132PD Y13, Y12, Y4
	VFMADD132PD Y13, Y12, Y5
	VFMADD132PD Y13, Y12, Y6
	VFMADD132PD Y13, Y12, Y7
	VFMADD132PD Y13, Y12, Y8
	VFMADD132PD Y13, Y12, Y9
	VFMADD132PD Y13, Y12, Y10
	VFMADD132PD Y13, Y12, Y11
	DECQ        CX
	JNZ         fmaloop

fmadone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y5, Y4, Y4
	VADDPD Y7, Y6, Y6
	VADDPD Y9, Y8, Y8
	VADDPD Y11, Y10, Y10
	VADDPD Y2, Y0, Y0
	VADDPD Y6, Y4, Y4
	VADDPD Y10, Y8, Y8
	VADDPD Y4, Y0, Y0
	VADDPD Y8, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	MOVSD        X0, ret+8(FP)
	VZEROUPPER
	RET
