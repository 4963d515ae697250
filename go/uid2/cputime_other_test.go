//go:build !unix

package uid2_test

import "testing"

// startCPU reports nothing where getrusage is missing.
func startCPU(b *testing.B) (stop func()) { return func() {} }
