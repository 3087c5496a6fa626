package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func newSuite(t testing.TB) *Suite {
	t.Helper()
	srv := NewServers()
	t.Cleanup(srv.Close)
	s, err := NewSuite(srv.Small.URL, srv.Large.URL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGroupsAgree checks that every client of a group reads the same thing
// from the same bytes (so that the table compares like with like) and that
// the streams hold the chunks the server wrote.
func TestGroupsAgree(t *testing.T) {
	ctx := context.Background()
	for _, g := range newSuite(t).Groups {
		t.Run(g.Name, func(t *testing.T) {
			var want string
			for _, op := range g.Ops {
				got, err := op.Op(ctx)
				if err != nil {
					t.Fatalf("%s: %v", op.Client, err)
				}
				if op.Client == g.Base {
					want = got
				}
				t.Logf("%s: %.80s", op.Client, got)
				if want != "" && got != want {
					t.Errorf("%s read %.200q, %s read %.200q", op.Client, got, g.Base, want)
				}
			}
			if g.Unit == "chunk" && !strings.HasPrefix(want, fmt.Sprintf("%d chunks,", g.Per)) {
				t.Errorf("%s read %q, want %d chunks", g.Base, want, g.Per)
			}
		})
	}
}

// TestBurstReuse sends two bursts of 200 overlapping calls (the server
// answers when all 200 wait) through each
// client: none may fail, and the DIAL client's second burst must reuse the
// connections of the first (the others' may not: net/http keeps 2 idle
// connections per host by default).
func TestBurstReuse(t *testing.T) {
	srv := NewServer(SmallChunks, 0)
	defer srv.Close()
	srv.SetBarrier(200)
	res, err := Bursts(context.Background(), srv.URL, 200, func() (int64, error) { return srv.Conns(), nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Logf("%s: %d + %d connections, %d errors", r.Client, r.First, r.Second, r.Errors)
		if r.Errors != 0 {
			t.Errorf("%s: %d errors", r.Client, r.Errors)
		}
		if r.First != 200 {
			t.Errorf("%s: the first burst of 200 overlapping calls opened %d connections", r.Client, r.First)
		}
		if r.Client == "dial" && r.Second >= 20 {
			t.Errorf("dial: the second burst of 200 opened %d connections", r.Second)
		}
	}
}

// BenchmarkPeers runs every case as a Go benchmark; b.N counts ops (one
// stream or one call), and ns/unit divides by the chunks of a stream.
func BenchmarkPeers(b *testing.B) {
	ctx := context.Background()
	for _, g := range newSuite(b).Groups {
		for _, op := range g.Ops {
			b.Run(g.Name+"/"+op.Client, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := op.Op(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*g.Per), "ns/"+g.Unit)
			})
		}
	}
}
