package distributions

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// Limits on what DecodeBijector accepts, checked before anything is
// allocated (dimensions and widths are bounded by odefunc.MaxDim and
// odefunc.MaxWidth).
const (
	MaxChain = 1 << 10 // bijectors in one Chain
	MaxDepth = 32      // Chains within Chains
	MaxDim   = 1 << 12 // dimension of a Normal, an Affine, an AffineTriL, a Sigmoid or a MixtureCDF, as odefunc.MaxDim
)

// Codec says how to write and read the parts of a composition the library
// cannot on its own, and gives decoded parts what JSON does not hold. The
// zero value handles the library's types only.
type Codec struct {
	// Model writes and reads FFJORD dynamics other than odefunc.Network.
	Model ffjord.ModelCodec
	// EncodeBijector writes a bijector of a type the library does not
	// know, as a JSON object whose "type" is not one of the library's;
	// DecodeBijector reads it back.
	EncodeBijector func(Bijector) (json.RawMessage, error)
	DecodeBijector func(json.RawMessage) (Bijector, error)
	// FFJORD are the options every decoded FFJORD block is made with; its
	// times come from the JSON, and Source below overrides its Source.
	FFJORD ffjord.Options
	// Source, if not nil, is called for the random source of each decoded
	// Normal and FFJORD block, in the order they appear in the JSON.
	Source func() rand.Source
}

func (c Codec) source() rand.Source {
	if c.Source == nil {
		return nil
	}
	return c.Source()
}

// EncodeBijector writes b as a JSON object keyed by "type": an FFJORD block
// ("ffjord"), an Affine ("affine"), an AffineTriL ("affine_tril"), a
// Sigmoid ("sigmoid"), a MixtureCDF ("mixture_cdf") or a Chain ("chain")
// itself, any other bijector through c.EncodeBijector.
func EncodeBijector(b Bijector, c Codec) (json.RawMessage, error) {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return b.EncodeJSON(c.Model)
	case *Affine:
		return json.Marshal(b)
	case *AffineTriL:
		return json.Marshal(b)
	case *Sigmoid:
		return json.Marshal(b)
	case *MixtureCDF:
		return json.Marshal(b)
	case Chain:
		return b.EncodeJSON(c)
	}
	if c.EncodeBijector == nil {
		return nil, fmt.Errorf("%w: the bijector %T has no JSON form and the Codec has no EncodeBijector", ErrInvalidParameter, b)
	}
	return c.EncodeBijector(b)
}

// DecodeBijector reads a bijector written by EncodeBijector. Errors wrap
// ErrInvalidParameter (or the error of the part that failed) and name the
// field.
func DecodeBijector(data []byte, c Codec) (Bijector, error) { return decodeBijector(data, c, 0) }

func decodeBijector(data []byte, c Codec, depth int) (Bijector, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("%w: bijector: %v", ErrInvalidParameter, err)
	}
	switch typ {
	case "ffjord":
		opts := c.FFJORD
		if src := c.source(); src != nil {
			opts.Source = src
		}
		return ffjord.DecodeJSON(data, c.Model, opts)
	case "affine":
		return DecodeAffine(data)
	case "affine_tril":
		return DecodeAffineTriL(data)
	case "sigmoid":
		return DecodeSigmoid(data)
	case "mixture_cdf":
		return DecodeMixtureCDF(data)
	case "chain":
		if depth >= MaxDepth {
			return nil, fmt.Errorf("%w: chains nested deeper than %d", ErrInvalidParameter, MaxDepth)
		}
		return decodeChain(data, c, depth+1)
	}
	if c.DecodeBijector == nil {
		return nil, fmt.Errorf("%w: unknown bijector type %q (want ffjord, affine, affine_tril, sigmoid, mixture_cdf or chain)", ErrInvalidParameter, typ)
	}
	return c.DecodeBijector(data)
}
