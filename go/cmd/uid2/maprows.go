package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/libuid2/libuid2/go/normalize"
)

// The rows of "uid2 map": read from a CSV or JSON-lines file, written back
// with the columns (CSV) or fields (JSON) below added, or replaced when
// the input already has them (the output of an earlier run, for --refresh).

// Output columns, in this order.
const (
	colRawUID      = "raw_uid"
	colPreviousUID = "previous_raw_uid"
	colRefreshFrom = "refresh_from"
	colUnmapped    = "unmapped"
)

var outputColumns = []string{colRawUID, colPreviousUID, colRefreshFrom, colUnmapped}

// kind is what an identity value is.
type kind int

const (
	kindAuto kind = iota // an email if it has an '@', a phone number if it starts with '+'
	kindEmail
	kindPhone
	kindEmailHash
	kindPhoneHash
)

// kindNames are the names a column or field of each kind is found by, and
// the --kind values (with '-' for '_').
var kindNames = []struct {
	name string
	kind kind
}{{"email", kindEmail}, {"phone", kindPhone}, {"email_hash", kindEmailHash}, {"phone_hash", kindPhoneHash}, {"identity", kindAuto}}

func parseKind(s string) (kind, bool) {
	s = strings.ReplaceAll(strings.ToLower(s), "-", "_")
	if s == "auto" {
		return kindAuto, true
	}
	for _, k := range kindNames {
		if k.name == s {
			return k.kind, true
		}
	}
	return 0, false
}

// kindOfName is the kind a column named name holds, if it is one of
// kindNames (any case, '-' or '_').
func kindOfName(name string) (kind, bool) {
	k, ok := parseKind(strings.TrimSpace(name))
	return k, ok && strings.ToLower(strings.TrimSpace(name)) != "auto"
}

func (k kind) String() string {
	for _, n := range kindNames {
		if n.kind == k {
			return n.name
		}
	}
	return "identity"
}

// result is what a row gets: a mapping or the reason it has none.
type result struct {
	rawUID, previousUID, refreshFrom, unmapped string
}

// row is one input row on its way to the output.
type row struct {
	// CSV: the row's fields. JSON: the object's fields but the output
	// ones, in their order; text is a line that is not a JSON object.
	fields []string
	pairs  []jsonPair
	text   string
	// notObject: a JSON line that is not an object, written back as the
	// string text in "input".
	notObject bool

	value  string // the identity as found
	kind   kind
	hash   string // what is sent: the base64 hash
	prev   result // the output fields the row already had
	keep   bool   // --refresh: not due, copied as it is
	result result
}

type jsonPair struct {
	key   string
	value json.RawMessage
}

// rowReader reads rows; its errors end the run (an unreadable file), a
// bad row is a row with its reason in result.unmapped.
type rowReader interface {
	next() (*row, error) // io.EOF at the end
	offset() int64       // input bytes consumed
}

type rowWriter interface {
	write(*row) error
	flush() error
}

// csvRows reads CSV: a header row unless the first row holds an identity
// (or --no-header), then one row per record.
type csvRows struct {
	r      *csv.Reader
	col    int // the identity's column
	kind   kind
	out    [4]int // the output columns' indexes
	width  int    // the header's width, output columns included
	header []string
	// pending is a first row that is data, not a header.
	pending []string
}

func newCSVRows(in io.Reader, column string, k kind, kindSet, noHeader bool) (*csvRows, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	c := &csvRows{r: r, kind: k}
	first, err := r.Read()
	if err == io.EOF {
		// An empty file: its output is a header of the output columns.
		c.header = append([]string{"identity"}, outputColumns...)
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the first row: %w", err)
	}
	if noHeader || holdsIdentity(first) {
		c.col = 0
		if column != "" {
			if _, err := fmt.Sscanf(column, "%d", &c.col); err != nil || c.col < 1 || fmt.Sprint(c.col) != column {
				return nil, usageError("without a header row, --column is a column's number from 1, not %q", column)
			}
			c.col--
		}
		c.header = make([]string, len(first))
		for i := range c.header {
			c.header[i] = fmt.Sprintf("column%d", i+1)
		}
		if c.col >= len(c.header) {
			return nil, usageError("the first row has %d columns, not %d", len(first), c.col+1)
		}
		c.header[c.col] = k.String()
		c.pending = first
	} else {
		// A byte order mark (spreadsheets write one) is not part of the first name.
		first[0] = strings.TrimPrefix(first[0], "\ufeff")
		c.header = first
		if c.col, c.kind, err = pickColumn(first, column, k, kindSet); err != nil {
			return nil, err
		}
	}
	for i, name := range outputColumns {
		c.out[i] = -1
		for j, h := range c.header {
			if strings.TrimSpace(h) == name {
				c.out[i] = j
			}
		}
		if c.out[i] < 0 {
			c.out[i] = len(c.header)
			c.header = append(c.header, name)
		}
	}
	c.width = len(c.header)
	return c, nil
}

