// Package sdkuser is a module outside the SDK that uses it as a user
// would: through the public API of the four clients and the four
// emulators only (no internal package can be imported from here). Its
// tests are what `make test` runs as "external": if something a user needs
// is only reachable from inside the repo, they stop compiling.
package sdkuser
