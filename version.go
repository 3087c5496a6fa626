package sdk

// Version is the version of this SDK. It is the one version number of the
// project: the Go module's release tag is "v" + Version, every client sends
// it in its User-Agent ("aiclients-sdk-go/<Version> (<service>) go/<Go
// version>"), and the spec bundles published for other languages carry it
// (crosslang/release.json, checked by a test). CHANGELOG.md says what each
// version changed.
const Version = "0.3.0"
