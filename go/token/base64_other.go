//go:build !amd64 || purego

package token

// decodeVector and encodeVector leave everything to the portable loops
// where there is no vector kernel.
func decodeVector(out []byte, text string, a *alphabet) int { return 0 }

func encodeVector(out, src []byte, e *encoder) (read, written int) { return 0, 0 }
