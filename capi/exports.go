// Command capi builds libuid2.so: the Go core behind the C ABI of uid2.h.
//
// The exports here (uid2go_*) are internal: uid2.c wraps each in the
// public uid2_* function of uid2.h, which adds const, the fork check and
// the thread-local error message. Every export recovers panics into
// UID2_STATUS_INTERNAL_ERROR (also faults on a bad caller pointer), refuses
// lengths and counts that do not fit an int32, sets the message of every
// failure but token statuses, reads caller memory only during the call, and
// writes only into caller buffers.
package main

/*
#include "uid2.h"
extern void uid2c_set_error(const char *msg, size_t len);
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/libuid2/libuid2/go/token"
	"github.com/libuid2/libuid2/go/uid2"
)

func main() {}

// versionC is allocated once and never freed: uid2_version returns static
// storage.
var versionC = C.CString(uid2.Version)

//export uid2go_version
func uid2go_version() *C.char { return versionC }

// Statuses of the ABI itself (uid2.h); token statuses are uid2.Status.
const (
	statusBufferTooSmall  = C.UID2_STATUS_BUFFER_TOO_SMALL
	statusInvalidHandle   = C.UID2_STATUS_INVALID_HANDLE
	statusInvalidArgument = C.UID2_STATUS_INVALID_ARGUMENT
	statusInternalError   = C.UID2_STATUS_INTERNAL_ERROR
	statusRefreshFailed   = C.UID2_STATUS_REFRESH_FAILED
	statusInvalidKeys     = C.UID2_STATUS_INVALID_KEYS
	statusWrongClientType = C.UID2_STATUS_WRONG_CLIENT_TYPE
	statusTimedOut        = C.UID2_STATUS_TIMED_OUT
)

const defaultTimeout = 30 * time.Second

// entry is what a handle stands for. sharing is nil for bidstream clients.
type entry struct {
	client  uid2.Client
	sharing *uid2.SharingClient
}

// Handles are never reused, so a stale or double-freed handle is always
// detected rather than aliasing a newer client.
var (
	handles    sync.Map // uint64 → *entry
	lastHandle atomic.Uint64
	liveCount  atomic.Int64
)

func lookup(h C.uint64_t) *entry {
	if e, ok := handles.Load(uint64(h)); ok {
		return e.(*entry)
	}
	return nil
}

// live finds the client of a handle, or records why there is none.
func live(h C.uint64_t) (*entry, bool) {
	e := lookup(h)
	if e == nil {
		noHandle() // the caller returns INVALID_HANDLE
	}
	return e, e != nil
}

// setError records the message of a failed call for
// uid2_last_error_message (thread-local, in uid2.c).
func setError(msg string) {
	if msg == "" {
		C.uid2c_set_error(nil, 0)
		return
	}
	b := []byte(msg)
	C.uid2c_set_error((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)))
}

// guard starts every export (defer recoverInto(&status, guard())): until
// recoverInto runs, a fault at any address in Go code — a caller's wild
// pointer — panics rather than kills the process (Go recovers only faults
// in the first page by itself). It returns the previous setting.
func guard() bool { return debug.SetPanicOnFault(true) }

// recoverInto restores the fault setting guard changed and turns a panic
// into INTERNAL_ERROR. Every export defers it. (Generic only so that a Go
// test can hand it a plain int32.)
func recoverInto[S ~int32](status *S, panicOnFault bool) {
	debug.SetPanicOnFault(panicOnFault)
	if r := recover(); r != nil {
		*status = statusInternalError
		setError(fmt.Sprintf("internal error (please report): %v", r))
	}
}

// maxLen bounds every length and count a caller passes: beyond it a
// conversion to int32 (offsets, result lengths) would wrap.
const maxLen = math.MaxInt32

// invalid records why a call's arguments were refused.
func invalid(msg string) C.int32_t {
	setError(msg)
	return statusInvalidArgument
}

// noHandle records that a handle stands for no client.
func noHandle() C.int32_t {
	setError("invalid handle")
	return statusInvalidHandle
}

// capacity is a caller buffer's usable size: at most maxLen.
func capacity(n C.size_t) C.size_t { return min(n, maxLen) }

// gostr views caller memory as a string for the duration of a call.
func gostr(p *C.char, n C.size_t) string {
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(unsafe.Pointer(p)), int(n))
}

// cbuf views a caller buffer as an empty slice with its capacity.
func cbuf(p *C.char, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))[:0]
}

// inPlace reports whether out was written into buf rather than a new
// array that append had to allocate because buf was too small.
func inPlace(out, buf []byte) bool {
	return len(out) == 0 || (cap(buf) > 0 && len(out) <= cap(buf) && &out[0] == &buf[:1][0])
}

//export uid2go_client_new
func uid2go_client_new(typ C.int, baseURL, apiKey, secret *C.char, out *C.uint64_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	if out == nil {
		setError("out is NULL")
		return statusInvalidArgument
	}
	b, a, s := cstr(baseURL), cstr(apiKey), cstr(secret)
	var e entry
	switch typ {
	case C.UID2_CLIENT_SHARING:
		c, err := uid2.NewSharingClient(b, a, s)
		if err != nil {
			setError(err.Error())
			return statusInvalidArgument
		}
		e = entry{client: c, sharing: c}
	case C.UID2_CLIENT_BIDSTREAM:
		c, err := uid2.NewBidstreamClient(b, a, s)
		if err != nil {
			setError(err.Error())
			return statusInvalidArgument
		}
		e = entry{client: c}
	default:
		setError(fmt.Sprintf("unknown client type %d", int(typ)))
		return statusInvalidArgument
	}
	h := lastHandle.Add(1)
	handles.Store(h, &e)
	liveCount.Add(1)
	*out = C.uint64_t(h)
	return C.UID2_STATUS_SUCCESS
}

func cstr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

//export uid2go_client_free
func uid2go_client_free(h C.uint64_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := handles.LoadAndDelete(uint64(h))
	if !ok {
		return noHandle()
	}
	liveCount.Add(-1)
	e.(*entry).client.Close()
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_client_count
func uid2go_client_count() C.size_t { return C.size_t(liveCount.Load()) }

func timeout(ms C.uint32_t) time.Duration {
	if ms == 0 {
		return defaultTimeout
	}
	return time.Duration(ms) * time.Millisecond
}

//export uid2go_refresh
func uid2go_refresh(h C.uint64_t, timeoutMs C.uint32_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout(timeoutMs))
	defer cancel()
	if err := e.client.Refresh(ctx); err != nil {
		setError(err.Error())
		if errors.Is(err, uid2.ErrNotConfigured) {
			return statusInvalidArgument
		}
		return statusRefreshFailed
	}
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_refresh_json
func uid2go_refresh_json(h C.uint64_t, json *C.char, n C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	if json == nil {
		return invalid("json is NULL")
	}
	if n > maxLen {
		return invalid("json_len is too large")
	}
	// A copy: the key set must not keep the caller's memory.
	data := append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(json)), int(n))...)
	if err := e.client.RefreshJSON(data); err != nil {
		setError(err.Error())
		return statusInvalidKeys
	}
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_client_set_default_identity_scope
func uid2go_client_set_default_identity_scope(h C.uint64_t, scope C.int32_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	if err := e.client.SetDefaultIdentityScope(int(scope)); err != nil {
		setError(err.Error())
		return statusInvalidArgument
	}
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_auto_refresh_start
func uid2go_auto_refresh_start(h C.uint64_t, intervalMs, timeoutMs C.uint32_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	// The library logs nothing itself: each binding reports failed
	// attempts in its language's idiom from uid2_refresh_event_wait.
	opts := uid2.AutoRefreshOptions{Interval: time.Duration(intervalMs) * time.Millisecond, Timeout: timeout(timeoutMs),
		Logger: slog.New(slog.DiscardHandler)}
	if err := e.client.StartAutoRefresh(opts); err != nil {
		if errors.Is(err, uid2.ErrClosed) {
			return noHandle() // freed by another thread meanwhile
		}
		return invalid(err.Error())
	}
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_auto_refresh_stop
func uid2go_auto_refresh_stop(h C.uint64_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	e.client.StopAutoRefresh()
	return C.UID2_STATUS_SUCCESS
}

func unixMs(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(t.UnixMilli())
}

//export uid2go_refresh_state_get
func uid2go_refresh_state_get(h C.uint64_t, out *C.uid2_refresh_state, errBuf *C.char, errCap C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	if out == nil {
		setError("out is NULL")
		return statusInvalidArgument
	}
	s := e.client.RefreshState()
	*out = C.uid2_refresh_state{
		last_success_ms:      unixMs(s.LastSuccess),
		last_failure_ms:      unixMs(s.LastFailure),
		consecutive_failures: C.int32_t(s.ConsecutiveFailures),
		auto_refresh_running: cbool(s.AutoRefreshRunning),
		has_keys:             cbool(s.HasKeys),
		key_count:            C.int32_t(s.KeyCount),
	}
	copyText(errBuf, errCap, s.LastError)
	return C.UID2_STATUS_SUCCESS
}

func cbool(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}

// decryptInto decrypts one token into *out, the raw UID into uidBuf when
// given, else inline.
func decryptInto(e *entry, tok, domain string, nowMs int64, out *C.uid2_decryption_result, uidBuf []byte) C.int32_t {
	external := uidBuf != nil
	if !external {
		// The slice's capacity leaves room for the NUL.
		uidBuf = unsafe.Slice((*byte)(unsafe.Pointer(&out.uid[0])), C.UID2_UID_INLINE_CAPACITY)[:0]
	}
	d := e.client.DecryptAppend(uidBuf, tok, domain, nowMs)
	// Field by field: assigning a whole struct would clear the inline UID
	// just written.
	out.status = C.int32_t(d.Status)
	out.site_id = C.int32_t(d.SiteID)
	out.site_key_site_id = C.int32_t(d.SiteKeySiteID)
	out.identity_scope = C.int32_t(d.IdentityScope)
	out.identity_type = C.int32_t(d.IdentityType)
	out.advertising_token_version = C.int32_t(d.AdvertisingTokenVersion)
	out.is_client_side_generated = cbool(d.IsClientSideGenerated)
	out.uid_len = C.int32_t(len(d.UID))
	out.established_ms = C.int64_t(d.EstablishedMs)
	out.expiry_ms = C.int64_t(d.ExpiryMs)
	n := len(d.UID)
	if !inPlace(d.UID, uidBuf) {
		out.status = statusBufferTooSmall
		n = 0
	}
	if !external {
		out.uid[n] = 0 // the inline buffer always has room for the NUL
	} else {
		out.uid[0] = 0 // uid2.h: out->uid is left empty
		if n < cap(uidBuf) {
			uidBuf[:n+1][n] = 0
		}
	}
	return out.status
}

//export uid2go_decrypt
func uid2go_decrypt(h C.uint64_t, tok *C.char, tokLen C.size_t, domain *C.char, domainLen C.size_t,
	nowMs C.int64_t, out *C.uid2_decryption_result, uidBuf *C.char, uidCap C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	switch {
	case out == nil:
		return invalid("out is NULL")
	case (tok == nil && tokLen > 0) || (domain == nil && domainLen > 0):
		return invalid("a NULL token or domain with a non-zero length")
	case tokLen > maxLen || domainLen > maxLen:
		return invalid("token or domain length is too large")
	}
	e := lookup(h)
	if e == nil {
		return noHandle() // uid2.c writes the failed result
	}
	var ub []byte
	if uidBuf != nil {
		ub = unsafe.Slice((*byte)(unsafe.Pointer(uidBuf)), int(capacity(uidCap)))[:0]
		if uidCap == 0 {
			ub = []byte{}
		}
	}
	return decryptInto(e, gostr(tok, tokLen), gostr(domain, domainLen), int64(nowMs), out, ub)
}

//export uid2go_decrypt_batch
func uid2go_decrypt_batch(h C.uint64_t, toks *C.char, offsets *C.int32_t, count C.size_t,
	domain *C.char, domainLen C.size_t, nowMs C.int64_t, results *C.uid2_decryption_result) (status C.int32_t) {
	defer recoverInto(&status, guard())
	if count == 0 {
		if lookup(h) == nil {
			return noHandle()
		}
		return C.UID2_STATUS_SUCCESS
	}
	switch {
	case toks == nil || offsets == nil || results == nil || (domain == nil && domainLen > 0):
		return invalid("a NULL tokens, offsets or results, or a NULL domain with a non-zero length")
	case count > maxLen-1 || domainLen > maxLen:
		return invalid("count or domain length is too large")
	}
	offs := unsafe.Slice((*int32)(unsafe.Pointer(offsets)), int(count)+1)
	if !validOffsets(offs) {
		return invalid("offsets must start at 0 or more and never decrease")
	}
	e := lookup(h)
	if e == nil {
		return noHandle()
	}
	res := unsafe.Slice(results, int(count))
	all := unsafe.Slice((*byte)(unsafe.Pointer(toks)), int(offs[count]))
	d := gostr(domain, domainLen)
	now := int64(nowMs)
	if now == 0 {
		// One clock reading for the whole batch.
		now = time.Now().UnixMilli()
	}
	decryptRange := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			decryptInto(e, unsafe.String(unsafe.SliceData(all[offs[i]:]), int(offs[i+1]-offs[i])), d, now, &res[i], nil)
		}
	}
	// Large batches are shared among the cores: decrypts are independent
	// and read one immutable key set.
	workers := min(runtime.GOMAXPROCS(0), len(res)/minPerWorker)
	if workers <= 1 {
		decryptRange(0, len(res))
		return C.UID2_STATUS_SUCCESS
	}
	var wg sync.WaitGroup
	var panicked atomic.Bool
	chunk := (len(res) + workers - 1) / workers
	for lo := 0; lo < len(res); lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			// A panic here would escape the export's recover; a fault on
			// the caller's memory must panic here too.
			debug.SetPanicOnFault(true)
			defer func() {
				if recover() != nil {
					panicked.Store(true)
				}
			}()
			decryptRange(lo, hi)
		}(lo, min(lo+chunk, len(res)))
	}
	wg.Wait()
	if panicked.Load() {
		setError("internal error (please report): panic in a batch worker")
		return statusInternalError
	}
	return C.UID2_STATUS_SUCCESS
}

// minPerWorker is the smallest share of a batch worth a goroutine: below
// it, handing work over costs more than it saves.
const minPerWorker = 128

func validOffsets(offs []int32) bool {
	if offs[0] < 0 {
		return false
	}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			return false
		}
	}
	return true
}

// encryptInto encrypts one raw UID into dst (a caller buffer viewed as an
// empty slice), returning the status and the token's length.
func encryptInto(s *uid2.SharingClient, dst []byte, raw string, nowMs, keysetID int64, nonces *[uid2.NonceSize]byte) (C.int32_t, int) {
	var out []byte
	var st uid2.Status
	if nonces != nil {
		out, st = s.EncryptAppendWithNoncesInsecureForTests(dst, raw, nowMs, keysetID, *nonces)
	} else {
		out, st = s.EncryptAppend(dst, raw, nowMs, keysetID)
	}
	if st != uid2.Success {
		return C.int32_t(st), 0
	}
	if !inPlace(out, dst) {
		return statusBufferTooSmall, len(out)
	}
	return C.UID2_STATUS_SUCCESS, len(out)
}

// sharingClient finds the sharing client an encrypt needs. (Encrypt, like
// decrypt, leaves the thread's error message alone when it succeeds or
// returns a token status: those are the calls a hot loop makes.)
func sharingClient(h C.uint64_t) (*uid2.SharingClient, C.int32_t) {
	e := lookup(h)
	switch {
	case e == nil:
		return nil, noHandle()
	case e.sharing == nil:
		setError("this call needs a sharing client, not a bidstream client")
		return nil, statusWrongClientType
	}
	return e.sharing, C.UID2_STATUS_SUCCESS
}

func encryptOne(h C.uint64_t, raw *C.char, rawLen C.size_t, nowMs, keysetID C.int64_t,
	nonces *[uid2.NonceSize]byte, out *C.char, outCap C.size_t, outLen *C.size_t) C.int32_t {
	switch {
	case outLen == nil:
		return invalid("out_len is NULL")
	case (raw == nil && rawLen > 0) || (out == nil && outCap > 0):
		return invalid("a NULL raw UID or output buffer with a non-zero length")
	case rawLen > maxLen:
		return invalid("raw UID length is too large")
	}
	*outLen = 0
	sc, st := sharingClient(h)
	if st != C.UID2_STATUS_SUCCESS {
		return st
	}
	outCap = capacity(outCap)
	dst := cbuf(out, outCap)
	st, n := encryptInto(sc, dst, gostr(raw, rawLen), int64(nowMs), int64(keysetID), nonces)
	*outLen = C.size_t(n)
	if st == C.UID2_STATUS_SUCCESS && n < int(outCap) {
		dst[:n+1][n] = 0
	}
	return st
}

//export uid2go_encrypt
func uid2go_encrypt(h C.uint64_t, raw *C.char, rawLen C.size_t, nowMs, keysetID C.int64_t,
	out *C.char, outCap C.size_t, outLen *C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	return encryptOne(h, raw, rawLen, nowMs, keysetID, nil, out, outCap, outLen)
}

//export uid2go_encrypt_with_nonces_insecure_for_tests
func uid2go_encrypt_with_nonces_insecure_for_tests(h C.uint64_t, raw *C.char, rawLen C.size_t, nowMs, keysetID C.int64_t,
	nonces *C.uint8_t, out *C.char, outCap C.size_t, outLen *C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	if nonces == nil {
		return invalid("nonces is NULL")
	}
	n := *(*[uid2.NonceSize]byte)(unsafe.Pointer(nonces))
	return encryptOne(h, raw, rawLen, nowMs, keysetID, &n, out, outCap, outLen)
}

//export uid2go_encrypt_batch
func uid2go_encrypt_batch(h C.uint64_t, raws *C.char, offsets *C.int32_t, count C.size_t, nowMs, keysetID C.int64_t,
	out *C.char, outCap C.size_t, outOffsets *C.int32_t, statuses *C.int32_t, outNeeded *C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	switch {
	case outNeeded == nil || (count > 0 && (raws == nil || offsets == nil || outOffsets == nil || statuses == nil)) ||
		(out == nil && outCap > 0):
		return invalid("a NULL out_needed, raw UIDs, offsets, out_offsets or statuses, or a NULL output buffer with a non-zero capacity")
	case count > maxLen-1:
		return invalid("count is too large")
	}
	*outNeeded = 0
	sc, st := sharingClient(h)
	if st != C.UID2_STATUS_SUCCESS {
		return st
	}
	if count == 0 {
		if outOffsets != nil {
			*outOffsets = 0 // out_offsets has count+1 entries, even now
		}
		return C.UID2_STATUS_SUCCESS
	}
	offs := unsafe.Slice((*int32)(unsafe.Pointer(offsets)), int(count)+1)
	if !validOffsets(offs) {
		return invalid("offsets must start at 0 or more and never decrease")
	}
	// A capacity that suffices: each raw UID of n characters decodes to at
	// most 3n/4 bytes.
	needed := 0
	for i := 0; i < int(count); i++ {
		needed += token.V4TextLen(int(offs[i+1]-offs[i]) * 3 / 4)
	}
	// Checked before the capacity: no buffer would do.
	if needed > maxLen {
		return invalid("the tokens would not fit in 2 GiB: split the batch")
	}
	*outNeeded = C.size_t(needed)
	if int(capacity(outCap)) < needed {
		return statusBufferTooSmall
	}
	all := unsafe.Slice((*byte)(unsafe.Pointer(raws)), int(offs[count]))
	buf := unsafe.Slice((*byte)(unsafe.Pointer(out)), int(capacity(outCap)))
	oo := unsafe.Slice((*int32)(unsafe.Pointer(outOffsets)), int(count)+1)
	sts := unsafe.Slice((*int32)(unsafe.Pointer(statuses)), int(count))
	now := int64(nowMs)
	if now == 0 {
		now = time.Now().UnixMilli()
	}
	pos := 0
	oo[0] = 0
	for i := range sts {
		raw := unsafe.String(unsafe.SliceData(all[offs[i]:]), int(offs[i+1]-offs[i]))
		st, n := encryptInto(sc, buf[pos:pos], raw, now, int64(keysetID), nil)
		sts[i] = int32(st)
		if st == C.UID2_STATUS_SUCCESS {
			pos += n
		}
		oo[i+1] = int32(pos)
	}
	return C.UID2_STATUS_SUCCESS
}

// waitContext bounds a wait: timeoutMs 0 means "do not wait".
func waitContext(timeoutMs C.uint32_t) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
}

//export uid2go_wait_for_keys
func uid2go_wait_for_keys(h C.uint64_t, timeoutMs C.uint32_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	ctx, cancel := waitContext(timeoutMs)
	defer cancel()
	err := e.client.WaitForKeys(ctx)
	switch {
	case err == nil:
		return C.UID2_STATUS_SUCCESS
	case errors.Is(err, uid2.ErrClosed):
		setError("invalid handle: the client was freed while waiting for keys")
		return statusInvalidHandle
	}
	msg := fmt.Sprintf("no keys after %d ms", uint32(timeoutMs))
	if last := e.client.RefreshState().LastError; last != "" {
		msg += "; last refresh failed: " + last
	}
	setError(msg)
	return statusTimedOut
}

//export uid2go_refresh_event_wait
func uid2go_refresh_event_wait(h C.uint64_t, afterSeq C.uint64_t, timeoutMs C.uint32_t, out *C.uid2_refresh_event,
	msgBuf *C.char, msgCap C.size_t, msgLen *C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	e, ok := live(h)
	switch {
	case !ok:
		return statusInvalidHandle
	case out == nil:
		return invalid("out is NULL")
	case msgBuf == nil && msgCap > 0:
		return invalid("msg_buf is NULL with a non-zero msg_cap")
	}
	ctx, cancel := waitContext(timeoutMs)
	defer cancel()
	ev, err := e.client.WaitRefreshEvent(ctx, uint64(afterSeq))
	switch {
	case errors.Is(err, uid2.ErrClosed):
		setError("invalid handle: the client was freed while waiting for a refresh event")
		return statusInvalidHandle
	case err != nil:
		setError(fmt.Sprintf("no refresh attempt after #%d within %d ms", uint64(afterSeq), uint32(timeoutMs)))
		return statusTimedOut
	}
	*out = C.uid2_refresh_event{
		seq:                  C.uint64_t(ev.Seq),
		time_ms:              unixMs(ev.Time),
		success:              cbool(ev.Success),
		automatic:            cbool(ev.Automatic),
		key_count:            C.int32_t(ev.KeyCount),
		consecutive_failures: C.int32_t(ev.ConsecutiveFailures),
	}
	copyText(msgBuf, msgCap, ev.Message)
	if msgLen != nil {
		*msgLen = C.size_t(len(ev.Message))
	}
	return C.UID2_STATUS_SUCCESS
}

// copyText copies s into a caller buffer as uid2_last_error_message does:
// truncated to cap-1 bytes and NUL-terminated; nothing when cap is 0.
func copyText(buf *C.char, n C.size_t, s string) {
	if buf == nil || n == 0 {
		return
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(capacity(n)))
	k := copy(dst[:len(dst)-1], s)
	dst[k] = 0
}

// bytesArg views caller bytes for the duration of a call.
func bytesArg(p unsafe.Pointer, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), int(n))
}

//export uid2go_encrypt_data
func uid2go_encrypt_data(h C.uint64_t, req *C.uid2_encrypt_data_request, out *C.char, outCap C.size_t, outLen *C.size_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	switch {
	case req == nil || outLen == nil:
		return invalid("request or out_len is NULL")
	case out == nil && outCap > 0:
		return invalid("out is NULL with a non-zero out_cap")
	case (req.data == nil && req.data_len > 0) || (req.advertising_token == nil && req.advertising_token_len > 0) ||
		(req.iv == nil && req.iv_len > 0):
		return invalid("a NULL data, advertising_token or iv with a non-zero length")
	case req.data_len > maxLen || req.advertising_token_len > maxLen:
		return invalid("data or advertising_token length is too large")
	case req.iv_len != 0 && req.iv_len != 12:
		return invalid("iv_len must be 0 (a random IV) or 12")
	}
	*outLen = 0
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	r := uid2.EncryptionDataRequest{
		Data:             bytesArg(unsafe.Pointer(req.data), req.data_len),
		SiteID:           int32(req.site_id),
		AdvertisingToken: gostr(req.advertising_token, req.advertising_token_len),
		KeyID:            int64(req.key_id),
		IV:               bytesArg(unsafe.Pointer(req.iv), req.iv_len),
	}
	outCap = capacity(outCap)
	dst := cbuf(out, outCap)
	text, st, err := e.client.EncryptDataAppend(dst, &r, int64(req.now_ms))
	if err != nil {
		return invalid(err.Error())
	}
	if st != uid2.Success {
		return C.int32_t(st)
	}
	*outLen = C.size_t(len(text))
	if !inPlace(text, dst) {
		return statusBufferTooSmall
	}
	if len(text) < int(outCap) {
		dst[:len(text)+1][len(text)] = 0
	}
	return C.UID2_STATUS_SUCCESS
}

//export uid2go_decrypt_data
func uid2go_decrypt_data(h C.uint64_t, enc *C.char, encLen C.size_t, out *C.uint8_t, outCap C.size_t, outLen *C.size_t,
	encryptedAtMs *C.int64_t, siteID *C.int32_t) (status C.int32_t) {
	defer recoverInto(&status, guard())
	// uid2.c has zeroed the outputs.
	switch {
	case outLen == nil:
		return invalid("out_len is NULL")
	case (enc == nil && encLen > 0) || (out == nil && outCap > 0):
		return invalid("a NULL encrypted or out with a non-zero length")
	case encLen > maxLen:
		return invalid("encrypted_len is too large")
	}
	e, ok := live(h)
	if !ok {
		return statusInvalidHandle
	}
	dst := cbuf((*C.char)(unsafe.Pointer(out)), capacity(outCap))
	d := e.client.DecryptDataAppend(dst, gostr(enc, encLen), 0)
	if d.Status != uid2.Success {
		return C.int32_t(d.Status)
	}
	*outLen = C.size_t(len(d.Data))
	if encryptedAtMs != nil {
		*encryptedAtMs = C.int64_t(d.EncryptedAtMs)
	}
	if siteID != nil {
		*siteID = C.int32_t(d.SiteID)
	}
	if !inPlace(d.Data, dst) {
		return statusBufferTooSmall
	}
	return C.UID2_STATUS_SUCCESS
}
