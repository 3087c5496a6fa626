package upload

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/option"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func record(total int64, step time.Duration) (*Meter, *[]option.Progress) {
	var got []option.Progress
	m := NewMeter(func(p option.Progress) { got = append(got, p) }, "f.bin", total)
	clock := &fakeClock{t: time.Unix(0, 0), step: step}
	m.now = clock.now
	return m, &got
}

func TestMeterCountsAddUpAndEndWithDone(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100_000)
	for _, total := range []int64{int64(len(data)), -1} {
		m, got := record(total, 30*time.Millisecond)
		n, err := io.Copy(io.Discard, iotest.OneByteReader(io.LimitReader(m.Reader(bytes.NewReader(data)), 1<<30)))
		require.NoError(t, err)
		require.EqualValues(t, len(data), n)
		last := (*got)[len(*got)-1]
		require.Equal(t, option.Progress{Name: "f.bin", Bytes: int64(len(data)), Total: total, Attempt: 1, Done: true}, last)
		for i, p := range *got {
			require.Equal(t, i == len(*got)-1, p.Done, "only the last report is Done")
			if i > 0 {
				require.GreaterOrEqual(t, p.Bytes, (*got)[i-1].Bytes)
			}
		}
	}
}

// TestMeterRateIsBounded: 100,000 one-byte reads 1 ms apart (100 s) give at
// most one report per ProgressInterval plus the final one.
func TestMeterRateIsBounded(t *testing.T) {
	m, got := record(-1, time.Millisecond)
	_, err := io.Copy(io.Discard, iotest.OneByteReader(m.Reader(strings.NewReader(strings.Repeat("y", 100_000)))))
	require.NoError(t, err)
	limit := int(100*time.Second/option.ProgressInterval) + 1
	require.LessOrEqual(t, len(*got), limit)
	require.Greater(t, len(*got), limit/2, "reports keep coming while bytes move")
}

func TestMeterEmptyBodyReportsOnce(t *testing.T) {
	m, got := record(0, time.Millisecond)
	_, err := io.Copy(io.Discard, m.Reader(strings.NewReader("")))
	require.NoError(t, err)
	require.Equal(t, []option.Progress{{Name: "f.bin", Total: 0, Attempt: 1, Done: true}}, *got)

	m, got = record(0, time.Millisecond)
	m.Empty()
	require.Equal(t, []option.Progress{{Name: "f.bin", Total: 0, Attempt: 1, Done: true}}, *got)
}

func TestMeterRetryRestartsTheCount(t *testing.T) {
	m, got := record(6, time.Second)
	first := m.Reader(strings.NewReader("abcdef"))
	buf := make([]byte, 2)
	_, _ = first.Read(buf)
	second := m.Reader(strings.NewReader("abcdef"))
	_, _ = first.Read(buf) // a stale attempt's bytes are not reported
	_, err := io.Copy(io.Discard, second)
	require.NoError(t, err)
	require.Equal(t, []option.Progress{
		{Name: "f.bin", Bytes: 2, Total: 6, Attempt: 1},
		{Name: "f.bin", Bytes: 6, Total: 6, Attempt: 2, Done: true},
	}, *got)
}

func TestNilMeterWrapsNothing(t *testing.T) {
	var m *Meter = NewMeter(nil, "x", 1)
	r := strings.NewReader("a")
	require.Same(t, r, m.Reader(r).(*strings.Reader))
	m.Empty() // no panic
}
