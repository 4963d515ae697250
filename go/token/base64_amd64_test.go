//go:build amd64 && !purego

package token

import "golang.org/x/sys/cpu"

func init() {
	if !cpu.X86.HasAVX2 {
		return // the vector path cannot run here: test the portable one only
	}
	setVector = func(on bool) bool {
		was := useAVX2
		useAVX2 = on
		return was
	}
}
