//go:build race

package uid2_test

// raceEnabled: under the race detector sync.Pool drops a share of what is
// put back, so the scratch buffers are reallocated now and then.
const raceEnabled = true
