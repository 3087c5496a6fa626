package stream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/stream"
)

func TestFromSeqYieldsThenError(t *testing.T) {
	boom := errors.New("boom")
	s := stream.FromSeq(func(yield func(int, error) bool) {
		for i := 1; i <= 3; i++ {
			if !yield(i, nil) {
				return
			}
		}
		yield(0, boom)
	}, nil)
	var got []int
	var gotErr error
	for v, err := range s.All() {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	require.Equal(t, []int{1, 2, 3}, got)
	require.ErrorIs(t, gotErr, boom)
	require.ErrorIs(t, s.Err(), boom)
}

func TestFromSeqBreakStopsTheSequence(t *testing.T) {
	stopped := make(chan struct{})
	s := stream.FromSeq(func(yield func(int, error) bool) {
		defer close(stopped)
		for i := 0; ; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}, nil)
	for v := range s.All() {
		if v == 2 {
			break
		}
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("breaking out of All did not stop the sequence")
	}
	require.NoError(t, s.Err())
}

func TestFromSeqCloseFromAnotherGoroutine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := stream.FromSeq(func(yield func(int, error) bool) {
		if !yield(1, nil) {
			return
		}
		<-ctx.Done() // blocked "on I/O" until Close cancels
		yield(0, ctx.Err())
	}, cancel)
	require.True(t, s.Next())
	require.Equal(t, 1, s.Current())
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = s.Close()
	}()
	require.False(t, s.Next(), "Close ends a Next blocked in the sequence")
	require.NoError(t, s.Err(), "a stream closed by the caller ends without error")
	require.NoError(t, s.Close(), "Close is idempotent")
}
