package checkpoint

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// normalJSON is the JSON form of a Normal: a fixed one by its standard
// deviations, a learnable one by its parameters, so that both read back
// bit for bit:
//
//	{"type": "normal", "mean": […D], "std": […D]}
//	{"type": "normal", "learnable": true, "mean": […D], "log_scale": […D]}
type normalJSON struct {
	Type      string    `json:"type"`
	Learnable bool      `json:"learnable,omitempty"`
	Mean      []float64 `json:"mean"`
	Std       []float64 `json:"std,omitempty"`
	LogScale  []float64 `json:"log_scale,omitempty"`
}

// mvnJSON and mixtureJSON are the JSON forms of the full-covariance
// Gaussians. A scale is written as its parameter (L's strictly lower
// entries, log L_ii on the diagonal, zeros above, row-major), so that it
// reads back bit for bit:
//
//	{"type": "mvn_tril", "loc": […D], "scale": […D·D]}
//	{"type": "gaussian_mixture", "dim": D, "logits": […K], "locs": […K·D], "scales": […K·D·D]}
type mvnJSON struct {
	Type  string    `json:"type"`
	Loc   []float64 `json:"loc"`
	Scale []float64 `json:"scale"`
}

type mixtureJSON struct {
	Type   string    `json:"type"`
	Dim    int       `json:"dim"`
	Logits []float64 `json:"logits"`
	Locs   []float64 `json:"locs"`
	Scales []float64 `json:"scales"`
}

// encodeBase writes a base distribution of the library's: a *Normal, a
// *MultivariateNormalTriL or a *GaussianMixture; its random source is not
// written.
func encodeBase(b distributions.Distribution) ([]byte, error) {
	var v any
	switch b := b.(type) {
	case *distributions.Normal:
		v = normalJSON{Type: "normal", Mean: b.Mean(), Std: b.Std()}
		if b.Learnable() {
			v = normalJSON{Type: "normal", Learnable: true, Mean: b.Mean(), LogScale: b.LogScale()}
		}
	case *distributions.MultivariateNormalTriL:
		v = mvnJSON{Type: "mvn_tril", Loc: b.Loc(), Scale: b.ScaleParam()}
	case *distributions.GaussianMixture:
		v = mixtureJSON{Type: "gaussian_mixture", Dim: b.Dim(), Logits: b.Logits(), Locs: b.Locs(), Scales: b.ScaleParams()}
	default:
		return nil, fmt.Errorf("%w: the base %T has no JSON form (a *Normal, *MultivariateNormalTriL or *GaussianMixture has)", ErrCodec, b)
	}
	raw, err := json.Marshal(v)
	return readsBack(raw, err, func(raw []byte) (distributions.DifferentiableBase, error) { return decodeBase(raw, nil) })
}

// decodeBase reads a base written by encodeBase, by its "type", sampling
// from src.
func decodeBase(data []byte, src rand.Source) (distributions.DifferentiableBase, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("base: %v", err)
	}
	switch typ {
	case "normal":
		return decodeNormal(data, src)
	case "mvn_tril":
		var mj mvnJSON
		if err := strictjson.Unmarshal(data, &mj); err != nil {
			return nil, fmt.Errorf("mvn_tril: %v", err)
		}
		m, err := distributions.NewMultivariateNormalTriLFromParams(mj.Loc, mj.Scale, src)
		if err != nil {
			return nil, fmt.Errorf("mvn_tril: %w", err)
		}
		return m, nil
	case "gaussian_mixture":
		var gj mixtureJSON
		if err := strictjson.Unmarshal(data, &gj); err != nil {
			return nil, fmt.Errorf("gaussian_mixture: %v", err)
		}
		g, err := distributions.NewGaussianMixtureFromParams(gj.Dim, gj.Logits, gj.Locs, gj.Scales, src)
		if err != nil {
			return nil, fmt.Errorf("gaussian_mixture: %w", err)
		}
		return g, nil
	}
	return nil, fmt.Errorf("unknown base type %q (want normal, mvn_tril or gaussian_mixture)", typ)
}

// decodeNormal reads D ≤ MaxDim, finite means, std > 0 (or |log σ| ≤ 700).
func decodeNormal(data []byte, src rand.Source) (*distributions.Normal, error) {
	var nj normalJSON
	if err := strictjson.Unmarshal(data, &nj); err != nil {
		return nil, fmt.Errorf("normal: %v", err)
	}
	if len(nj.Mean) > distributions.MaxDim {
		return nil, fmt.Errorf("normal mean has %d values, more than the limit %d", len(nj.Mean), distributions.MaxDim)
	}
	if !nj.Learnable {
		if nj.LogScale != nil {
			return nil, fmt.Errorf("a fixed normal has std, not log_scale")
		}
		return distributions.NewNormal(nj.Mean, nj.Std, src)
	}
	if nj.Std != nil {
		return nil, fmt.Errorf("a learnable normal has log_scale, not std")
	}
	return distributions.NewLearnableNormalFromParams(nj.Mean, nj.LogScale, src)
}
