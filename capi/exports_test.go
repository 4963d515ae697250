package main

import (
	"syscall"
	"testing"
)

var sink byte // keeps the wild read below from being optimised away

// Every export defers recoverInto; a panic of any kind, including a
// runtime fault, must become INTERNAL_ERROR, and the next call must work.
// (No export can be made to panic on purpose: a trigger cannot ship in the
// ABI.)
func TestPanicsBecomeInternalError(t *testing.T) {
	// A page that faults on any access, far from address 0: Go recovers
	// only faults in the first page unless guard() asks it to.
	page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(page)
	for name, f := range map[string]func(){
		"wild pointer":    func() { sink = page[100] },
		"panic":           func() { panic("boom") },
		"nil map write":   func() { var m map[string]int; m["x"] = 1 },
		"nil dereference": func() { var e *entry; _ = e.client },
		"index":           func() { var s []int; _ = s[3] },
	} {
		status := func() (status int32) {
			defer recoverInto(&status, guard())
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