// holdsIdentity reports whether a row has a field that is an email, a
// phone number or a hash: then it is data, not a header.
func holdsIdentity(fields []string) bool {
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if _, err := normalize.Email(f); err == nil {
			return true
		}
		if _, err := normalize.HashInput(f); err == nil || normalize.IsPhoneNormalized(f) {
			return true
		}
	}
	return false
}

// pickColumn finds the identity's column in a header: --column by name,
// else the first named as a kind (email, phone, email_hash, phone_hash,
// identity). The kind is --kind, else the column name's.
func pickColumn(header []string, column string, k kind, kindSet bool) (int, kind, error) {
	for i, h := range header {
		h = strings.TrimSpace(h)
		named, isKind := kindOfName(h)
		if (column != "" && strings.EqualFold(h, column)) || (column == "" && isKind) {
			if !kindSet && isKind {
				k = named
			}
			return i, k, nil
		}
	}
	if column != "" {
		return 0, 0, usageError("no column %q in the header row", column)
	}
	return 0, 0, usageError("no column named email, phone, email_hash, phone_hash or identity in the header row: give --column")
}

func (c *csvRows) offset() int64 { return c.r.InputOffset() }

func (c *csvRows) next() (*row, error) {
	fields := c.pending
	c.pending = nil
	if fields == nil {
		var err error
		fields, err = c.r.Read()
		if err == io.EOF {
			return nil, err
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) && !errors.Is(err, csv.ErrFieldCount) {
			// The line and column, never the text: it is personal data.
			return &row{fields: make([]string, c.width), result: result{unmapped: fmt.Sprintf("invalid CSV (line %d, column %d): %v", perr.Line, perr.Column, perr.Err)}, keep: true}, nil
		}
		if err != nil && fields == nil {
			return nil, err
		}
	}
	r := &row{kind: c.kind}
	if len(fields) < c.width {
		fields = append(fields, make([]string, c.width-len(fields))...)
	}
	r.fields = fields
	if c.col < len(fields) {
		r.value = fields[c.col]
	}
	r.prev = result{fields[c.out[0]], fields[c.out[1]], fields[c.out[2]], fields[c.out[3]]}
	return r, nil
}

type csvOut struct {
	w   *csv.Writer
	out [4]int
}

func (c *csvRows) writer(w io.Writer) *csvOut {
	return &csvOut{w: csv.NewWriter(w), out: c.out}
}

func (o *csvOut) writeHeader(header []string) error { return o.w.Write(header) }

func (o *csvOut) write(r *row) error {
	res := r.result
	for i, v := range []string{res.rawUID, res.previousUID, res.refreshFrom, res.unmapped} {
		r.fields[o.out[i]] = v
	}
	return o.w.Write(r.fields)
}

func (o *csvOut) flush() error { o.w.Flush(); return o.w.Error() }

// jsonRows reads JSON lines: one object a line (blank lines are skipped).
// The identity is the field --column, else the first field named as a
// kind; each line is looked at on its own, so a file may mix them.
type jsonRows struct {
	r       *bufio.Reader
	read    int64
	column  string
	kind    kind
	kindSet bool
	line    []byte
}

func newJSONRows(in io.Reader, column string, k kind, kindSet bool) *jsonRows {
	return &jsonRows{r: bufio.NewReaderSize(in, 64<<10), column: column, kind: k, kindSet: kindSet}
}

func (j *jsonRows) offset() int64 { return j.read }

