//go:build !purego

package graph

// fmaLoopAVX2 is n rounds of twelve independent 4-wide FMA chains, 96
// operations a round (peak_amd64.s).
//
//go:noescape
func fmaLoopAVX2(n int) float64

func fmaLoopVector(n int) float64 { return fmaLoopAVX2(n) }
