package strictjson

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,2],"b":{"c":null},"d":null}`: "",
		`{"a":1,"a":2}`:                       `key "a" given twice`,
		`{"a":[1,null]}`:                      "an array holds a null",
		`[[0],[null]]`:                        "an array holds a null",
		`{"a":[{"b":null}]}`:                  "",
		strings.Repeat("[", maxDepth+1):       "nested deeper",
	} {
		err := Check([]byte(in))
		switch {
		case want == "" && err != nil:
			t.Errorf("%.40s: %v, want no error", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%.40s: %v, want %q", in, err, want)
		}
	}
}
