package transport

import "testing"

// TestParseBase: the same string gives the cached URL, another string its
// own parse, and a bad URL its error every time.
func TestParseBase(t *testing.T) {
	a1, err := ParseBase("http://a.test/x/")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := ParseBase("http://a.test/x/")
	if a1 != a2 {
		t.Error("the same base was parsed again")
	}
	b, _ := ParseBase("http://b.test/y/")
	if b.Host != "b.test" || b.Path != "/y/" {
		t.Errorf("got %v for another base", b)
	}
	for range 2 {
		if _, err := ParseBase("http://a b/"); err == nil {
			t.Error("a bad base parsed")
		}
	}
	if a3, _ := ParseBase("http://a.test/x/"); a3.Host != "a.test" || a3.Path != "/x/" {
		t.Errorf("got %v back", a3)
	}
}
