package vectorgen

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"

	"golang.org/x/crypto/cryptobyte"
)

// tokenSpec is everything a test token carries. The builder writes tokens
// with its own code, straight from uid2-spec §2, so that the vectors check
// the library instead of repeating it.
type tokenSpec struct {
	version       int // 2, 3 or 4
	prefix        byte
	masterKeyID   int32
	siteKeyID     int32
	expiryMs      int64
	generatedMs   int64
	siteID        int32
	privacyBits   int32
	establishedMs int64
	refreshedMs   int64
	uid           string // raw UID text
	// stdBase64 writes a v4 token in padded standard base64.
	stdBase64 bool
	// corruptSite flips a byte of the inner ciphertext before the outer
	// layer is sealed, so only the site key's check can catch it.
	corruptSite bool
}

// nonce derives fixed bytes from a label so regenerated files are
// identical.
func nonce(label string, n int) []byte {
	sum := sha256.Sum256([]byte(label))
	return sum[:n]
}

// ivSource gives the IV of a layer ("master" or "site") of n bytes.
type ivSource func(layer string, n int) []byte

// labelIVs derives every IV from a label.
func labelIVs(label string) ivSource {
	return func(layer string, n int) []byte { return nonce(label+"/"+layer, n) }
}

// fixedIVs uses the 24 nonce bytes encrypt takes: master, then site.
func fixedIVs(nonces []byte) ivSource {
	return func(layer string, n int) []byte {
		if layer == "master" {
			return nonces[:12]
		}
		return nonces[12:24]
	}
}

func gcmSeal(secret, iv, plaintext []byte) []byte {
	block, err := aes.NewCipher(secret)
	must(err)
	aead, err := cipher.NewGCM(block)
	must(err)
	return append(append([]byte{}, iv...), aead.Seal(nil, iv, plaintext, nil)...)
}

func cbcSeal(secret, iv, plaintext []byte) []byte {
	block, err := aes.NewCipher(secret)
	must(err)
	pad := 16 - len(plaintext)%16
	padded := append(append([]byte{}, plaintext...), make([]byte, pad)...)
	for i := len(plaintext); i < len(padded); i++ {
		padded[i] = byte(pad)
	}
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	return append(append([]byte{}, iv...), out...)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// build writes the token's bytes.
func (t tokenSpec) build(iv ivSource, secret func(int32) []byte) []byte {
	if t.version == 2 {
		return t.buildV2(iv, secret)
	}
	var site cryptobyte.Builder
	site.AddUint32(uint32(t.siteID))
	site.AddUint64(0) // publisher id
	site.AddUint32(0) // client key id
	site.AddUint32(uint32(t.privacyBits))
	site.AddUint64(uint64(t.establishedMs))
	site.AddUint64(uint64(t.refreshedMs))
	uidBytes, err := base64.StdEncoding.DecodeString(t.uid)
	must(err)
	site.AddBytes(uidBytes)
	siteBlob := gcmSeal(secret(t.siteKeyID), iv("site", 12), site.BytesOrPanic())
	if t.corruptSite {
		siteBlob[20] ^= 0x01
	}
	var master cryptobyte.Builder
	master.AddUint64(uint64(t.expiryMs))
	master.AddUint64(uint64(t.generatedMs))
	master.AddUint32(0) // operator site id
	master.AddUint8(1)  // operator type: Service
	master.AddUint32(0) // operator version
	master.AddUint32(0) // operator key id
	master.AddUint32(uint32(t.siteKeyID))
	master.AddBytes(siteBlob)
	var tok cryptobyte.Builder
	tok.AddUint8(t.prefix)
	if t.version == 3 {
		tok.AddUint8(112)
	} else {
		tok.AddUint8(128)
	}
	tok.AddUint32(uint32(t.masterKeyID))
	tok.AddBytes(gcmSeal(secret(t.masterKeyID), iv("master", 12), master.BytesOrPanic()))
	return tok.BytesOrPanic()
}

func (t tokenSpec) buildV2(iv ivSource, secret func(int32) []byte) []byte {
	var identity cryptobyte.Builder
	identity.AddUint32(uint32(t.siteID))
	identity.AddUint32(uint32(len(t.uid)))
	identity.AddBytes([]byte(t.uid))
	identity.AddUint32(uint32(t.privacyBits))
	identity.AddUint64(uint64(t.establishedMs))
	inner := cbcSeal(secret(t.siteKeyID), iv("site", 16), identity.BytesOrPanic())
	if t.corruptSite {
		inner[len(inner)-17] ^= 0x01 // the last padding byte after decryption
	}
	var master cryptobyte.Builder
	master.AddUint64(uint64(t.expiryMs))
	master.AddUint32(uint32(t.siteKeyID))
	master.AddBytes(inner)
	var tok cryptobyte.Builder
	tok.AddUint8(2)
	tok.AddUint32(uint32(t.masterKeyID))
	tok.AddBytes(cbcSeal(secret(t.masterKeyID), iv("master", 16), master.BytesOrPanic()))
	return tok.BytesOrPanic()
}

// text encodes token bytes as the token's version is written.
func (t tokenSpec) text(raw []byte) string {
	if t.version == 4 && !t.stdBase64 {
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	return base64.StdEncoding.EncodeToString(raw)
}
