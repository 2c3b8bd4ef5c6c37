package ffjordgo_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMESnippet checks that README's library snippet is Example, as a
// program: the same imports and body, with func main() for func Example()
// and without the verified output. So the snippet compiles and runs.
func TestREADMESnippet(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(package main\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no ```go block starting with package main")
	}
	src, err := os.ReadFile("example_readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := string(src)
	want = "package main\n" + want[strings.Index(want, "\nimport ("):]
	// The doc comment is the test's, not the program's.
	doc := regexp.MustCompile(`(?s)\n// Example is .*?\nfunc Example\(\) \{`)
	want = doc.ReplaceAllString(want, "\nfunc main() {")
	want = regexp.MustCompile(`(?s)\n\t// Output:\n.*?\n\}`).ReplaceAllString(want, "\n}")
	if got := string(m[1]); got != want {
		t.Errorf("README's snippet differs from Example in example_readme_test.go.\nREADME:\n%s\nwant:\n%s", got, want)
	}
}
