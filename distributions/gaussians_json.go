package distributions

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"gorgonia.org/tensor"
)

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

// MarshalJSON writes the Gaussian as {"type": "mvn_tril", …}.
func (m *MultivariateNormalTriL) MarshalJSON() ([]byte, error) {
	return json.Marshal(mvnJSON{Type: "mvn_tril", Loc: m.loc.Float64s(), Scale: m.scale.Float64s()})
}

// MarshalJSON writes the mixture as {"type": "gaussian_mixture", …}.
func (g *GaussianMixture) MarshalJSON() ([]byte, error) {
	return json.Marshal(mixtureJSON{Type: "gaussian_mixture", Dim: g.Dim(),
		Logits: g.logits.Float64s(), Locs: g.locs.Float64s(), Scales: g.scales.Float64s()})
}

// DecodeMultivariateNormalTriL reads a Gaussian written by MarshalJSON,
// sampling from src.
func DecodeMultivariateNormalTriL(data []byte, src rand.Source) (*MultivariateNormalTriL, error) {
	var mj mvnJSON
	if err := strictjson.Unmarshal(data, &mj); err != nil {
		return nil, fmt.Errorf("%w: mvn_tril: %v", ErrInvalidParameter, err)
	}
	D := len(mj.Loc)
	switch {
	case mj.Type != "mvn_tril":
		return nil, fmt.Errorf("%w: type = %q, want mvn_tril", ErrInvalidParameter, mj.Type)
	case D == 0 || D > MaxDim:
		return nil, fmt.Errorf("%w: mvn_tril loc has %d values, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if err := checkFiniteValues(mj.Loc, "mvn_tril loc"); err != nil {
		return nil, err
	}
	if err := checkScale(mj.Scale, D, "mvn_tril scale", true); err != nil {
		return nil, err
	}
	m := &MultivariateNormalTriL{
		loc:   tensor.New(tensor.WithShape(1, D), tensor.WithBacking(mj.Loc)),
		scale: tensor.New(tensor.WithShape(D, D), tensor.WithBacking(mj.Scale)),
	}
	return m.WithSource(src), nil
}

// DecodeGaussianMixture reads a mixture written by MarshalJSON, sampling
// from src.
func DecodeGaussianMixture(data []byte, src rand.Source) (*GaussianMixture, error) {
	var gj mixtureJSON
	if err := strictjson.Unmarshal(data, &gj); err != nil {
		return nil, fmt.Errorf("%w: gaussian_mixture: %v", ErrInvalidParameter, err)
	}
	K, D := len(gj.Logits), gj.Dim
	switch {
	case gj.Type != "gaussian_mixture":
		return nil, fmt.Errorf("%w: type = %q, want gaussian_mixture", ErrInvalidParameter, gj.Type)
	case D < 1 || D > MaxDim:
		return nil, fmt.Errorf("%w: gaussian_mixture dim = %d, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	case K < 1 || K > MaxComponents:
		return nil, fmt.Errorf("%w: gaussian_mixture has %d logits, want 1 to %d", ErrInvalidParameter, K, MaxComponents)
	case len(gj.Locs) != K*D || len(gj.Scales) != K*D*D:
		return nil, fmt.Errorf("%w: gaussian_mixture of %d components in %d dimensions has %d locs and %d scale values, want %d and %d",
			ErrInvalidParameter, K, D, len(gj.Locs), len(gj.Scales), K*D, K*D*D)
	}
	if err := checkFiniteValues(gj.Logits, "gaussian_mixture logits"); err != nil {
		return nil, err
	}
	if err := checkFiniteValues(gj.Locs, "gaussian_mixture locs"); err != nil {
		return nil, err
	}
	for k := range K {
		if err := checkScale(gj.Scales[k*D*D:(k+1)*D*D], D, fmt.Sprintf("gaussian_mixture scales[%d]", k), true); err != nil {
			return nil, err
		}
	}
	g := &GaussianMixture{
		logits: tensor.New(tensor.WithShape(1, K), tensor.WithBacking(gj.Logits)),
		locs:   tensor.New(tensor.WithShape(K, D), tensor.WithBacking(gj.Locs)),
		scales: tensor.New(tensor.WithShape(K, D*D), tensor.WithBacking(gj.Scales)),
	}
	return g.WithSource(src), nil
}

// EncodeBase writes a base distribution of the library's: a *Normal, a
// *MultivariateNormalTriL or a *GaussianMixture.
func EncodeBase(b Distribution) ([]byte, error) {
	switch b.(type) {
	case *Normal, *MultivariateNormalTriL, *GaussianMixture:
		return json.Marshal(b)
	}
	return nil, fmt.Errorf("%w: the base %T has no JSON form (a *Normal, *MultivariateNormalTriL or *GaussianMixture has)", ErrInvalidParameter, b)
}

// DecodeBase reads a base written by EncodeBase, by its "type", sampling
// from src.
func DecodeBase(data []byte, src rand.Source) (DifferentiableBase, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("%w: base: %v", ErrInvalidParameter, err)
	}
	switch typ {
	case "normal":
		return DecodeNormal(data, src)
	case "mvn_tril":
		return DecodeMultivariateNormalTriL(data, src)
	case "gaussian_mixture":
		return DecodeGaussianMixture(data, src)
	}
	return nil, fmt.Errorf("%w: unknown base type %q (want normal, mvn_tril or gaussian_mixture)", ErrInvalidParameter, typ)
}
