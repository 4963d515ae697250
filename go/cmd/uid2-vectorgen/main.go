// Command uid2-vectorgen writes the shared test vectors (tests/vectors, and
// the legacy encrypted-data vectors in tests/vectors/encrypted-data) from
// the cases in internal/vectorgen. Run in go/:
//
//	go run ./cmd/uid2-vectorgen -out ../tests/vectors
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libuid2/libuid2/go/internal/vectorgen"
)

func main() {
	out := flag.String("out", "../tests/vectors", "directory to write the vector files to")
	flag.Parse()
	files := vectorgen.Files()
	for _, name := range vectorgen.FileNames() {
		data, err := vectorgen.Encode(files[name])
		if err != nil {
			fmt.Fprintln(os.Stderr, "uid2-vectorgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "uid2-vectorgen:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %d cases\n", name, len(files[name].Cases))
	}
	dataFiles := vectorgen.DataFiles()
	if err := os.MkdirAll(filepath.Join(*out, vectorgen.DataDir), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "uid2-vectorgen:", err)
		os.Exit(1)
	}
	for _, name := range vectorgen.DataFileNames() {
		data, err := vectorgen.EncodeData(dataFiles[name])
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, vectorgen.DataDir, name), data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "uid2-vectorgen:", err)
			os.Exit(1)
		}
		fmt.Printf("%s/%s: %d cases\n", vectorgen.DataDir, name, len(dataFiles[name].Cases))
	}
}
