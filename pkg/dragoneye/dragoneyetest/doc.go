// Package dragoneyetest is an in-process emulator of the Dragoneye API for
// tests, built on the shared emulator kit and validated against
// specs/dragoneye.yaml, plus encoders that write results archives exactly
// as the service serves them (a STORED ZIP of ZSTD-compressed Parquet files
// in the v2 object-forward schema).
package dragoneyetest
