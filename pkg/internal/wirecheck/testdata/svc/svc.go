package svc

import "example.com/svcapi"

// Run is the generated run.
type Run = svcapi.Run

// Status copies the generated Status.
type Status string

// Content is a real union the spec cannot name.
type Content struct {
	Text  string `json:"text"`
	Parts []any  `json:"parts"`
}

// Copy is a hand copy.
type Copy struct {
	ID string `json:"id"`
}

type hidden struct {
	X int `json:"x"`
}
