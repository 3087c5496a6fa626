// Package sdk is the root of the aiclients Go SDK module. It holds only the
// SDK's Version; the importable packages live under pkg/ and gen/.
//
// `go generate ./...` (or `make generate`) regenerates gen/ from specs/ with the
// oapi-codegen version pinned in tools.go and go.mod.
package sdk

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/dial.yaml specs/dial.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/dial-models.yaml specs/dial.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/infsh.yaml specs/infsh.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/infsh-models.yaml specs/infsh.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/vectorvein.yaml specs/vectorvein.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/vectorvein-models.yaml specs/vectorvein.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/dragoneye.yaml specs/dragoneye.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/codegen/dragoneye-models.yaml specs/dragoneye.yaml
