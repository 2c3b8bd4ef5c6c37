package train

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// ModelCodec writes and reads a user's dynamics of type M in checkpoints:
// Encode returns any JSON value, Decode gets it back and returns the
// model. Decode is the user's code: it should check what it reads.
type ModelCodec[M odefunc.Model] struct {
	Encode func(M) (json.RawMessage, error)
	Decode func(json.RawMessage) (M, error)
}

// BijectorCodec writes and reads a user's bijector of type B in
// checkpoints, as ModelCodec does for dynamics.
type BijectorCodec[B distributions.Differentiable] struct {
	Encode func(B) (json.RawMessage, error)
	Decode func(json.RawMessage) (B, error)
}

// RegisterModel makes checkpoints save and load dynamics of the concrete
// type M under name: the file holds {"type": name, "data": Encode(m)}.
// name must be non-empty, not one of the library's type names, and not yet
// registered; M must be a concrete type with no codec yet. It is safe for
// concurrent use.
func RegisterModel[M odefunc.Model](name string, c ModelCodec[M]) error {
	if c.Encode == nil || c.Decode == nil {
		return fmt.Errorf("%w: RegisterModel(%q) needs both Encode and Decode", ErrInvalidConfig, name)
	}
	return models.add(name, reflect.TypeFor[M](),
		func(v any) (json.RawMessage, error) { return c.Encode(v.(M)) },
		func(data json.RawMessage) (any, error) { return c.Decode(data) })
}

// RegisterBijector makes checkpoints save and load bijectors of the
// concrete type B under name, as RegisterModel does for dynamics.
func RegisterBijector[B distributions.Differentiable](name string, c BijectorCodec[B]) error {
	if c.Encode == nil || c.Decode == nil {
		return fmt.Errorf("%w: RegisterBijector(%q) needs both Encode and Decode", ErrInvalidConfig, name)
	}
	return bijectors.add(name, reflect.TypeFor[B](),
		func(v any) (json.RawMessage, error) { return c.Encode(v.(B)) },
		func(data json.RawMessage) (any, error) { return c.Decode(data) })
}

// reserved are the type names of the library's own parts.
var reserved = map[string]bool{
	"network": true, "ffjord": true, "affine": true, "affine_tril": true, "sigmoid": true, "mixture_cdf": true, "chain": true, "normal": true, "transformed": true,
	"linear": true, "concatsquash": true, "activation": true, "time_concat": true,
}

var (
	models    = registry{kind: "dynamics", builtin: "network", register: "RegisterModel"}
	bijectors = registry{kind: "bijector", builtin: "ffjord, affine, affine_tril, sigmoid, mixture_cdf or chain", register: "RegisterBijector"}
)

// registry holds the codecs of one kind, by name and by Go type.
type registry struct {
	kind, builtin, register string // for messages
	mu                      sync.RWMutex
	byName                  map[string]*codecEntry
	byType                  map[reflect.Type]*codecEntry
}

type codecEntry struct {
	name   string
	encode func(any) (json.RawMessage, error)
	decode func(json.RawMessage) (any, error)
}

// userJSON is how a registered type is written.
type userJSON struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (r *registry) add(name string, typ reflect.Type, enc func(any) (json.RawMessage, error), dec func(json.RawMessage) (any, error)) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: %s: empty name", ErrInvalidConfig, r.register)
	case reserved[name]:
		return fmt.Errorf("%w: %s: %q is a library type name", ErrInvalidConfig, r.register, name)
	case typ.Kind() == reflect.Interface:
		return fmt.Errorf("%w: %s(%q): %v is an interface; register a concrete type", ErrInvalidConfig, r.register, name, typ)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName, r.byType = map[string]*codecEntry{}, map[reflect.Type]*codecEntry{}
	}
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("%w: %s: the name %q is already registered", ErrInvalidConfig, r.register, name)
	}
	if e, dup := r.byType[typ]; dup {
		return fmt.Errorf("%w: %s(%q): %v already has a codec, %q", ErrInvalidConfig, r.register, name, typ, e.name)
	}
	e := &codecEntry{name: name, encode: enc, decode: dec}
	r.byName[name], r.byType[typ] = e, e
	return nil
}

// encode writes v through the codec registered for its type.
func (r *registry) encode(v any) (json.RawMessage, error) {
	r.mu.RLock()
	e := r.byType[reflect.TypeOf(v)]
	r.mu.RUnlock()
	if e == nil {
		return nil, fmt.Errorf("%w: cannot save the %s %T: the library does not know it; register a codec with train.%s(name, …) to save it", ErrInvalidConfig, r.kind, v, r.register)
	}
	data, err := e.encode(v)
	if err != nil {
		return nil, fmt.Errorf("train: encoding the %s %T (%q): %w", r.kind, v, e.name, err)
	}
	return json.Marshal(userJSON{Type: e.name, Data: data})
}

// decode reads what encode wrote. Its errors are wrapped with
// ErrCheckpoint by the loader, which adds where they happened.
func (r *registry) decode(data json.RawMessage) (any, error) {
	name, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", r.kind, err)
	}
	r.mu.RLock()
	e := r.byName[name]
	r.mu.RUnlock()
	if e == nil {
		return nil, fmt.Errorf("unknown %s type %q: not the library's (%s), and no codec is registered under that name (train.%s)", r.kind, name, r.builtin, r.register)
	}
	var u userJSON
	if err := strictjson.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("%s %q: %v", r.kind, name, err)
	}
	v, err := e.decode(u.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding the %s %q: %w", r.kind, name, err)
	}
	if rv := reflect.ValueOf(v); !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil, fmt.Errorf("the codec of the %s %q decoded nil", r.kind, name)
	}
	return v, nil
}

// codec is the distributions.Codec of the registered types, with no random
// streams or solver options.
func codec() distributions.Codec {
	return distributions.Codec{
		Model: ffjord.ModelCodec{
			Encode: func(m odefunc.Model) (json.RawMessage, error) { return models.encode(m) },
			Decode: func(data json.RawMessage) (odefunc.Model, error) {
				v, err := models.decode(data)
				if err != nil {
					return nil, err
				}
				return v.(odefunc.Model), nil
			},
		},
		EncodeBijector: func(b distributions.Bijector) (json.RawMessage, error) { return bijectors.encode(b) },
		DecodeBijector: func(data json.RawMessage) (distributions.Bijector, error) {
			v, err := bijectors.decode(data)
			if err != nil {
				return nil, err
			}
			return v.(distributions.Bijector), nil
		},
	}
}
