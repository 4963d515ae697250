package token

import (
	"encoding/base64"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// forEachPath runs f with every path through the codecs this machine has:
// the portable loops, and the vector kernels where there are some (setVector
// is set by an architecture's own test file).
func forEachPath(t *testing.T, f func(t *testing.T)) {
	for _, vector := range vectorChoices() {
		t.Run(pathName[vector], func(t *testing.T) {
			defer useVector(vector)()
			f(t)
		})
	}
}

func forEachPathB(b *testing.B, f func(b *testing.B)) {
	for _, vector := range vectorChoices() {
		b.Run(pathName[vector], func(b *testing.B) {
			defer useVector(vector)()
			f(b)
		})
	}
}

var pathName = map[bool]string{false: "portable", true: "vector"}

func vectorChoices() []bool {
	if setVector == nil {
		return []bool{false}
	}
	return []bool{false, true}
}

// useVector turns the vector kernels on or off and returns what restores
// the setting.
func useVector(on bool) (restore func()) {
	if setVector == nil {
		return func() {}
	}
	was := setVector(on)
	return func() { setVector(was) }
}

var setVector func(on bool) (was bool)

// referenceDecode is the plainest decoder: one character at a time.
func referenceDecode(text string, a *alphabet) ([]byte, bool) {
	if len(text)%4 == 1 {
		return nil, false
	}
	var out []byte
	var acc, bits uint
	for i := 0; i < len(text); i++ {
		v := a.values[text[i]]
		if v > 63 {
			return nil, false
		}
		acc, bits = acc<<6|uint(v), bits+6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out, true
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

// Every length up to a few blocks, both alphabets, and text mixing them,
// against the standard library and the reference.
func TestDecodeMatchesStandardLibrary(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(1))
		for n := 0; n < 300; n++ {
			for rep := 0; rep < 4; rep++ {
				want := randomBytes(r, n)
				std := base64.RawStdEncoding.EncodeToString(want)
				url := base64.RawURLEncoding.EncodeToString(want)
				mixed := []byte(std)
				for i := range mixed {
					if r.Intn(2) == 0 {
						mixed[i] = url[i]
					}
				}
				for _, c := range []struct {
					text string
					a    *alphabet
				}{{std, stdAlphabet}, {std, eitherAlphabet}, {url, eitherAlphabet}, {string(mixed), eitherAlphabet}} {
					got, err := decodeBase64([]byte("x"), c.text, c.a)
					require.NoError(t, err, c.text)
					require.Equal(t, append([]byte("x"), want...), got, c.text)
				}
				if std != url {
					_, err := decodeBase64(nil, url, stdAlphabet)
					require.Error(t, err, url)
				}
			}
		}
	})
}

// One character outside the alphabet, at every position of a text long
// enough for several vector blocks, is refused: the characters next to each
// range's ends, '=', control characters, bytes of non-ASCII text, and the
// other alphabet's characters.
func TestDecodeRefusesEveryBadCharacterEverywhere(t *testing.T) {
	bad := "@[`{:^/*,.=\x00\n \x7f\x80\xc3\xff-_+"
	forEachPath(t, func(t *testing.T) {
		raw := randomBytes(rand.New(rand.NewSource(2)), 120)
		// Each alphabet's own text, so that only the inserted character is wrong.
		for _, c := range []struct {
			good string
			a    *alphabet
		}{
			{base64.RawStdEncoding.EncodeToString(raw), stdAlphabet},
			{base64.RawURLEncoding.EncodeToString(raw), eitherAlphabet},
		} {
			_, err := decodeBase64(nil, c.good, c.a)
			require.NoError(t, err)
			for i := 0; i < len(c.good); i++ {
				for j := 0; j < len(bad); j++ {
					if c.a.values[bad[j]] <= 63 {
						continue // '/' is in both alphabets, '-', '_' and '+' in the either-alphabet
					}
					text := c.good[:i] + string([]byte{bad[j]}) + c.good[i+1:]
					_, err := decodeBase64(nil, text, c.a)
					require.Error(t, err, "%q at %d", bad[j], i)
				}
			}
		}
	})
}

// Every one of the 256 byte values, at every position of a block, through
// the vector kernel's nibble tables: decoded to its value when the
// alphabet has it, refused otherwise.
func TestVectorKernelKnowsEveryCharacter(t *testing.T) {
	if setVector == nil {
		t.Skip("no vector kernel on this architecture")
	}
	defer useVector(true)()
	for _, a := range []*alphabet{stdAlphabet, eitherAlphabet} {
		for c := 0; c < 256; c++ {
			for i := 0; i < 32; i++ {
				text := []byte(strings.Repeat("A", 32))
				text[i] = byte(c)
				out := make([]byte, 24)
				got := decodeVector(out, string(text), a)
				if a.values[c] == 0xff {
					require.Zero(t, got, "%q at %d", c, i)
					continue
				}
				require.Equal(t, 32, got, "%q at %d", c, i)
				want, ok := referenceDecode(string(text), a)
				require.True(t, ok)
				require.Equal(t, want, out, "%q at %d", c, i)
			}
		}
	}
}