func (j *jsonRows) next() (*row, error) {
	for {
		line, tooLong, err := j.readLine()
		if err != nil {
			return nil, err
		}
		if tooLong {
			return &row{notObject: true, keep: true, result: result{unmapped: errLineTooLong}}, nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return j.parse(line), nil
	}
}

// readLine reads one line, without its end; a line over maxLine is
// skipped whole and reported as tooLong.
func (j *jsonRows) readLine() (line []byte, tooLong bool, err error) {
	j.line = j.line[:0]
	for {
		chunk, err := j.r.ReadSlice('\n')
		j.read += int64(len(chunk))
		if !tooLong && len(j.line)+len(chunk) > maxLine+2 {
			tooLong, j.line = true, j.line[:0]
		}
		if !tooLong {
			j.line = append(j.line, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(j.line) == 0 && !tooLong:
			return nil, false, io.EOF
		case err != nil && err != io.EOF:
			return nil, false, err
		}
		return bytes.TrimRight(j.line, "\r\n"), tooLong, nil
	}
}

// parse reads one object's fields in their order.
func (j *jsonRows) parse(line []byte) *row {
	r := &row{kind: j.kind}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return &row{text: string(line), notObject: true, keep: true, result: result{unmapped: "not a JSON object"}}
	}
	found := false
	for d.More() {
		t, err := d.Token()
		key, _ := t.(string)
		var value json.RawMessage
		if err == nil {
			err = d.Decode(&value)
		}
		if err != nil {
			return &row{text: string(line), notObject: true, keep: true, result: result{unmapped: "not a JSON object"}}
		}
		if i := outputIndex(key); i >= 0 {
			var s string
			_ = json.Unmarshal(value, &s)
			*r.prev.field(i) = s
			continue
		}
		r.pairs = append(r.pairs, jsonPair{key, value})
		named, isKind := kindOfName(key)
		if !found && ((j.column != "" && key == j.column) || (j.column == "" && isKind)) {
			found = true
			if !j.kindSet && isKind {
				r.kind = named
			}
			if err := json.Unmarshal(value, &r.value); err != nil {
				r.keep, r.result.unmapped = true, fmt.Sprintf("%s is not a string", key)
			}
		}
	}
	if _, err := d.Token(); err != nil || d.More() {
		return &row{text: string(line), notObject: true, keep: true, result: result{unmapped: "not a JSON object"}}
	}
	if _, err := d.Token(); err != io.EOF {
		return &row{text: string(line), notObject: true, keep: true, result: result{unmapped: "not a JSON object"}}
	}
	if !found && !r.keep {
		r.keep, r.result.unmapped = true, "no identity field"
		if j.column != "" {
			r.result.unmapped = "no field " + j.column
		}
	}
	return r
}

func outputIndex(key string) int {
	for i, c := range outputColumns {
		if c == key {
			return i
		}
	}
	return -1
}

func (r *result) field(i int) *string {
	return [...]*string{&r.rawUID, &r.previousUID, &r.refreshFrom, &r.unmapped}[i]
}

type jsonOut struct {
	w   *bufio.Writer
	buf []byte
}

// write writes the object's fields as they came, then the output fields:
// raw_uid, previous_raw_uid (null without one) and refresh_from for a
// mapped row, unmapped for another. A line that was not an object is
// kept as a string in "input".
func (o *jsonOut) write(r *row) error {
	b := append(o.buf[:0], '{')
	if r.notObject {
		b = append(b, `"input":`...)
		b = appendJSONString(b, r.text)
		b = append(b, ',')
	}
	for _, p := range r.pairs {
		b = appendJSONString(b, p.key)
		b = append(b, ':')
		b = append(b, p.value...)
		b = append(b, ',')
	}
	res := r.result
	if res.rawUID != "" {
		b = append(b, `"raw_uid":`...)
		b = appendJSONString(b, res.rawUID)
		b = append(b, `,"previous_raw_uid":`...)
		if res.previousUID == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, res.previousUID)
		}
		b = append(b, `,"refresh_from":`...)
		b = appendJSONString(b, res.refreshFrom)
	} else {
		b = append(b, `"unmapped":`...)
		b = appendJSONString(b, res.unmapped)
	}
	b = append(b, '}', '\n')
	o.buf = b
	_, err := o.w.Write(b)
	return err
}

func (o *jsonOut) flush() error { return o.w.Flush() }

// appendJSONString appends s as a JSON string: as it is between quotes
// when it needs no escape (hashes, raw UIDs, times, most keys).
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var w bytes.Buffer
	e := json.NewEncoder(&w)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	return append(b, bytes.TrimSuffix(w.Bytes(), []byte("\n"))...)
}
