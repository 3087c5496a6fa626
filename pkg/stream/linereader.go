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
	errNilReader   = errors.New("stream: nil body")
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

	// Search caches for CR and LF, so each buffered byte is scanned about
	// once per terminator kind whatever the line endings (a naive "first LF,
	// then CR before it" search is quadratic on CR-only input).
	cr, lf byteIndex
}

// byteIndex caches the position of the next occurrence of one byte in
// lineReader.buf, in absolute indexes.
type byteIndex struct {
	pos  int // next occurrence; valid only when >= the search start
	none int // when pos is stale: buf[start:none] is known to hold none
}

// find returns the index of the first c in buf[from:], or -1. from must not
// decrease between calls (except through shift).
func (x *byteIndex) find(buf []byte, from int, c byte) int {
	if x.pos >= from {
		return x.pos
	}
	start := max(from, x.none)
	if i := bytes.IndexByte(buf[start:], c); i >= 0 {
		x.pos = start + i
	} else {
		x.pos = -1
		x.none = len(buf)
	}
	return x.pos
}

// shift adjusts the cache after buf[n:] moved to buf[0:].
func (x *byteIndex) shift(n int) {
	x.pos -= n
	if x.pos < 0 {
		x.pos = -1
	}
	x.none = max(x.none-n, 0)
}

func newLineReader(rd io.Reader, limit, eventLimit int) *lineReader {
	return &lineReader{rd: rd, limit: limit, event: eventLimit, cr: byteIndex{pos: -1}, lf: byteIndex{pos: -1}}
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
		// Wait for more bytes only while what has arrived could still be
		// the start of a BOM, so a short first line is not held back.
		for l.w-l.r < len(utf8BOM) && bytes.HasPrefix(utf8BOM, l.buf[l.r:l.w]) && l.err == nil {
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
	l.cr, l.lf = byteIndex{pos: -1}, byteIndex{pos: -1}
	return l.err
}

// indexEOL returns the absolute index of the first CR or LF in buf[from:w],
// or -1.
func (l *lineReader) indexEOL(from int) int {
	data := l.buf[:l.w]
	lf := l.lf.find(data, from, '\n')
	cr := l.cr.find(data, from, '\r')
	if cr >= 0 && (lf < 0 || cr < lf) {
		return cr
	}
	return lf
}

// fill compacts the buffer, grows it if one line fills it, and reads once
// (retrying a bounded number of empty reads). It records errors in l.err.
func (l *lineReader) fill() {
	if l.r > 0 {
		copy(l.buf, l.buf[l.r:l.w])
		l.w -= l.r
		l.cr.shift(l.r)
		l.lf.shift(l.r)
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
	if l.rd == nil {
		l.err = errNilReader
		return
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
