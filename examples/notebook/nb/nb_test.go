package nb

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestNotebookSteps runs the notebook's steps on a small data set, so that
// `go test ./...` notices when the library moves under the notebook.
func TestNotebookSteps(t *testing.T) {
	data, err := Moons(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if data.Len() != 512 || len(data.Head(3)) != 3 || len(data.Head(1000)) != 512 {
		t.Fatalf("data: Len %d, Head(3) %d, Head(1000) %d", data.Len(), len(data.Head(3)), len(data.Head(1000)))
	}
	if !strings.HasPrefix(data.String(), "512 points in ") {
		t.Errorf("data.String() = %q", data.String())
	}

	flow, err := NewFlow(1)
	if err != nil {
		t.Fatal(err)
	}
	if n := flow.NumParams(); n != 4*((4*8+8)+(8*8+8)+(8*2+2)) { // input [t, t, z]
		t.Errorf("NumParams = %d", n)
	}
	var progress bytes.Buffer
	if err := flow.Train(data, 1, &progress); err != nil {
		t.Fatal(err)
	}
	if err := flow.Train(data, 1, nil); err != nil {
		t.Fatal(err)
	}
	h := flow.History()
	if len(h) != 2 || h[0].Epoch != 1 || h[1].Epoch != 2 || !(h[0].NFE > 0) || math.IsNaN(h[1].Loss) {
		t.Fatalf("history %+v", h)
	}
	if !strings.Contains(progress.String(), "epoch=1") {
		t.Errorf("progress %q does not report epoch 1", progress.String())
	}
	if err := flow.Train(nil, 1, nil); err == nil {
		t.Error("Train(nil data) succeeded")
	}
	if err := flow.Train(data, 0, nil); err == nil {
		t.Error("Train(0 epochs) succeeded")
	}

	logp, err := flow.LogProb([][2]float64{{0, 1}, {30, 30}})
	if err != nil {
		t.Fatal(err)
	}
	if len(logp) != 2 || !(logp[0] > logp[1]) {
		t.Errorf("log p(0, 1), log p(30, 30) = %v: want the point on the moons likelier", logp)
	}
	nll, err := flow.NLL(data)
	if err != nil || math.IsNaN(nll) || math.IsInf(nll, 0) {
		t.Errorf("NLL = %v, %v", nll, err)
	}
	s, err := flow.Sample(3)
	if err != nil || len(s) != 3 {
		t.Errorf("Sample(3) = %v, %v", s, err)
	}

	img, err := flow.Density()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("density image is %v", b)
	}
	img, err = flow.LossCurve(nll)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 400 {
		t.Errorf("loss curve is %v, want 600×400", b)
	}
	if _, err := flow.TutorialFigure(nil, false); err == nil {
		t.Error("TutorialFigure(nil data) succeeded")
	}
	if !strings.Contains(flow.String(), "2 epochs trained") {
		t.Errorf("flow.String() = %q", flow.String())
	}
}

// The conditional section: a short training lowers the conditional NLL and
// the two densities draw.
func TestConditional(t *testing.T) {
	d, err := LabelledMoons(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewConditional(1)
	if err != nil {
		t.Fatal(err)
	}
	before, err := f.NLL(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Train(d, 2, nil); err != nil {
		t.Fatal(err)
	}
	after, err := f.NLL(d)
	if err != nil {
		t.Fatal(err)
	}
	if !(after < before) {
		t.Errorf("conditional NLL %.3f → %.3f", before, after)
	}
	img, err := f.Densities()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 400 {
		t.Errorf("densities are %v", b)
	}
}

// TestBananaVI runs the notebook's variational-inference steps briefly.
func TestBananaVI(t *testing.T) {
	v, err := NewBananaVI(1)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	if err := v.Fit(1, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "epoch  1:") {
		t.Errorf("progress %q does not report epoch 1", progress.String())
	}
	if err := v.Fit(0, nil); err == nil {
		t.Error("Fit(0 epochs) succeeded")
	}
	e, err := v.Estimate(256)
	if err != nil {
		t.Fatal(err)
	}
	if !(e.ESS > 0 && e.ESS <= 1) || !(e.ELBO <= e.LogZ) || math.IsNaN(e.LogZSE) {
		t.Errorf("estimate %+v", e)
	}
	if _, err := v.Estimate(10); err == nil {
		t.Error("Estimate(10) succeeded")
	}
	img, err := v.Densities()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("figure %v: want two panels side by side", b)
	}
}
