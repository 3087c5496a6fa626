package svcapi

type Run struct {
	ID string `json:"id"`
}

type Status string
