//go:build !race

package uid2_test

const raceEnabled = false
