package main

import (
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// Emulator is what a service emulator started by a Factory offers. Every
// pkg/<svc>/<svc>test Server that embeds the kit's *emulator.Server has
// these methods.
type Emulator interface {
	// BaseURL is the URL clients use, e.g. "http://127.0.0.1:40123".
	BaseURL() string
	// Close stops the emulator.
	Close()
}

// Factory starts one service emulator listening on addr (e.g.
// "127.0.0.1:0").
type Factory func(addr string) (Emulator, error)

// registry maps a service name to its emulator. Each service adds ONE line
// when its pkg/<svc>/<svc>test package exists, for example:
//
//	"dial": func(addr string) (Emulator, error) { return dialtest.Start(dialtest.WithEmulatorOptions(emukit.WithAddr(addr))) },
//
// (with whatever option the service's Start offers to set the listen
// address). Names not listed here are reported as "not available yet".
var registry = map[string]Factory{
	"dial": func(addr string) (Emulator, error) {
		return dialtest.Start(dialtest.WithEmulatorOptions(emukit.WithAddr(addr)))
	},
	"infsh": func(addr string) (Emulator, error) {
		return infshtest.Start(infshtest.WithEmulatorOptions(emukit.WithAddr(addr)))
	},
	"vectorvein": func(addr string) (Emulator, error) {
		return vectorveintest.Start(vectorveintest.WithEmulatorOptions(emukit.WithAddr(addr)))
	},
	"dragoneye": func(addr string) (Emulator, error) {
		return dragoneyetest.Start(dragoneyetest.WithEmulatorOptions(emukit.WithAddr(addr)))
	},
}
