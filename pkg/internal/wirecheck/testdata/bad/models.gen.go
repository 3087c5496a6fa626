package bad

// Run was edited by hand: no generated header.
type Run struct{}
