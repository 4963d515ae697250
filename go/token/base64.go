package token

import "encoding/binary"

// Base64 is most of a decrypt's and an encrypt's work outside AES-GCM: a v4
// token is 218 characters. The codecs here read and write eight characters
// per step through tables, and decoding hands whole 32-character blocks to
// a vector kernel where the CPU has one (base64_amd64.s).

// alphabet is one base64 alphabet's decoding table and what the vector
// kernel needs to know of it.
type alphabet struct {
	// values maps a character to its 6-bit value, or 0xff outside the
	// alphabet.
	values [256]byte
	tables decodeTables
}

// decodeTables are the vector kernel's view of an alphabet (base64_amd64.s):
// 16-byte tables that VPSHUFB indexes by a character's high or low nibble.
// Looking characters up so costs half the instructions of range checks.
type decodeTables struct {
	// A character is outside the alphabet iff invalidLo[its low nibble]
	// and classHi[its high nibble] share a bit. High nibbles are grouped
	// into classes whose characters are valid for the same low nibbles.
	invalidLo, classHi [16]byte
	// value - character: offsetHi by high nibble (letters and digits),
	// offset2 by low nibble for the characters 0x20-0x2f ('+', '-', '/').
	offsetHi, offset2 [16]byte
	// One character of 0x30-0x7f may have an offset other than its high
	// nibble's (Base64URL's '_'); 0 (never valid) when none has.
	exception, exceptionOffset byte
}

// hiClass is the class bit of each high nibble: 0x0-0x1 and 0x8-0xf are
// never valid; 0x4 and 0x6 (letters after '@' and '`') share a class.
var hiClass = [16]byte{1, 1, 2, 4, 8, 16, 8, 32, 1, 1, 1, 1, 1, 1, 1, 1}

func newDecodeTables(values *[256]byte) decodeTables {
	t := decodeTables{classHi: hiClass}
	var set [16]bool
	for c := 0; c < 256; c++ {
		hi, lo, v := c>>4, c&15, values[c]
		off := v - byte(c)
		switch {
		case v == 0xff:
			t.invalidLo[lo] |= hiClass[hi]
		case hi == 2:
			t.offset2[lo] = off
		case !set[hi] || t.offsetHi[hi] == off:
			t.offsetHi[hi], set[hi] = off, true
		case t.exception == 0:
			t.exception, t.exceptionOffset = byte(c), off
		default:
			panic("base64 alphabet beyond the vector tables")
		}
	}
	// A class must be valid for the same low nibbles in all its high
	// nibbles (0x40 and 0x60 are both invalid): check it, as the tables
	// would otherwise refuse valid characters.
	for c := 0; c < 256; c++ {
		if values[c] != 0xff && t.invalidLo[c&15]&hiClass[c>>4] != 0 {
			panic("base64 alphabet beyond the vector tables")
		}
	}
	return t
}

// first62 are the characters of values 0-61, the same in every alphabet.
const first62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// The decoding alphabets: standard ('+/'), Base64URL ('-_'), and either, for
// v4 tokens, which arrive both ways (uid2-spec §6.1 step 5).
var (
	stdAlphabet    = newAlphabet("++", "//")
	urlAlphabet    = newAlphabet("--", "__")
	eitherAlphabet = newAlphabet("+-", "/_")
)

func newAlphabet(for62, for63 string) *alphabet {
	a := &alphabet{}
	for i := range a.values {
		a.values[i] = 0xff
	}
	for i := 0; i < len(first62); i++ {
		a.values[first62[i]] = byte(i)
	}
	for i := 0; i < 2; i++ {
		a.values[for62[i]], a.values[for63[i]] = 62, 63
	}
	a.tables = newDecodeTables(&a.values)
	return a
}

// headAlphabet picks the alphabet of the first characters as the official
// SDKs do: Base64URL if they hold '-' or '_', else standard.
func headAlphabet(head string) *alphabet {
	for i := 0; i < len(head); i++ {
		if head[i] == '-' || head[i] == '_' {
			return urlAlphabet
		}
	}
	return stdAlphabet
}

// trimPadding drops up to two trailing '=': padding is optional, as with
// Java's decoder, and (more leniently than Java) not checked against the
// text's length: the characters alone say how many bytes there are.
func trimPadding(s string) string {
	for i := 0; i < 2 && len(s) > 0 && s[len(s)-1] == '='; i++ {
		s = s[:len(s)-1]
	}
	return s
}

