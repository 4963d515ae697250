package keyservice

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// Faults that POST /admin/v1/faults can inject into key responses, each a
// way a client's key refresh must fail without losing the keys it has.
const (
	FaultNone        = "none"
	Fault500         = "500"
	FaultGarbage     = "garbage"      // 200 with a body that is not an envelope
	FaultWrongNonce  = "wrong-nonce"  // a valid envelope echoing another nonce
	FaultWrongSecret = "wrong-secret" // an envelope under another secret
	FaultSlow        = "slow"         // answers after SlowDelay
)

// Faults lists the fault modes.
var Faults = []string{FaultNone, Fault500, FaultGarbage, FaultWrongNonce, FaultWrongSecret, FaultSlow}

// SlowDelay is how long FaultSlow waits before answering.
const SlowDelay = 5 * time.Second

func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
