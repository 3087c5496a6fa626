// Package credtest holds the cross-service tests of the SDK's credential
// promises (issue 13): no credential follows a redirect to another origin,
// and no credential a server echoes reaches an error or a log line. It has
// no code of its own; the tests reach every service client through its
// public API, against loopback servers the tests start.
package credtest