func TestEncodeMatchesStandardLibrary(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(3))
		for n := 0; n < 300; n++ {
			for rep := 0; rep < 4; rep++ {
				src := randomBytes(r, n)
				require.Equal(t, "x"+base64.StdEncoding.EncodeToString(src), string(stdPadded.appendEncode([]byte("x"), src)))
				require.Equal(t, "x"+base64.RawURLEncoding.EncodeToString(src), string(rawURL.appendEncode([]byte("x"), src)))
			}
			require.Equal(t, base64.RawURLEncoding.EncodedLen(n), rawURL.encodedLen(n))
		}
	})
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "AAAA", "_-CI_-6ZmQ", strings.Repeat("A/+9", 20), strings.Repeat("z_-0", 17) + "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, a := range []*alphabet{stdAlphabet, eitherAlphabet} {
			want, ok := referenceDecode(text, a)
			got, err := decodeBase64(nil, text, a)
			if ok != (err == nil) {
				t.Fatalf("%q: reference ok=%v, decode err=%v", text, ok, err)
			}
			if ok && string(got) != string(want) {
				t.Fatalf("%q: got %x, want %x", text, got, want)
			}
		}
	})
}

// The vector kernel must decode every valid block itself: one that gave up
// too early would still decode correctly through the portable loops, only
// slowly, so the tests above would not notice.
func TestVectorKernelDecodesEveryValidBlock(t *testing.T) {
	if setVector == nil {
		t.Skip("no vector kernel on this architecture")
	}
	defer useVector(true)()
	r := rand.New(rand.NewSource(4))
	all := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
	for rep := 0; rep < 200; rep++ {
		text := make([]byte, 32*r.Intn(7)+4*r.Intn(8)+[]int{0, 2, 3}[r.Intn(3)])
		for i := range text {
			text[i] = all[r.Intn(len(all))]
		}
		want, ok := referenceDecode(string(text), eitherAlphabet)
		require.True(t, ok)
		out := make([]byte, len(want))
		groups := len(text) &^ 3
		if groups < 32 {
			require.Zero(t, decodeVector(out, string(text), eitherAlphabet), "%s", text)
			continue
		}
		require.Equal(t, groups, decodeVector(out, string(text), eitherAlphabet), "%s", text)
		require.Equal(t, want[:groups/4*3], out[:groups/4*3])
		// A character outside the alphabet stops the kernel before its block.
		p := r.Intn(len(text))
		text[p] = '='
		stop := min(p/32*32, groups-32) // the last block ends the text
		if p >= groups {
			stop = groups // a bad character in a short last group is left to the loops
		}
		require.Equal(t, stop, decodeVector(out, string(text), eitherAlphabet), "%s", text)
	}
	std := strings.Repeat("AZaz09+/", 4)
	require.Equal(t, 32, decodeVector(make([]byte, 24), std, stdAlphabet))
	require.Equal(t, 0, decodeVector(make([]byte, 24), strings.ReplaceAll(std, "+", "-"), stdAlphabet))
}

func TestVectorKernelEncodesEveryBlock(t *testing.T) {
	if setVector == nil {
		t.Skip("no vector kernel on this architecture")
	}
	defer useVector(true)()
	for n := 0; n < 200; n++ {
		src := randomBytes(rand.New(rand.NewSource(int64(n))), n)
		out := make([]byte, rawURL.encodedLen(n))
		read, written := encodeVector(out, src, rawURL)
		groups := n / 3
		if groups < 8 {
			groups = 0 // too short for the kernel
		}
		require.Equal(t, groups*3, read, n)
		require.Equal(t, groups*4, written, n)
		require.Equal(t, base64.RawURLEncoding.EncodeToString(src)[:written], string(out[:written]), n)
	}
}

// The codecs on a v4 token's length (163 bytes, 218 characters), each path
// against the standard library.
func BenchmarkBase64(b *testing.B) {
	raw := randomBytes(rand.New(rand.NewSource(5)), V4Size(32))
	text := base64.RawURLEncoding.EncodeToString(raw)
	buf := make([]byte, 0, 256)
	forEachPathB(b, func(b *testing.B) {
		b.Run("decode", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				decodeBase64(buf, text, eitherAlphabet)
			}
		})
		b.Run("encode", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rawURL.appendEncode(buf, raw)
			}
		})
	})
	b.Run("stdlib/decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			base64.RawURLEncoding.Decode(buf[:cap(buf)], []byte(text))
		}
	})
	b.Run("stdlib/encode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			base64.RawURLEncoding.AppendEncode(buf, raw)
		}
	})
}
