package checkpoint

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// coder writes and reads a model: the library's parts here and in the
// files beside, a user's through the Codec's tables. Decoded parts get
// what JSON does not hold from ffjordOpts and source.
type coder struct {
	models, bijectors *table
	// ffjordOpts are the options every decoded FFJORD block is made with;
	// its times come from the JSON and source below gives its Source.
	ffjordOpts ffjord.Options
	// source, if not nil, is called for the random source of each decoded
	// base and FFJORD block, in the order they appear in the JSON.
	source func() rand.Source
}

func (c *coder) src() rand.Source {
	if c.source == nil {
		return nil
	}
	return c.source()
}

// transformedJSON is the JSON form of a TransformedDistribution:
//
//	{"type": "transformed", "base": {"type": "normal", …}, "bijector": {"type": "chain", …}}
type transformedJSON struct {
	Type     string          `json:"type"`
	Base     json.RawMessage `json:"base"`
	Bijector json.RawMessage `json:"bijector"`
}

func (c *coder) encodeTransformed(d *distributions.TransformedDistribution) ([]byte, error) {
	rawBase, err := encodeBase(d.Base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	rawBij, err := c.encodeBijector(d.Bijector)
	if err != nil {
		return nil, fmt.Errorf("bijector: %w", err)
	}
	return json.Marshal(transformedJSON{Type: "transformed", Base: rawBase, Bijector: rawBij})
}

// decodeTransformed reads what encodeTransformed wrote. The base takes
// the first of the sources. Every bijector that has a dimension (a Dim
// method) must have the base's.
func (c *coder) decodeTransformed(data []byte) (*distributions.TransformedDistribution, error) {
	var tj transformedJSON
	if err := strictjson.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("transformed distribution: %v", err)
	}
	if tj.Type != "transformed" {
		return nil, fmt.Errorf("type = %q, want transformed", tj.Type)
	}
	base, err := decodeBase(tj.Base, c.src())
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	b, err := c.decodeBijector(tj.Bijector, 0)
	if err != nil {
		return nil, fmt.Errorf("bijector: %w", err)
	}
	if err := checkDims(b, base.Dim(), "bijector"); err != nil {
		return nil, err
	}
	return distributions.NewTransformed(base, b)
}

// checkDims checks that b and, in a Chain, each of its parts act on ℝ^D.
func checkDims(b distributions.Bijector, D int, where string) error {
	if c, ok := b.(distributions.Chain); ok {
		for k, bk := range c {
			if err := checkDims(bk, D, fmt.Sprintf("%s.bijectors[%d]", where, k)); err != nil {
				return err
			}
		}
		return nil
	}
	if d, ok := b.(interface{ Dim() int }); ok && d.Dim() != D {
		return fmt.Errorf("%s: %w: dimension %d, the base's is %d", where, distributions.ErrShape, d.Dim(), D)
	}
	return nil
}

// encodeBijector writes b as a JSON object keyed by "type": an FFJORD
// block ("ffjord"), an Affine ("affine"), an AffineTriL ("affine_tril"), a
// Sigmoid ("sigmoid"), a MixtureCDF ("mixture_cdf") or a Chain ("chain"),
// any other bijector through the Codec.
func (c *coder) encodeBijector(b distributions.Bijector) (json.RawMessage, error) {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return c.encodeBlock(b)
	case *distributions.Affine:
		return encodeAffine(b)
	case *distributions.AffineTriL:
		return encodeAffineTriL(b)
	case *distributions.Sigmoid:
		return encodeSigmoid(b)
	case *distributions.MixtureCDF:
		return encodeMixtureCDF(b)
	case distributions.Chain:
		return c.encodeChain(b)
	}
	return c.bijectors.encode(b)
}

func (c *coder) decodeBijector(data []byte, depth int) (distributions.Bijector, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("bijector: %v", err)
	}
	switch typ {
	case "ffjord":
		return c.decodeBlock(data)
	case "affine":
		return decodeAffine(data)
	case "affine_tril":
		return decodeAffineTriL(data)
	case "sigmoid":
		return decodeSigmoid(data)
	case "mixture_cdf":
		return decodeMixtureCDF(data)
	case "chain":
		if depth >= distributions.MaxDepth {
			return nil, fmt.Errorf("chains nested deeper than %d", distributions.MaxDepth)
		}
		return c.decodeChain(data, depth+1)
	}
	v, err := c.bijectors.decode(typ, data)
	if err != nil {
		return nil, err
	}
	return v.(distributions.Bijector), nil
}

// chainJSON is the JSON form of a Chain, in the chain's own order (the
// last bijector is applied first in Forward):
//
//	{"type": "chain", "bijectors": [{"type": "ffjord", …}, {"type": "affine", …}]}
type chainJSON struct {
	Type      string            `json:"type"`
	Bijectors []json.RawMessage `json:"bijectors"`
}

func (c *coder) encodeChain(ch distributions.Chain) ([]byte, error) {
	out := chainJSON{Type: "chain", Bijectors: make([]json.RawMessage, len(ch))}
	for k, b := range ch {
		raw, err := c.encodeBijector(b)
		if err != nil {
			return nil, fmt.Errorf("bijectors[%d]: %w", k, err)
		}
		out.Bijectors[k] = raw
	}
	return json.Marshal(out)
}

// decodeChain reads a chain of at most MaxChain bijectors, nested at most
// MaxDepth deep.
func (c *coder) decodeChain(data []byte, depth int) (distributions.Chain, error) {
	var cj chainJSON
	if err := strictjson.Unmarshal(data, &cj); err != nil {
		return nil, fmt.Errorf("chain: %v", err)
	}
	if cj.Type != "chain" {
		return nil, fmt.Errorf("type = %q, want chain", cj.Type)
	}
	if len(cj.Bijectors) > distributions.MaxChain {
		return nil, fmt.Errorf("chain of %d bijectors, more than the limit %d", len(cj.Bijectors), distributions.MaxChain)
	}
	out := make(distributions.Chain, len(cj.Bijectors))
	for k, raw := range cj.Bijectors {
		b, err := c.decodeBijector(raw, depth)
		if err != nil {
			return nil, fmt.Errorf("bijectors[%d]: %w", k, err)
		}
		if b == nil {
			return nil, fmt.Errorf("bijectors[%d]: decoded to nil", k)
		}
		out[k] = b
	}
	return out, nil
}
