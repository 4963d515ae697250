package sharing

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"go.etcd.io/bbolt"
)

// The database's layout: the "meta" bucket holds the format and the head
// (the state without its collections); each collection is a bucket of
// JSON records keyed by their position (4 bytes, big-endian, so that a
// cursor reads them in order).
var (
	metaBucket = []byte("meta")
	formatKey  = []byte("format")
	headKey    = []byte("head")
	format1    = []byte("1")
)

// collection is one slice of the state stored as a bucket.
type collection struct {
	name string
	// write stores next's records that differ from prev's (prev nil: all)
	// and deletes those past next's end.
	write func(b *bbolt.Bucket, prev, next *State) error
	// read appends the bucket's records to s.
	read func(b *bbolt.Bucket, s *State) error
}

// collections lists every slice of State; the head holds the rest.
var collections = []collection{
	records("sites", func(s *State) *[]Site { return &s.Sites }, deepEqual[Site]),
	records("api_keys", func(s *State) *[]APIKey { return &s.APIKeys }, deepEqual[APIKey]),
	records("keys", func(s *State) *[]Key { return &s.Keys }, deepEqual[Key]),
	records("grants", func(s *State) *[]Grant { return &s.Grants }, deepEqual[Grant]),
	records("requests", func(s *State) *[]Request { return &s.Requests }, deepEqual[Request]),
	records("users", func(s *State) *[]User { return &s.Users }, deepEqual[User]),
	records("optouts", func(s *State) *[]OptOut { return &s.OptOuts }, equal[OptOut]),
	records("salt_buckets", saltBuckets, equal[SaltBucket]),
}

// saltBuckets is where a state keeps its salt buckets. Salts are shared
// between a state and its clones until one rotates them (copy on write),
// so records leaves them alone when the pointer is the same.
func saltBuckets(s *State) *[]SaltBucket {
	if s.Salts == nil {
		return new([]SaltBucket)
	}
	return &s.Salts.Buckets
}

func equal[T comparable](a, b *T) bool { return *a == *b }
func deepEqual[T any](a, b *T) bool    { return reflect.DeepEqual(a, b) }
func positionKey(i int) []byte         { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func records[T any](name string, field func(*State) *[]T, same func(a, b *T) bool) collection {
	return collection{
		name: name,
		write: func(b *bbolt.Bucket, prev, next *State) error {
			n := *field(next)
			var p []T
			if prev != nil {
				p = *field(prev)
			}
			if len(p) > 0 && len(n) > 0 && &p[0] == &n[0] && len(p) == len(n) {
				return nil // shared, so unchanged
			}
			b.FillPercent = 0.9 // records are mostly appended
			for i := range n {
				if i < len(p) && same(&p[i], &n[i]) {
					continue
				}
				v, err := json.Marshal(&n[i])
				if err == nil {
					err = b.Put(positionKey(i), v)
				}
				if err != nil {
					return err
				}
			}
			for i := len(n); i < len(p); i++ {
				if err := b.Delete(positionKey(i)); err != nil {
					return err
				}
			}
			return nil
		},
		read: func(b *bbolt.Bucket, s *State) error {
			list := field(s)
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(k) != 4 || int(binary.BigEndian.Uint32(k)) != len(*list) {
					return fmt.Errorf("%s: record %x is out of place", name, k)
				}
				var r T
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("%s: record %d is damaged: %v", name, len(*list), err)
				}
				*list = append(*list, r)
			}
			return nil
		},
	}
}

// head is the state without its collections.
func head(s *State) *State {
	h := *s
	h.Sites, h.APIKeys, h.Keys, h.Grants, h.Requests, h.Users, h.OptOuts = nil, nil, nil, nil, nil, nil, nil
	if s.Salts != nil {
		h.Salts = &Salts{FirstLevel: s.Salts.FirstLevel}
	}
	return &h
}

func writeState(tx *bbolt.Tx, prev, next *State) error {
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	h, err := json.Marshal(head(next))
	if err == nil {
		err = meta.Put(headKey, h)
	}
	if err == nil {
		err = meta.Put(formatKey, format1)
	}
	for _, c := range collections {
		if err != nil {
			return err
		}
		var b *bbolt.Bucket
		if b, err = tx.CreateBucketIfNotExists([]byte(c.name)); err == nil {
			err = c.write(b, prev, next)
		}
	}
	return err
}

// readState reads and checks the state; nil when nothing was saved.
func readState(tx *bbolt.Tx) (*State, error) {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		return nil, nil
	}
	if f := meta.Get(formatKey); string(f) != string(format1) {
		return nil, fmt.Errorf("unknown format %q", f)
	}
	var s State
	if err := json.Unmarshal(meta.Get(headKey), &s); err != nil {
		return nil, fmt.Errorf("damaged: %v", err)
	}
	for _, c := range collections {
		b := tx.Bucket([]byte(c.name))
		if b == nil {
			return nil, errors.New("damaged: the " + c.name + " collection is missing")
		}
		if c.name == "salt_buckets" && s.Salts == nil {
			if b.Stats().KeyN != 0 {
				return nil, errors.New("damaged: salt buckets without salts")
			}
			continue
		}
		if err := c.read(b, &s); err != nil {
			return nil, fmt.Errorf("damaged: %v", err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("not a valid state: %v", err)
	}
	return &s, nil
}
