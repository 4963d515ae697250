package sharing

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"slices"

	"github.com/libuid2/libuid2/go/operator"
)

// The operator's side of the state: what token generate, token refresh and
// identity map need (uid2-spec-publisher §1.7, §3.3). The computations are
// package operator's; this file only keeps the material and the opt-outs.

// RefreshKeysetID is the keyset of the keys that encrypt refresh tokens
// (the operator's site −2). It has no owner, so no key endpoint ever
// returns its keys.
const RefreshKeysetID = -2

// DefaultSaltBuckets is the bucket count of a new state unless chosen: far
// fewer than production's 1,048,576, which would make the state file
// about 100 MB, while still spreading rotations over many buckets.
const DefaultSaltBuckets = 1024

// MaxSaltBuckets is production's bucket count (operator.OneMillionBuckets).
const MaxSaltBuckets = operator.OneMillionBuckets

// Salts are the first-level salt and the salt buckets (v2 raw UIDs: a
// salt per bucket, the operator's default). Times are epoch milliseconds,
// as in the operator's salt file.
type Salts struct {
	FirstLevel string       `json:"first_level"`
	Buckets    []SaltBucket `json:"buckets"`
}

// SaltBucket is one bucket's record.
type SaltBucket struct {
	LastUpdated int64  `json:"last_updated"`
	RefreshFrom int64  `json:"refresh_from"`
	Current     string `json:"current"`
	Previous    string `json:"previous,omitempty"`
}

// OptOut is a user who opted out: the first-level hash (what generate,
// refresh and identity map look up) and the raw UID it had when it opted
// out (what /v2/optout/status is asked about), both base64, and when.
type OptOut struct {
	FirstLevelHash string `json:"first_level_hash"`
	RawUID         string `json:"raw_uid"`
	Since          int64  `json:"since"` // epoch seconds
}

// NewSalts makes n buckets with fresh random salts, all last updated on
// the day of now (epoch seconds) and due for refresh 30 days later, as the
// admin service's rotation would set them.
func NewSalts(n int, now int64) (*Salts, error) {
	if n < 1 || n > MaxSaltBuckets {
		return nil, errorf(Invalid, "the salt bucket count must be from 1 to %d, not %d", MaxSaltBuckets, n)
	}
	s := &Salts{FirstLevel: newSalt(), Buckets: make([]SaltBucket, n)}
	for i := range s.Buckets {
		var b operator.Bucket
		b.Rotate(now*1000, newSalt(), nil)
		s.Buckets[i] = SaltBucket{LastUpdated: b.LastUpdatedMs, RefreshFrom: b.RefreshFromMs, Current: b.CurrentSalt}
	}
	return s, nil
}

func newSalt() string { return base64.StdEncoding.EncodeToString(randomBytes(32)) }

func (s *Salts) clone() *Salts {
	if s == nil {
		return nil
	}
	c := *s
	c.Buckets = slices.Clone(s.Buckets)
	return &c
}

// Operator is the salts in package operator's form (v2 raw UIDs, or v3
// with v3 set, in the given scope: 0 UID2, 1 EUID).
func (s *Salts) Operator(scope int) *operator.Salts {
	o := &operator.Salts{FirstLevel: s.FirstLevel, Buckets: make([]operator.Bucket, len(s.Buckets)), Options: operator.RawUIDOptions{Scope: scope}}
	for i, b := range s.Buckets {
		o.Buckets[i] = operator.Bucket{LastUpdatedMs: b.LastUpdated, RefreshFromMs: b.RefreshFrom, CurrentSalt: b.Current, PreviousSalt: b.Previous}
	}
	return o
}

// RotateSalts gives buckets new salts now (epoch seconds), as the admin
// service's rotation does (operator.Bucket.Rotate): all of them, or
// ceil(n × fraction) of them, the least recently rotated first (ties: the
// lowest index). The rotated buckets' old salts become their previous
// ones, so identity map serves the previous raw UID for 90 days. Every
// bucket's refresh-from moves to its next 30-day boundary and previous
// salts older than 90 days are dropped, as the daily job does. It returns
// how many buckets rotated.
func (s *State) RotateSalts(fraction float64, now int64) (int, error) {
	if s.Salts == nil {
		return 0, errorf(Conflict, "this state has no salts")
	}
	if math.IsNaN(fraction) || fraction <= 0 || fraction > 1 {
		return 0, errorf(Invalid, "the fraction of buckets to rotate must be above 0 and at most 1")
	}
	s.Salts = s.Salts.clone() // shared with the states it was cloned from
	buckets := s.Salts.Buckets
	n := int(math.Ceil(float64(len(buckets)) * fraction))
	order := make([]int, len(buckets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(buckets[a].LastUpdated, buckets[b].LastUpdated) })
	nowMs := now * 1000
	for _, i := range order[:n] {
		b := operator.Bucket{CurrentSalt: buckets[i].Current}
		b.Rotate(nowMs, newSalt(), nil)
		buckets[i] = SaltBucket{LastUpdated: b.LastUpdatedMs, RefreshFrom: b.RefreshFromMs, Current: b.CurrentSalt, Previous: b.PreviousSalt}
	}
	for i := range buckets {
		b := &buckets[i]
		b.RefreshFrom = operator.NextRefreshFrom(b.LastUpdated, nowMs)
		if nowMs-b.LastUpdated >= 90*24*3600*1000 {
			b.Previous = ""
		}
	}
	return n, nil
}

