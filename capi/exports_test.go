package main

import "testing"

// Every export defers recoverInto; a panic of any kind, including a
// runtime fault, must become INTERNAL_ERROR, and the next call must work.
// (No export can be made to panic on purpose: a trigger cannot ship in the
// ABI.)
func TestPanicsBecomeInternalError(t *testing.T) {
	for name, f := range map[string]func(){
		"panic":           func() { panic("boom") },
		"nil map write":   func() { var m map[string]int; m["x"] = 1 },
		"nil dereference": func() { var e *entry; _ = e.client },
		"index":           func() { var s []int; _ = s[3] },
	} {
		status := func() (status int32) {
			defer recoverInto(&status)
			f()
			return 0
		}()
		if status != statusInternalError {
			t.Errorf("%s: status %d, want INTERNAL_ERROR", name, status)
		}
	}
	if n := uid2go_client_count(); n != 0 {
		t.Errorf("client count %d after panics", n)
	}
}
