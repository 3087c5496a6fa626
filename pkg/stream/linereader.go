package stream

import (
	"bytes"
	"errors"
	"io"
)

// initialBufSize is the first size of a line reader's buffer. It grows by
// doubling, up to the line limit, only when one line does not fit.
const initialBufSize = 16 << 10

// maxEmptyReads is how many consecutive (0, nil) reads are tolerated before
// the reader is declared broken (io.ErrNoProgress), as bufio does.
const maxEmptyReads = 100

var (
	utf8BOM        = []byte{0xEF, 0xBB, 0xBF}
	errInvalidRead = errors.New("stream: reader returned an invalid byte count")
)

// lineReader splits a byte stream into lines ended by CR, LF or CRLF, never
// holding more than limit+1 bytes of one line in memory. It is the bounded
// replacement for bufio.Scanner, whose ErrTooLong silently loses context.
//
// A line is returned as soon as its terminator is seen: a CR at the end of the
// buffered data is not held back waiting for a possible LF (that would stall
// interactive streams); instead a LF that arrives first in the next read is
// swallowed as the second half of that CRLF.
type lineReader struct {
	rd    io.Reader
	buf   []byte
	r, w  int   // unread bytes are buf[r:w]
	limit int   // maximum line length in bytes, terminator excluded
	event int   // the event size limit reported in *EventTooLargeError
	err   error // sticky error from rd

	skipLF  bool // the previous line ended with a CR at the buffer end
	bomDone bool // the start of the stream has been checked for a BOM

	// LF search cache, in absolute buf indexes: lf is the position of the next
	// LF (valid only when >= the search start), and buf[..:lfNone] is known to
	// hold no LF. It keeps CR-only streams linear instead of quadratic.
	lf, lfNone int
}

func newLineReader(rd io.Reader, limit, eventLimit int) *lineReader {
	return &lineReader{rd: rd, limit: limit, event: eventLimit, lf: -1}
}

// readLine returns the next line without its terminator. The slice is valid
// until the next call. At the end of input a final line without terminator is
// returned, then io.EOF. A line longer than the limit gives
// *EventTooLargeError; read errors other than io.EOF are returned as they are,
// discarding any partial line.
func (l *lineReader) readLine() ([]byte, error) {
	if l.skipLF {
		for l.r == l.w && l.err == nil {
			l.fill()
		}
		if l.r < l.w && l.buf[l.r] == '\n' {
			l.r++
		}
		l.skipLF = false
	}
	if !l.bomDone {
		for l.w-l.r < len(utf8BOM) && l.err == nil {
			l.fill()
		}
		if bytes.HasPrefix(l.buf[l.r:l.w], utf8BOM) {
			l.r += len(utf8BOM)
		}
		l.bomDone = true
	}
	scan := l.r // buf[r:scan] holds no CR or LF
	for {
		if end := l.indexEOL(scan); end >= 0 {
			if end-l.r > l.limit {
				return nil, l.tooLarge()
			}
			line := l.buf[l.r:end]
			if l.buf[end] == '\r' {
				if end+1 < l.w {
					if l.buf[end+1] == '\n' {
						end++
					}
				} else if l.err == nil {
					l.skipLF = true
				}
			}
			l.r = end + 1
			return line, nil
		}
		if l.w-l.r > l.limit {
			return nil, l.tooLarge()
		}
		if l.err != nil {
			if l.err == io.EOF && l.r < l.w {
				line := l.buf[l.r:l.w]
				l.r = l.w
				return line, nil
			}
			return nil, l.err
		}
		scanned := l.w - l.r
		l.fill()
		scan = l.r + scanned
	}
}

func (l *lineReader) tooLarge() error {
	l.err = &EventTooLargeError{Limit: l.event}
	l.r, l.w = 0, 0
	return l.err
}

// indexEOL returns the absolute index of the first CR or LF in buf[from:w],
// or -1.
func (l *lineReader) indexEOL(from int) int {
	if l.lf < from {
		start := max(from, l.lfNone)
		if i := bytes.IndexByte(l.buf[start:l.w], '\n'); i >= 0 {
			l.lf = start + i
		} else {
			l.lf = -1
			l.lfNone = l.w
		}
	}
	end := l.w
	if l.lf >= 0 {
		end = l.lf
	}
	if i := bytes.IndexByte(l.buf[from:end], '\r'); i >= 0 {
		return from + i
	}
	return l.lf
}

// fill compacts the buffer, grows it if one line fills it, and reads once
// (retrying a bounded number of empty reads). It records errors in l.err.
func (l *lineReader) fill() {
	if l.r > 0 {
		copy(l.buf, l.buf[l.r:l.w])
		l.w -= l.r
		l.lf -= l.r
		l.lfNone = max(l.lfNone-l.r, 0)
		l.r = 0
	}
	if l.w == len(l.buf) {
		// Room for limit bytes plus one terminator byte is all a line needs.
		maxSize := l.limit + 1
		if maxSize <= 0 { // overflow for a huge limit
			maxSize = int(^uint(0) >> 1)
		}
		size := min(max(2*len(l.buf), initialBufSize), maxSize)
		if size <= len(l.buf) {
			// Cannot happen: readLine reports a too-long line first.
			l.err = &EventTooLargeError{Limit: l.event}
			return
		}
		nb := make([]byte, size)
		copy(nb, l.buf[:l.w])
		l.buf = nb
	}
	for range maxEmptyReads {
		n, err := l.rd.Read(l.buf[l.w:])
		if n < 0 || n > len(l.buf)-l.w {
			l.err = errInvalidRead
			return
		}
		l.w += n
		if err != nil {
			l.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	l.err = io.ErrNoProgress
}
