package sharing

import (
	"encoding/json"
	"errors"
	"fmt"
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
	tmpPrefix = ".state-"
)

// OpenStore opens (creating it if needed) a data directory and makes it
// readable only by its owner, since the state holds key secrets and client secrets. It
// removes temporary files left by a write that was interrupted.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	// Two services writing one directory would each overwrite the other's
	// changes; the lock goes with the process, however it ends.
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%s is in use by another key service", dir)
	}
	st := &Store{dir: dir, lock: lock}
	entries, err := os.ReadDir(dir)
	if err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tmpPrefix) && err == nil {
				err = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Close releases the directory for another service.
func (st *Store) Close() error { return st.lock.Close() }

// Load reads the saved state; it returns nil and no error when nothing has
// been saved yet.
func (st *Store) Load() (*State, error) {
	data, err := os.ReadFile(filepath.Join(st.dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s is damaged: %v", stateFile, err)
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