// AddOptOut records that the user of a first-level hash (with its raw UID
// now) opted out at now; opting out again keeps the first time.
func (s *State) AddOptOut(firstLevelHash [32]byte, rawUID []byte, now int64) OptOut {
	flh := base64.StdEncoding.EncodeToString(firstLevelHash[:])
	for _, o := range s.OptOuts {
		if o.FirstLevelHash == flh {
			return o
		}
	}
	o := OptOut{FirstLevelHash: flh, RawUID: base64.StdEncoding.EncodeToString(rawUID), Since: now}
	s.OptOuts = append(s.OptOuts, o)
	return o
}

// OperatorKeys are the active master, site and refresh keys at now
// (epoch seconds) for minting a publisher site's tokens; ok is false when
// one is missing (the operator's "No active encryption key available").
func (s *State) OperatorKeys(siteID int, now int64) (master, site, refresh *Key, ok bool) {
	st := s.Site(siteID)
	if st == nil {
		return nil, nil, nil, false
	}
	master, site, refresh = s.activeKey(MasterKeysetID, now), s.activeKey(st.KeysetID, now), s.activeKey(RefreshKeysetID, now)
	return master, site, refresh, master != nil && site != nil && refresh != nil
}

// activeKey is the keyset's key that activated last at or before now and
// has not expired (the higher id on a tie), or nil (uid2-spec §4.4).
func (s *State) activeKey(keysetID int, now int64) *Key {
	var best *Key
	for i := range s.Keys {
		k := &s.Keys[i]
		if k.KeysetID != keysetID || k.Activates > now || k.Expires <= now {
			continue
		}
		if best == nil || k.Activates > best.Activates || (k.Activates == best.Activates && k.ID > best.ID) {
			best = k
		}
	}
	return best
}

// RefreshKey is the refresh keyset's key with this id, whatever its
// activation (the operator looks refresh keys up by id), or nil.
func (s *State) RefreshKey(id int64) *Key {
	for i := range s.Keys {
		if k := &s.Keys[i]; k.ID == id && k.KeysetID == RefreshKeysetID {
			return k
		}
	}
	return nil
}

// validateOperator checks the salts and opt-outs of a state file.
func (s *State) validateOperator() error {
	if s.Salts != nil {
		n := len(s.Salts.Buckets)
		if n < 1 || n > MaxSaltBuckets {
			return fmt.Errorf("salts: the bucket count must be from 1 to %d, not %d", MaxSaltBuckets, n)
		}
		if s.Salts.FirstLevel == "" {
			return fmt.Errorf("salts: the first-level salt is empty")
		}
		for i, b := range s.Salts.Buckets {
			switch {
			case b.Current == "":
				return fmt.Errorf("salt bucket %d: the current salt is empty", i)
			case b.LastUpdated < 0 || b.RefreshFrom < 0 || !validTime(b.LastUpdated/1000) || !validTime(b.RefreshFrom/1000):
				return fmt.Errorf("salt bucket %d: a time is out of range", i)
			}
		}
	}
	seen := map[string]bool{}
	for i, o := range s.OptOuts {
		flh, err := base64.StdEncoding.DecodeString(o.FirstLevelHash)
		switch {
		case err != nil || len(flh) != 32:
			return fmt.Errorf("opt-out %d: the first-level hash is not base64 of 32 bytes", i)
		case seen[o.FirstLevelHash]:
			return fmt.Errorf("opt-out %d: the first-level hash is listed twice", i)
		case !validTime(o.Since):
			return fmt.Errorf("opt-out %d: the time is out of range", i)
		}
		if _, err := base64.StdEncoding.DecodeString(o.RawUID); err != nil {
			return fmt.Errorf("opt-out %d: the raw UID is not base64", i)
		}
		seen[o.FirstLevelHash] = true
	}
	return nil
}
