package svc

// Content is a real union the spec cannot name.
type Content struct {
	Text  string `json:"text"`
	Parts []any  `json:"parts"`
}

// Copy is a hand copy of a schema.
type Copy struct {
	ID string `json:"id"`
}

type hidden struct {
	X int `json:"x"`
}
