package sharing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
)

// Store keeps the state in an embedded database (bbolt, one file in the
// data directory). Each collection (sites, keys, salt buckets, opt-outs...)
// is a bucket of records keyed by position, and a change writes only the
// records that differ from what was saved last, in one transaction that is
// synced before Save returns: a crash or kill at any point leaves either
// the old state or the new one, and a change is reported done only once it
// is on disk. Rewriting one JSON file whole, as the store first did, cost a
// change 13 ms at 1,500 sites, 145 ms at 100,000 opt-outs and a second at
// the operator's million salt buckets (BenchmarkChangeAtScale); bbolt is
// pure Go, needs no server, and its copy-on-write B+tree gives the atomic,
// durable transactions this needs. SQLite (through a pure-Go driver) would
// too, but at ten times the code for queries the service never asks.
type Store struct {
	dir   string
	lock  *os.File // holds an exclusive flock while the store is open
	db    *bbolt.DB
	saved *State // a copy of what the database holds: the base of the next change
}

const (
	dbFile = "state.db"
	// stateFile is the JSON file of earlier versions, imported once into
	// the database and then renamed to importedFile.
	stateFile    = "state.json"
	importedFile = "state.json.imported"
	lockFile     = "lock"
	tmpPrefix    = ".state-"
)

// OpenStore opens a data directory (see PrepareDir) and removes the
// temporary files left by a write that was interrupted.
func OpenStore(dir string) (*Store, error) {
	if err := PrepareDir(dir); err != nil {
		return nil, err
	}
	// Two services writing one directory would each overwrite the other's
	// changes; the lock goes with the process, however it ends.
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%s is in use by another key service", dir)
	}
	st := &Store{dir: dir, lock: lock}
	entries, err := os.ReadDir(dir)
	for _, e := range entries {
		if err == nil && strings.HasPrefix(e.Name(), tmpPrefix) && ownFile(filepath.Join(dir, e.Name())) {
			err = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if err == nil {
		st.db, err = bbolt.Open(filepath.Join(dir, dbFile), 0o600, &bbolt.Options{Timeout: time.Second})
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// PrepareDir makes sure dir is a data directory this service may use, since
// the state holds key secrets and client secrets and the service writes,
// renames and removes files there: a directory that does not exist yet is
// created readable by its owner only; one that exists must belong to the
// user running the service, be writable by nobody else, and be empty or
// hold a key service's files. It never changes a directory it did not
// create.
func PrepareDir(dir string) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	owner, _ := ownerOf(info)
	switch {
	case !info.IsDir():
		return fmt.Errorf("data directory %s is not a directory", dir)
	case owner != os.Geteuid():
		return fmt.Errorf("data directory %s belongs to user %d, not to the user running the service (%d); use a directory of your own", dir, owner, os.Geteuid())
	case info.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("data directory %s is writable by other users (mode %04o); use a directory only you can write, such as a new one", dir, info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	foreign := ""
	for _, e := range entries {
		switch name := e.Name(); {
		case name == dbFile || name == stateFile || name == importedFile || name == lockFile:
			return nil // a key service's directory
		case name == AdminTokenFile || strings.HasPrefix(name, tmpPrefix):
		default:
			foreign = name
		}
	}
	if foreign != "" {
		return fmt.Errorf("data directory %s holds files that are not a key service's (%q); use an empty or new directory", dir, foreign)
	}
	return nil
}

// AdminTokenFile is where "uid2 serve" keeps a data directory's admin
// token.
const AdminTokenFile = "admin-token"

// ownFile reports whether path is a regular file of the running user.
func ownFile(path string) bool {
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	owner, _ := ownerOf(info)
	return owner == os.Geteuid()
}

func ownerOf(info fs.FileInfo) (int, bool) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), true
	}
	return -1, false
}

// Close releases the directory for another service.
func (st *Store) Close() error {
	var err error
	if st.db != nil {
		err = st.db.Close()
	}
	if lerr := st.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

// Load reads the saved state; it returns nil and no error when nothing has
// been saved yet. A JSON state file of an earlier version is imported into
// the database on the first load and renamed, so it is read once.
func (st *Store) Load() (*State, error) {
	var s *State
	err := st.db.View(func(tx *bbolt.Tx) error {
		var err error
		s, err = readState(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(st.dir, dbFile), err)
	}
	if s == nil {
		s, err = st.importJSON()
	}
	if s != nil {
		st.saved = s.Clone() // the caller may change s before saving it
	}
	return s, err
}

func (st *Store) importJSON() (*State, error) {
	path := filepath.Join(st.dir, stateFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := st.Save(s); err != nil {
		return nil, err
	}
	if err := os.Rename(path, filepath.Join(st.dir, importedFile)); err != nil {
		return nil, err
	}
	return s, syncDir(st.dir)
}

// maxStateFile bounds what Load reads: far above any state people make
// with the admin API, far below what would exhaust memory.
const maxStateFile = 256 << 20

// Parse reads a saved state and checks it (see Validate).
func Parse(data []byte) (*State, error) {
	if len(data) > maxStateFile {
		return nil, fmt.Errorf("larger than %d MiB", maxStateFile>>20)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("damaged: %v", err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("not a valid state: %v", err)
	}
	return &s, nil
}

// Save replaces the saved state with s, writing what differs from the
// state saved last. A failed save changes nothing on disk. s must not be
// changed after a successful Save (the service publishes it as it is):
// the next Save compares with it.
func (st *Store) Save(s *State) error {
	err := st.db.Update(func(tx *bbolt.Tx) error { return writeState(tx, st.saved, s) })
	if err != nil {
		return err
	}
	st.saved = s
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
