package train

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// errAdamLayout is returned when gorgonia's AdamSolver no longer has the
// unexported fields this adapter reads; TestAdamMemoryAdapter fails loudly
// then.
var errAdamLayout = errors.New("train: gorgonia's AdamSolver layout is not the one this library was written for (v0.9.18)")

// adamMemory is the one place that reaches the unexported state of
// gorgonia v0.9.18's AdamSolver:
//
//	type AdamSolver struct { …; iter int; …; cache []*dualValue }
//	type dualValue struct { Value; d Value }   // Value: the first moment, d: the second
//
// Gorgonia keeps them private; checkpoints need them to resume exactly.
type adamMemory struct {
	iter  *int
	cache reflect.Value // []*dualValue
}

func adamMemoryOf(s *G.AdamSolver) (adamMemory, error) {
	v := reflect.ValueOf(s).Elem()
	it, c := v.FieldByName("iter"), v.FieldByName("cache")
	if !it.IsValid() || it.Kind() != reflect.Int || !c.IsValid() || c.Kind() != reflect.Slice {
		return adamMemory{}, errAdamLayout
	}
	return adamMemory{
		iter:  (*int)(unsafe.Pointer(it.UnsafeAddr())),
		cache: reflect.NewAt(c.Type(), unsafe.Pointer(c.UnsafeAddr())).Elem(),
	}, nil
}

// moments returns the backing arrays of parameter i's first and second
// moment estimates.
func (m adamMemory) moments(i int) (mean, variance []float64, err error) {
	if i >= m.cache.Len() {
		return nil, nil, fmt.Errorf("%w: no moments for parameter %d", errAdamLayout, i)
	}
	dv := m.cache.Index(i)
	if dv.Kind() != reflect.Pointer || dv.IsNil() || dv.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("%w: moments of parameter %d", errAdamLayout, i)
	}
	s := dv.Elem()
	first, second := s.FieldByName("Value"), s.FieldByName("d")
	if !first.IsValid() || !second.IsValid() {
		return nil, nil, errAdamLayout
	}
	read := func(f reflect.Value) []float64 {
		t, _ := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*tensor.Dense)
		if t == nil || t.Dtype() != tensor.Float64 {
			return nil
		}
		return t.Float64s()
	}
	mean, variance = read(first), read(second)
	if mean == nil || variance == nil {
		return nil, nil, fmt.Errorf("%w: moments of parameter %d are not float64 tensors", errAdamLayout, i)
	}
	return mean, variance, nil
}
