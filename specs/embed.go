// Package specs embeds the OpenAPI documents this SDK publishes, so that the
// emulators and the tests validate against exactly the files in this folder.
package specs

import "embed"

// FS holds every service spec as <service>.yaml (dial, infsh, vectorvein,
// dragoneye).
//
//go:embed *.yaml
var FS embed.FS

// Services lists the service names, each the base name of a spec in FS.
var Services = []string{"dial", "infsh", "vectorvein", "dragoneye"}
