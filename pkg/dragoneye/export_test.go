package dragoneye

// Decoders with a chosen size limit, for tests.
var (
	DecodeVideoObjectsLimit = decodeVideoObjects
	DecodeImageObjectsLimit = decodeImageObjects
)
