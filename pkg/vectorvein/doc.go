// Package vectorvein is the Go client for the VectorVein (向量脉络) Open API.
package vectorvein
