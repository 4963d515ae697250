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
)

// Store keeps the state in one JSON file in a data directory, replaced
// atomically on every change: the new state goes to a temporary file in the
// same directory, is synced, renamed over the old file, and the directory
// is synced. A crash or kill at any point leaves either the old state or the
// new one, never a mix, and a change is reported done only once it is on
// disk. An embedded database would give the same guarantee at the cost of a
// dependency; the state is small (kilobytes for a laptop's worth of sites)
// and changes are rare (admin actions, a rotation per keyset per key
// lifetime), so rewriting it whole is cheap.
type Store struct {
	dir  string
	lock *os.File // holds an exclusive flock while the store is open
}

const (
	stateFile = "state.json"
	lockFile  = "lock"
	tmpPrefix = ".state-"
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
		case name == stateFile || name == lockFile:
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
func (st *Store) Close() error { return st.lock.Close() }

// Load reads the saved state; it returns nil and no error when nothing has
// been saved yet.
func (st *Store) Load() (*State, error) {
	f, err := os.Open(filepath.Join(st.dir, stateFile))
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
		return nil, fmt.Errorf("%s: %v", filepath.Join(st.dir, stateFile), err)
	}
	return s, nil
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

// Save replaces the saved state with s.
func (st *Store) Save(s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(st.dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(st.dir, stateFile))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(st.dir)
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
