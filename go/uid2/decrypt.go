package uid2

import (
	"math"
	"time"

	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/token"
)

// Identity scopes (uid2-spec §2.3).
type IdentityScope int32

const (
	UID2 IdentityScope = keys.ScopeUID2
	EUID IdentityScope = keys.ScopeEUID
)

func (s IdentityScope) String() string {
	if s == EUID {
		return "EUID"
	}
	return "UID2"
}

// IdentityType says what a raw UID was made from. v2 tokens carry none.
type IdentityType int32

const (
	IdentityTypeUnknown IdentityType = token.TypeNone
	Email               IdentityType = token.TypeEmail
	Phone               IdentityType = token.TypePhone
)

func (t IdentityType) String() string {
	switch t {
	case Email:
		return "EMAIL"
	case Phone:
		return "PHONE"
	}
	return "UNKNOWN"
}

// Decrypted is a decryption result in Unix milliseconds and bytes, the
// form the C ABI copies out without allocating. UID aliases the buffer
// given to Decrypt.
type Decrypted struct {
	Status                  Status
	UID                     []byte
	EstablishedMs           int64
	ExpiryMs                int64
	SiteID                  int32
	SiteKeySiteID           int32
	IdentityScope           IdentityScope
	IdentityType            IdentityType
	AdvertisingTokenVersion int32 // 2, 3 or 4; 0 when not decoded
	IsClientSideGenerated   bool
}

// DecryptionResponse is the result of decrypting a token, with the fields
// of the official SDKs' responses (uid2-spec §6.3). On Success every field
// is set. On ExpiredToken, UserOptedOut, DomainOrAppNameCheckFailed and
// InvalidTokenLifetime every field but UID is set. Otherwise only Status
// and IdentityScope are meaningful.
type DecryptionResponse struct {
	Status                  Status
	UID                     string
	Established             time.Time
	Expiry                  time.Time
	SiteID                  int32
	SiteKeySiteID           int32
	IdentityScope           IdentityScope
	IdentityType            IdentityType
	AdvertisingTokenVersion int32
	IsClientSideGenerated   bool
}

// Success reports Status == Success.
func (r DecryptionResponse) Success() bool { return r.Status == Success }

func (d *Decrypted) response() DecryptionResponse {
	r := DecryptionResponse{
		Status:                  d.Status,
		UID:                     string(d.UID),
		SiteID:                  d.SiteID,
		SiteKeySiteID:           d.SiteKeySiteID,
		IdentityScope:           d.IdentityScope,
		IdentityType:            d.IdentityType,
		AdvertisingTokenVersion: d.AdvertisingTokenVersion,
		IsClientSideGenerated:   d.IsClientSideGenerated,
	}
	if d.AdvertisingTokenVersion != 0 {
		r.Established = time.UnixMilli(d.EstablishedMs).UTC()
		r.Expiry = time.UnixMilli(d.ExpiryMs).UTC()
	}
	return r
}

// clientKind selects the checks of uid2-spec §6.1 that differ between
// clients.
type clientKind int

const (
	sharingKind clientKind = iota + 1
	bidstreamKind
)

