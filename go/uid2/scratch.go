package uid2

import "unsafe"

// scratchSize covers the bytes of every token of ordinary size (a v4 token
// of a 32-byte raw UID is 163 bytes; encrypt holds the raw UID too);
// larger tokens get a buffer of their own. Go zeroes the buffer on every
// call: 512 bytes cost about 65 instructions, 256 half that.
const scratchSize = 256

// scratch holds a token's bytes while it is opened or sealed, on the stack
// of the call.
type scratch [scratchSize]byte

// bytes returns the buffer as a slice that escape analysis does not follow
// (the runtime's noescape). The AEADs are called through an interface, so
// the compiler must assume they keep the slices they are given and would
// move every buffer passed to them to the heap; the sync.Pool that held
// these buffers before cost about 130 instructions per call, a tenth of a
// decrypt's work besides AES-GCM. The only AEADs and block ciphers here are
// the standard library's AES (keys.newKey builds them), which use the
// slices during the call only and keep no reference to them; nothing else
// is given a scratch slice.
//
// The address goes through a uintptr, which escape analysis does not
// track, and is read back as a pointer with no call in between: a
// goroutine's stack moves only when a call grows it or at a synchronous
// safe point, never between these two statements.
func (s *scratch) bytes() []byte {
	addr := uintptr(unsafe.Pointer(s))
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), scratchSize)
}
