package checkpoint

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// Codec says how to save and load the parts of a model the library does
// not know: a user's own dynamics and bijectors, each of one concrete Go
// type under one name. The file holds such a part as
// {"type": name, "data": …}, data being what its Encode wrote. The zero
// value handles the library's types only. Save and Load check the Codec
// first: every name non-empty, not one of the library's type names, and
// used once; every type concrete, not one the library writes itself, and
// given once.
type Codec struct {
	Models    []ModelCodec    // dynamics of FFJORD blocks, made with Model
	Bijectors []BijectorCodec // bijectors, made with Bijector
}

// ModelCodec writes and reads a user's dynamics of one type; make it with
// Model.
type ModelCodec struct{ entry }

// BijectorCodec writes and reads a user's bijector of one type; make it
// with Bijector.
type BijectorCodec struct{ entry }

type entry struct {
	name   string
	typ    reflect.Type
	encode func(any) (json.RawMessage, error)
	decode func(json.RawMessage) (any, error)
}

// Model returns the codec of dynamics of the concrete type M under name:
// encode returns any JSON value, decode gets it back and returns the
// model. decode is the user's code: it should check what it reads.
func Model[M odefunc.Model](name string, encode func(M) (json.RawMessage, error), decode func(json.RawMessage) (M, error)) ModelCodec {
	return ModelCodec{newEntry(name, encode, decode)}
}

// Bijector returns the codec of bijectors of the concrete type B under
// name, as Model does for dynamics.
func Bijector[B distributions.Differentiable](name string, encode func(B) (json.RawMessage, error), decode func(json.RawMessage) (B, error)) BijectorCodec {
	return BijectorCodec{newEntry(name, encode, decode)}
}

func newEntry[T any](name string, encode func(T) (json.RawMessage, error), decode func(json.RawMessage) (T, error)) entry {
	e := entry{name: name, typ: reflect.TypeFor[T]()}
	if encode != nil {
		e.encode = func(v any) (json.RawMessage, error) { return encode(v.(T)) }
	}
	if decode != nil {
		e.decode = func(data json.RawMessage) (any, error) { return decode(data) }
	}
	return e
}

// reserved are the type names of the library's own parts.
var reserved = map[string]bool{
	"network": true, "ffjord": true, "affine": true, "affine_tril": true, "sigmoid": true, "mixture_cdf": true, "chain": true, "normal": true, "transformed": true,
	"mvn_tril": true, "gaussian_mixture": true,
	"linear": true, "concatsquash": true, "activation": true, "time_concat": true, "context_concat": true, "context_squash": true,
}

// table holds the codecs of one kind, by name and by Go type.
type table struct {
	kind, builtin, field string // for messages
	// library are the Go types the library writes itself, before looking
	// at the Codec: a codec for one would never be called.
	library map[reflect.Type]bool
	byName  map[string]*entry
	byType  map[reflect.Type]*entry
}

var (
	libraryModels    = map[reflect.Type]bool{reflect.TypeFor[*odefunc.Network](): true}
	libraryBijectors = map[reflect.Type]bool{
		reflect.TypeFor[*ffjord.FFJORD](): true, reflect.TypeFor[*distributions.Affine](): true,
		reflect.TypeFor[*distributions.AffineTriL](): true, reflect.TypeFor[*distributions.Sigmoid](): true,
		reflect.TypeFor[*distributions.MixtureCDF](): true, reflect.TypeFor[distributions.Chain](): true,
	}
)

// tables checks c and indexes it.
func (c Codec) tables() (models, bijectors *table, err error) {
	models = &table{kind: "dynamics", builtin: "network", field: "Models", library: libraryModels}
	bijectors = &table{kind: "bijector", builtin: "ffjord, affine, affine_tril, sigmoid, mixture_cdf or chain", field: "Bijectors", library: libraryBijectors}
	for i := range c.Models {
		if err := models.add(i, &c.Models[i].entry); err != nil {
			return nil, nil, err
		}
	}
	for i := range c.Bijectors {
		if err := bijectors.add(i, &c.Bijectors[i].entry); err != nil {
			return nil, nil, err
		}
	}
	return models, bijectors, nil
}

func (t *table) add(i int, e *entry) error {
	where := fmt.Sprintf("Codec.%s[%d] (%q)", t.field, i, e.name)
	switch {
	case e.name == "":
		return fmt.Errorf("%w: %s: empty name", ErrCodec, where)
	case reserved[e.name]:
		return fmt.Errorf("%w: %s: the name is a library type name", ErrCodec, where)
	case e.typ == nil:
		return fmt.Errorf("%w: %s: make it with checkpoint.Model or checkpoint.Bijector", ErrCodec, where)
	case e.typ.Kind() == reflect.Interface:
		return fmt.Errorf("%w: %s: %v is an interface; give a concrete type", ErrCodec, where, e.typ)
	case t.library[e.typ]:
		return fmt.Errorf("%w: %s: the library writes %v itself and would never call this codec", ErrCodec, where, e.typ)
	case e.encode == nil || e.decode == nil:
		return fmt.Errorf("%w: %s needs both encode and decode", ErrCodec, where)
	}
	if t.byName == nil {
		t.byName, t.byType = map[string]*entry{}, map[reflect.Type]*entry{}
	}
	if _, dup := t.byName[e.name]; dup {
		return fmt.Errorf("%w: %s: the name is given twice", ErrCodec, where)
	}
	if o, dup := t.byType[e.typ]; dup {
		return fmt.Errorf("%w: %s: %v already has a codec, %q", ErrCodec, where, e.typ, o.name)
	}
	t.byName[e.name], t.byType[e.typ] = e, e
	return nil
}

// userJSON is how a part of a user's type is written.
type userJSON struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// encode writes v through the codec of its type.
func (t *table) encode(v any) (json.RawMessage, error) {
	e := t.byType[reflect.TypeOf(v)]
	if e == nil {
		return nil, fmt.Errorf("%w: cannot save the %s %T: the library does not know it; give the Codec one for it (checkpoint.Codec.%s)", ErrCodec, t.kind, v, t.field)
	}
	data, err := e.encode(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s %T (%q): %w", t.kind, v, e.name, err)
	}
	return json.Marshal(userJSON{Type: e.name, Data: data})
}

// decode reads what encode wrote.
func (t *table) decode(name string, data json.RawMessage) (any, error) {
	e := t.byName[name]
	if e == nil {
		return nil, fmt.Errorf("unknown %s type %q: not the library's (%s), and the Codec has none of that name (checkpoint.Codec.%s)", t.kind, name, t.builtin, t.field)
	}
	var u userJSON
	if err := strictjson.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("%s %q: %v", t.kind, name, err)
	}
	v, err := e.decode(u.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding the %s %q: %w", t.kind, name, err)
	}
	if rv := reflect.ValueOf(v); !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil, fmt.Errorf("the codec of the %s %q decoded nil", t.kind, name)
	}
	return v, nil
}
