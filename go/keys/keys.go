// Package keys holds UID2 encryption keys: parsing the key service's JSON
// (uid2-spec §4.3), the immutable key set a client decrypts and encrypts
// with, and the active-key selection rules of §4.4.
//
// A Set is never modified after Parse returns it, so any number of
// goroutines may read it while a refresh builds its successor.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math"
	"strings"
)

// Identity scopes (uid2-spec §2.3).
const (
	ScopeUID2 = 0
	ScopeEUID = 1
)

// Defaults the official SDKs apply when the key response omits a field
// (uid2-spec §4.3).
const (
	DefaultTokenExpirySeconds    = 30 * 24 * 60 * 60
	DefaultAllowClockSkewSeconds = 1800
	// NoLifetimeLimit stands for an absent max_*_lifetime_seconds.
	NoLifetimeLimit = math.MaxInt64
)

// Key is one AES-256 key. Times are Unix epoch seconds, as in the JSON.
type Key struct {
	ID        int64
	KeysetID  int64 // 0 when the response gave none (other sites' keys)
	SiteID    int64 // 0 unless the response gave one (legacy array format)
	Created   int64
	Activates int64
	Expires   int64

	// activatesMs and expiresMs are the same times in Unix ms, saturated.
	activatesMs, expiresMs int64

	// The ciphers are built once per key set, never per token.
	block cipher.Block
	aead  cipher.AEAD
}

// Block is the key's AES block cipher (CBC layers of v2 tokens).
func (k *Key) Block() cipher.Block { return k.block }

// AEAD is the key's AES-256-GCM (v3/v4 tokens and sharing tokens).
func (k *Key) AEAD() cipher.AEAD { return k.aead }

// IsActive reports activates <= now < expires, now in Unix ms.
func (k *Key) IsActive(nowMs int64) bool {
	return k.activatesMs <= nowMs && nowMs < k.expiresMs
}

// SecondsToMs converts seconds to ms, saturating instead of overflowing
// on absurd values from the wire.
func SecondsToMs(s int64) int64 {
	switch {
	case s > math.MaxInt64/1000:
		return math.MaxInt64
	case s < math.MinInt64/1000:
		return math.MinInt64
	}
	return s * 1000
}

func newKey(id int64, secret []byte) (*Key, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("key %d: secret is %d bytes, want 32", id, len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("key %d: %v", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("key %d: %v", id, err)
	}
	return &Key{ID: id, block: block, aead: aead}, nil
}

// Set is an immutable set of keys with the settings that came with them.
type Set struct {
	byID     keyTable
	byKeyset map[int64][]*Key // each sorted by Activates, ascending
	// The master and default keysets' lists, which encrypt selects from,
	// without a map lookup.
	masterKeys, defaultKeys []*Key
	bySite                  map[int64][]*Key // likewise; only keys that name a site
	sites                   map[int64][]string
	// latestExpiresMs is the latest expiry of any key, in Unix ms.
	latestExpiresMs int64

	CallerSiteID    int64
	MasterKeysetID  int64
	DefaultKeysetID int64 // 0: the caller has no default keyset
	// TokenExpirySeconds is the lifetime of tokens made by encrypt.
	TokenExpirySeconds          int64
	MaxSharingLifetimeSeconds   int64
	MaxBidstreamLifetimeSeconds int64
	AllowClockSkewSeconds       int64
	IdentityScope               int
}

// Len is the number of keys.
func (s *Set) Len() int { return s.byID.n }

// Key returns the key with this id, whatever its keyset, or nil. Tokens
// name their keys by id (uid2-spec §2.6).
func (s *Set) Key(id int64) *Key { return s.byID.get(id) }

// Valid reports whether some key has not yet expired at now (Unix ms);
// otherwise the keys are stale and callers report KEYS_NOT_SYNCED.
func (s *Set) Valid(nowMs int64) bool { return nowMs < s.latestExpiresMs }

// ActiveKey returns the most recently activated key of the keyset that is
// active at now (Unix ms), or nil (uid2-spec §4.4): among the keys that
// activated at or before now, the latest-activated one that has not expired.
func (s *Set) ActiveKey(keysetID int64, nowMs int64) *Key {
	switch {
	case keysetID <= 0:
		return nil // only positive keyset ids are indexed (addKeys)
	case keysetID == s.MasterKeysetID:
		return latestActive(s.masterKeys, nowMs)
	case keysetID == s.DefaultKeysetID:
		return latestActive(s.defaultKeys, nowMs)
	}
	return latestActive(s.byKeyset[keysetID], nowMs)
}

// ActiveSiteKey is ActiveKey for the keys of a site: those of the legacy
// key array, which name their site (the legacy encrypted-data API selects
// keys so; /v2/key responses name no key's site).
func (s *Set) ActiveSiteKey(siteID int64, nowMs int64) *Key {
	return latestActive(s.bySite[siteID], nowMs)
}

func latestActive(list []*Key, nowMs int64) *Key {
	// end = the first key activated after now (sort.Search written out: its
	// closure calls cost a third of an encrypt's key selection).
	end, hi := 0, len(list)
	for end < hi {
		mid := int(uint(end+hi) >> 1)
		if list[mid].activatesMs > nowMs {
			hi = mid
		} else {
			end = mid + 1
		}
	}
	for i := end - 1; i >= 0; i-- {
		if list[i].IsActive(nowMs) {
			return list[i]
		}
	}
	return nil
}

// DomainOrAppNameAllowed reports whether name is one of the domain or app
// names registered for the site, compared case-insensitively as Java's
// Site.allowDomainOrAppName and .NET's OrdinalIgnoreCase do. An empty name
// or a site without names is never allowed.
func (s *Set) DomainOrAppNameAllowed(siteID int64, name string) bool {
	if name == "" {
		return false
	}
	for _, n := range s.sites[siteID] {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// keyTable finds keys by id: open addressing with linear probing in a
// power-of-two table at most half full, so a lookup ends at the key or at
// an empty slot. Every decrypt looks up two keys; a Go map's lookup cost
// about 40 instructions, this about 15. (Ids come from the key service;
// ids made to collide would only make lookups slower.)
type keyTable struct {
	slots []*Key
	shift uint // 64 - log2(len(slots))
	n     int  // keys held
}

func newKeyTable(capacity int) keyTable {
	size, shift := 2, uint(63)
	for size < 2*capacity {
		size, shift = size*2, shift-1
	}
	return keyTable{slots: make([]*Key, size), shift: shift}
}

// home is the slot where the search for id starts (Fibonacci hashing: the
// top bits of id times 2^64/φ, which spreads consecutive ids).
func (t *keyTable) home(id int64) uint64 { return uint64(id) * 0x9e3779b97f4a7c15 >> t.shift }

func (t *keyTable) get(id int64) *Key {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(id); ; i = (i + 1) & mask {
		k := t.slots[i]
		if k == nil || k.ID == id {
			return k
		}
	}
}

// put adds k, replacing the key of the same id. The table must have been
// made for at least as many keys as are put.
func (t *keyTable) put(k *Key) {
	mask := uint64(len(t.slots) - 1)
	i := t.home(k.ID)
	for t.slots[i] != nil && t.slots[i].ID != k.ID {
		i = (i + 1) & mask
	}
	if t.slots[i] == nil {
		t.n++
	}
	t.slots[i] = k
}
