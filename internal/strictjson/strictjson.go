// Package strictjson reads the JSON of saved models strictly: an unknown
// field, trailing data, a key given twice or a null among an array's
// elements is an error, so that a file means one thing only.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Unmarshal decodes the one JSON value in data into v, rejecting fields v
// does not have and anything after the value.
func Unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// Type returns the "type" field of the JSON object in data: the name that
// says how to decode the rest.
func Type(data []byte) (string, error) {
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return "", err
	}
	if t.Type == "" {
		return "", errors.New(`no "type"`)
	}
	return t.Type, nil
}

// maxDepth bounds the nesting Check follows, as encoding/json does.
const maxDepth = 10000

// Check reports the first object in data that gives a key twice
// (encoding/json would silently keep the last) and the first array with a
// null element (encoding/json reads a null in a []float64 as 0 and in a
// []string as "", so the file would mean what it does not say).
func Check(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0
	var walk func(inArray bool) error
	walk = func(inArray bool) error {
		if depth++; depth > maxDepth {
			return fmt.Errorf("nested deeper than %d", maxDepth)
		}
		defer func() { depth-- }()
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case nil:
			if inArray {
				return errors.New("an array holds a null")
			}
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if seen[key] {
					return fmt.Errorf("key %q given twice in one object", key)
				}
				seen[key] = true
				if err := walk(false); err != nil {
					return err
				}
			}
			_, err = dec.Token() // '}'
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(true); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ']'
			return err
		}
		return nil
	}
	return walk(false)
}
