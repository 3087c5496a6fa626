package transport

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// TestHeaderSnapshotChanged: the headers set, replaced or appended to after
// the snapshot are listed, unchanged ones are not, with few and with many
// headers (the clone fallback).
func TestHeaderSnapshotChanged(t *testing.T) {
	for _, extra := range []int{0, 3, 20, 40} {
		h := http.Header{"Accept": {"a"}, "X-Multi": {"1", "2"}, "Authorization": {"old"}}
		for i := range extra {
			h.Set(fmt.Sprintf("X-Extra-%d", i), "v")
		}
		h["X-Many"] = make([]string, extra) // many values under one name
		var s headerSnapshot
		s.take(h)
		h.Set("Authorization", "new")
		h.Add("X-Multi", "3")
		h.Set("Api-Key", "k")
		h["X-Many"] = slices.Clone(h["X-Many"]) // same values, new slice
		got := s.changed(h)
		slices.Sort(got)
		if want := []string{"Api-Key", "Authorization", "X-Multi"}; !slices.Equal(got, want) {
			t.Errorf("%d extra headers: changed %v, want %v", extra, got, want)
		}
	}
}