// decodeBase64 appends the bytes of unpadded base64 text in alphabet a to
// dst, without copying the text. Bits left over after the last whole byte
// are ignored, as the official SDKs' decoders do.
func decodeBase64(dst []byte, text string, a *alphabet) ([]byte, error) {
	rem := len(text) % 4
	if rem == 1 {
		return nil, ErrInvalid // a lone trailing character encodes no byte
	}
	n := len(text)/4*3 + max(rem-1, 0)
	start := len(dst)
	dst = appendLen(dst, n)
	out := dst[start:]
	done := decodeVector(out, text, a)
	if done == len(text) {
		return dst, nil
	}
	text, out = text[done:], out[done/4*3:]
	table := &a.values
	// Eight characters make six bytes; writing them as a big-endian word
	// needs two bytes of slack, hence len(out) >= 8.
	for len(text) >= 8 && len(out) >= 8 {
		t := text[:8]
		c0, c1, c2, c3 := table[t[0]], table[t[1]], table[t[2]], table[t[3]]
		c4, c5, c6, c7 := table[t[4]], table[t[5]], table[t[6]], table[t[7]]
		// Valid values are 0-63; 0xff marks a character outside the alphabet.
		if (c0|c1|c2|c3|c4|c5|c6|c7)&0xc0 != 0 {
			return nil, ErrInvalid
		}
		acc := uint64(c0)<<58 | uint64(c1)<<52 | uint64(c2)<<46 | uint64(c3)<<40 |
			uint64(c4)<<34 | uint64(c5)<<28 | uint64(c6)<<22 | uint64(c7)<<16
		binary.BigEndian.PutUint64(out, acc)
		text, out = text[8:], out[6:]
	}
	for len(text) >= 4 {
		acc, ok := quad(table, text[0], text[1], text[2], text[3])
		if !ok {
			return nil, ErrInvalid
		}
		out[0], out[1], out[2] = byte(acc>>16), byte(acc>>8), byte(acc)
		text, out = text[4:], out[3:]
	}
	// A last group of two or three characters; 'A' stands for the missing
	// ones, as it decodes to zero bits.
	if len(text) >= 2 {
		c2 := byte('A')
		if len(text) == 3 {
			c2 = text[2]
		}
		acc, ok := quad(table, text[0], text[1], c2, 'A')
		if !ok {
			return nil, ErrInvalid
		}
		out[0] = byte(acc >> 16)
		if len(text) == 3 {
			out[1] = byte(acc >> 8)
		}
	}
	return dst, nil
}

// quad reads a group of four characters as 24 bits.
func quad(table *[256]byte, c0, c1, c2, c3 byte) (acc uint32, ok bool) {
	v0, v1, v2, v3 := table[c0], table[c1], table[c2], table[c3]
	return uint32(v0)<<18 | uint32(v1)<<12 | uint32(v2)<<6 | uint32(v3), (v0|v1|v2|v3)&0xc0 == 0
}

// appendLen returns dst extended by n bytes, reallocating only when its
// capacity is short.
func appendLen(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst[:len(dst)+n]
	}
	return append(dst, make([]byte, n)...)
}

// encoder writes one alphabet. pairs maps twelve bits to their two
// characters, so three bytes take two lookups.
type encoder struct {
	pairs [1 << 12]uint16
	chars string
	pad   bool
	// shift is the vector kernel's offset from an index to its character
	// by class: 26-51, 52-61 (ten), 62, 63, 0-25.
	shift [16]byte
}

var (
	stdPadded = newEncoder(first62+"+/", true)
	rawURL    = newEncoder(first62+"-_", false)
)

func newEncoder(chars string, pad bool) *encoder {
	e := &encoder{chars: chars, pad: pad}
	for i := range e.pairs {
		e.pairs[i] = uint16(chars[i>>6])<<8 | uint16(chars[i&63])
	}
	e.shift[0] = chars[26] - 26
	for i := 1; i <= 10; i++ {
		e.shift[i] = chars[52] - 52
	}
	e.shift[11], e.shift[12], e.shift[13] = chars[62]-62, chars[63]-63, chars[0]
	return e
}

// encodedLen is the length of the text of n bytes.
func (e *encoder) encodedLen(n int) int {
	if e.pad {
		return (n + 2) / 3 * 4
	}
	return (n*8 + 5) / 6
}

// appendEncode appends the text of src to dst.
func (e *encoder) appendEncode(dst, src []byte) []byte {
	start := len(dst)
	dst = appendLen(dst, e.encodedLen(len(src)))
	out := dst[start:]
	i, j := encodeVector(out, src, e)
	be := binary.BigEndian
	// Six bytes make eight characters; reading them as a big-endian word
	// needs two bytes of slack, hence len(src) >= 8.
	for ; i+8 <= len(src) && j+8 <= len(out); i, j = i+6, j+8 {
		x := be.Uint64(src[i:])
		be.PutUint64(out[j:], uint64(e.pairs[x>>52])<<48|uint64(e.pairs[x>>40&0xfff])<<32|
			uint64(e.pairs[x>>28&0xfff])<<16|uint64(e.pairs[x>>16&0xfff]))
	}
	src, out = src[i:], out[j:]
	for len(src) >= 3 && len(out) >= 4 {
		x := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		be.PutUint16(out, e.pairs[x>>12])
		be.PutUint16(out[2:], e.pairs[x&0xfff])
		src, out = src[3:], out[4:]
	}
	// One byte makes two characters, two make three (both through the pair
	// table); padding fills four. Written out: a loop over the characters
	// cost an eighth of a decrypt's own work.
	switch len(src) {
	case 1:
		be.PutUint16(out, e.pairs[uint(src[0])<<4])
		if e.pad {
			out[2], out[3] = '=', '='
		}
	case 2:
		x := uint(src[0])<<8 | uint(src[1])
		be.PutUint16(out, e.pairs[x>>4])
		out[2] = e.chars[x<<2&63]
		if e.pad {
			out[3] = '='
		}
	}
	return dst
}
