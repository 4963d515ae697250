//go:build amd64 && !purego

package token

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX2 chooses the vector kernel; the tests turn it off to check the
// portable loops against it.
var useAVX2 = cpu.X86.HasAVX2

// decodeVector decodes text into out (sized for it) with the vector kernel
// and returns how many characters it decoded: all its whole 4-character
// groups, or the 32-character blocks before the first one holding a
// character outside a, which the portable loops then find.
func decodeVector(out []byte, text string, a *alphabet) int {
	n := len(text) &^ 3
	if !useAVX2 || n < 32 {
		return 0
	}
	_ = out[n/4*3-1] // the kernel writes this far
	return decodeAVX2(&out[0], unsafe.StringData(text), n, &a.tables)
}

//go:noescape
func decodeAVX2(dst, src *byte, n int, tables *decodeTables) int

// encodeVector encodes src's whole 3-byte groups into out (sized for src)
// with the vector kernel when there are at least eight, and returns how
// many bytes it read and characters it wrote.
func encodeVector(out, src []byte, e *encoder) (read, written int) {
	n := len(src) / 3 * 3
	if !useAVX2 || n < 24 {
		return 0, 0
	}
	_ = out[n/3*4-1] // the kernel writes this far
	encodeAVX2(&out[0], &src[0], n, n/3*4, &e.shift)
	return n, n / 3 * 4
}

//go:noescape
func encodeAVX2(dst, src *byte, n, textLen int, shift *[16]byte)
