package vectorgen

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFilesAreCurrent fails when tests/vectors differs from what the
// generator writes: regenerate with `go run ./cmd/uid2-vectorgen` and
// review the change.
func TestFilesAreCurrent(t *testing.T) {
	files := Files()
	for _, name := range FileNames() {
		want, err := Encode(files[name])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("../../../tests/vectors", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run `go run ./cmd/uid2-vectorgen` in go/", name)
		}
	}
}

func TestDataFilesAreCurrent(t *testing.T) {
	files := DataFiles()
	for _, name := range DataFileNames() {
		want, err := EncodeData(files[name])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("../../../tests/vectors", DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s/%s is stale: run `go run ./cmd/uid2-vectorgen` in go/", DataDir, name)
		}
	}
}
