//go:build unix

package uid2_test

import (
	"syscall"
	"testing"
)

// startCPU starts measuring the process's CPU time (user and system, every
// thread); the function it returns reports it per operation as cpu-ns/op.
// On a shared virtual machine the wall clock of ns/op also counts the time
// the host gave the CPU to someone else; CPU time does not.
func startCPU(b *testing.B) (stop func()) {
	start := cpuNanos()
	return func() { b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