// decrypt runs the validation of uid2-spec §6.1, in its order, and writes
// the result to *d, which must be zero (written in place: returning the
// struct cost a copy per call). The raw UID is appended to uidBuf[:0] and
// returned, for the caller to put in d.UID (stored here, through d, it
// would make every caller's buffer escape to the heap). It never panics on any input: every malformed
// token is InvalidPayload.
//
// Where the official SDKs disagree (§6.4) this follows Java and .NET:
//   - the identity scope is checked (Python does not);
//   - the domain/app-name check runs for client-side-generated tokens in
//     bidstream (Python's is a stub);
//   - a malformed token is InvalidPayload (Python raises);
//   - the client-side opt-out bit gives UserOptedOut, as .NET does (Java
//     and Python ignore it), checked after expiry as .NET does;
//   - v2 tokens of any length are accepted (.NET insists on 133 bytes),
//     and v3/v4 tokens have no minimum length beyond their structure.
//
// checkDomain false skips the domain/app-name check: the legacy
// encrypted-data API takes a token's site without a name to check, as
// .NET's LegacyWithoutDomainOrAppNameCheck does.
func decrypt(d *Decrypted, ks *keys.Set, kind clientKind, text, domain string, checkDomain bool, nowMs int64, uidBuf []byte) (uid []byte) {
	d.IdentityType = IdentityTypeUnknown
	if ks == nil {
		d.Status = NotInitialized
		return nil
	}
	d.IdentityScope = IdentityScope(ks.IdentityScope)
	if !ks.Valid(nowMs) {
		d.Status = KeysNotSynced
		return nil
	}
	var buf scratch
	raw, version, err := token.Decode(text, buf.bytes())
	if err != nil {
		d.Status = InvalidPayload
		if err == token.ErrVersion {
			d.Status = VersionNotSupported
		}
		return nil
	}
	identityType := IdentityTypeUnknown
	if version != token.V2 {
		scope, typ := token.Prefix(raw)
		if IdentityScope(scope) != d.IdentityScope {
			d.Status = InvalidIdentityScope
			return nil
		}
		identityType = IdentityType(typ)
	}
	masterID, err := token.MasterKeyID(raw, version)
	if err != nil {
		d.Status = InvalidPayload
		return nil
	}
	mk := ks.Key(masterID)
	if mk == nil {
		d.Status = NotAuthorizedForMasterKey
		return nil
	}
	master, err := token.OpenMaster(raw, version, mk.Block(), mk.AEAD())
	if err != nil {
		d.Status = InvalidPayload
		return nil
	}
	sk := ks.Key(master.SiteKeyID)
	if sk == nil {
		d.Status = NotAuthorizedForKey
		return nil
	}
	site, err := token.OpenSite(master, version, sk.Block(), sk.AEAD())
	if err != nil {
		d.Status = InvalidPayload
		return nil
	}

	d.EstablishedMs = site.EstablishedMs
	d.ExpiryMs = master.ExpiryMs
	d.SiteID = int32(site.SiteID)
	d.SiteKeySiteID = int32(sk.SiteID)
	d.IdentityType = identityType
	d.AdvertisingTokenVersion = int32(version)
	d.IsClientSideGenerated = site.PrivacyBits&token.PrivacyClientSideGenerated != 0

	// Step 9: equal is not expired.
	if nowMs > master.ExpiryMs {
		d.Status = ExpiredToken
		return nil
	}
	if site.PrivacyBits&token.PrivacyOptedOut != 0 {
		d.Status = UserOptedOut
		return nil
	}
	if checkDomain && kind == bidstreamKind && d.IsClientSideGenerated && !ks.DomainOrAppNameAllowed(site.SiteID, domain) {
		d.Status = DomainOrAppNameCheckFailed
		return nil
	}
	maxLifetime := ks.MaxSharingLifetimeSeconds
	if kind == bidstreamKind {
		maxLifetime = ks.MaxBidstreamLifetimeSeconds
	}
	// v2 has no "generated" time, so its remaining lifetime is checked.
	generatedMs := nowMs
	if version != token.V2 {
		generatedMs = master.GeneratedMs
	}
	if !lifetimeValid(generatedMs, master.ExpiryMs, nowMs, maxLifetime, ks.AllowClockSkewSeconds) {
		d.Status = InvalidTokenLifetime
		return nil
	}
	d.Status = Success
	return token.AppendUID(uidBuf[:0], site, version)
}

// lifetimeValid checks the token's lifetime and clock skew in whole seconds,
// rounding toward negative infinity as Java's Duration.getSeconds does, so
// a lifetime of exactly the maximum passes and one second more fails.
func lifetimeValid(generatedMs, expiryMs, nowMs, maxLifetimeSeconds, allowSkewSeconds int64) bool {
	if floorDiv(subSaturating(expiryMs, generatedMs), 1000) > maxLifetimeSeconds {
		return false
	}
	return floorDiv(subSaturating(generatedMs, nowMs), 1000) <= allowSkewSeconds
}

// subSaturating is a-b clamped to the int64 range: token times are
// attacker-chosen, and a wrapped difference could pass a check.
func subSaturating(a, b int64) int64 {
	d := a - b
	if (b > 0 && d > a) || (b < 0 && d < a) {
		if b > 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
