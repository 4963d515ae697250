//go:build amd64 && !purego

package token

func init() {
	setVector = func(on bool) bool {
		was := useAVX2
		useAVX2 = on
		return was
	}
}
