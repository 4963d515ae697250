package keyservice

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/libuid2/libuid2/go/operator"
	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/uid2"
)

// The operator's older and testing surfaces: the deprecated identity map
// v2 and the buckets call (uid2-spec-publisher §3.4), and token validate
// (§6.1).

var mapKeys = []string{"email", "email_hash", "phone", "phone_hash"}

// identityMapV2 is POST /v2/identity/map: exactly one non-empty array;
// answers mapped (raw UID and bucket id) and unmapped identities.
func (s *Service) identityMapV2(w http.ResponseWriter, c *operatorCall) {
	var req map[string]json.RawMessage
	if json.Unmarshal(c.payload, &req) != nil {
		clientError(w, operator.MsgNotJSON)
		return
	}
	key, found, present := "", []*string(nil), false
	for _, k := range mapKeys {
		raw, ok := req[k]
		if !ok {
			continue
		}
		present = true
		var values []*string
		if string(raw) != "null" && json.Unmarshal(raw, &values) != nil {
			clientError(w, k+" must be an array")
			return
		}
		if len(values) == 0 {
			continue
		}
		if key != "" {
			clientError(w, operator.MsgGenerateMissing)
			return
		}
		key, found = k, values
	}
	if !present {
		clientError(w, operator.MsgGenerateMissing)
		return
	}
	type mapped struct {
		Identifier string `json:"identifier"`
		RawUID     string `json:"advertising_id"`
		BucketID   string `json:"bucket_id"`
	}
	type unmapped struct {
		Identifier string `json:"identifier"`
		Reason     string `json:"reason"`
	}
	body := struct {
		Mapped   []mapped   `json:"mapped"`
		Unmapped []unmapped `json:"unmapped,omitempty"`
	}{Mapped: []mapped{}}
	if key == "" {
		c.respond(w, []byte(`{"body":{"mapped":[]},"status":"success"}`))
		return
	}
	if len(found) > operator.MaxMapItems { // null elements are answered too
		clientError(w, operator.MsgTooLarge)
		return
	}
	// Each value is read by the operator's rules for its key, through
	// the v3 parser; a null element is reported as "null".
	values := make([]string, 0, len(found))
	for _, v := range found {
		if v != nil {
			values = append(values, *v)
		}
	}
	v3, _ := json.Marshal(map[string][]string{key: values})
	inputs, err := operator.ParseIdentityMapV3Request(v3)
	if refused(w, err) {
		return
	}
	parsed := inputs[indexOfKey(key)]
	next := 0
	for _, v := range found {
		if v == nil {
			body.Unmapped = append(body.Unmapped, unmapped{"null", "invalid identifier"})
			continue
		}
		in := parsed[next]
		next++
		if !in.Valid {
			body.Unmapped = append(body.Unmapped, unmapped{*v, "invalid identifier"})
			continue
		}
		flh := c.view.salts.FirstLevelHash(in.HashedIdentity)
		if c.view.isOptedOut(flh, false) {
			body.Unmapped = append(body.Unmapped, unmapped{*v, "optout"})
			continue
		}
		raw, err := c.view.salts.Bucket(flh).RawUID(flh, in.Type, c.view.salts.Options)
		if err != nil {
			operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error while mapping identity")
			return
		}
		index := operator.BucketIndex(flh, len(c.view.salts.Buckets))
		body.Mapped = append(body.Mapped, mapped{*v, base64.StdEncoding.EncodeToString(raw), bucketID(index)})
	}
	out, _ := json.Marshal(map[string]any{"body": body, "status": "success"})
	c.respond(w, out)
}

func indexOfKey(k string) int {
	for i, name := range mapKeys {
		if name == k {
			return i
		}
	}
	return -1
}

// bucketID is a bucket's id as v2 clients see it: opaque to them (the
// operator hashes its numeric id); here the index in decimal.
func bucketID(index int) string { return strconv.Itoa(index) }

// isoLocal is the buckets call's time format: ISO local date-time, read
// and written as UTC.
const isoLocal = "2006-01-02T15:04:05.999999999"

// identityBuckets is POST /v2/identity/buckets: the buckets rotated at
// or after since_timestamp.
func (s *Service) identityBuckets(w http.ResponseWriter, c *operatorCall) {
	var req struct {
		Since *string `json:"since_timestamp"`
	}
	if json.Unmarshal(c.payload, &req) != nil || req.Since == nil {
		clientError(w, "missing parameter since_timestamp")
		return
	}
	since, err := time.ParseInLocation(isoLocal, *req.Since, time.UTC)
	if err != nil {
		clientError(w, "invalid date, must conform to ISO 8601")
		return
	}
	type bucket struct {
		ID          string `json:"bucket_id"`
		LastUpdated string `json:"last_updated"`
	}
	out := []bucket{}
	for i, b := range c.view.salts.Buckets {
		if b.LastUpdatedMs >= since.UnixMilli() {
			out = append(out, bucket{bucketID(i), time.UnixMilli(b.LastUpdatedMs).UTC().Format("2006-01-02T15:04:05.000")})
		}
	}
	body, _ := json.Marshal(map[string]any{"body": out, "status": "success"})
	c.respond(w, body)
}

// validate is POST /v2/token/validate: whether an advertising token of
// the caller's site holds the raw UID the given identity has now.
func (s *Service) validate(w http.ResponseWriter, c *operatorCall) {
	var req struct {
		Token *string `json:"token"`
	}
	if json.Unmarshal(c.payload, &req) != nil || req.Token == nil {
		clientError(w, "Invalid token")
		return
	}
	id, err := operator.ParseGenerateRequest(c.payload)
	if refused(w, err) {
		return
	}
	// The keys the caller could fetch decrypt the token, as its sharing
	// client would; the token must be of the caller's site (in this
	// model a site's keyset is its own, so the token's site is the site
	// key's).
	client, err := uid2.NewSharingClient("http://localhost", "validate", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	if err == nil {
		err = client.RefreshJSON(c.state.KeyResponse(c.key, sharing.SharingEndpoint, c.now))
	}
	if err != nil {
		operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error while validating token")
		return
	}
	d := client.DecryptTokenIntoRawUIDAt(*req.Token, time.UnixMilli(c.nowMs))
	switch {
	case d.Status == uid2.NotAuthorizedForKey || (d.Success() && int(d.SiteID) != c.key.SiteID):
		clientError(w, "Unauthorised to validate token")
		return
	case !d.Success():
		clientError(w, "Invalid token")
		return
	}
	flh := c.view.salts.FirstLevelHash(id)
	raw, err := c.view.salts.Bucket(flh).RawUID(flh, id.Type, c.view.salts.Options)
	if err != nil {
		operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error while validating token")
		return
	}
	match := d.UID == base64.StdEncoding.EncodeToString(raw)
	body, _ := json.Marshal(map[string]any{"body": match, "status": "success"})
	c.respond(w, body)
}
