package svc

type InTest struct {
	X int `json:"x"`
}
