package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/identitymap"
	"github.com/libuid2/libuid2/go/normalize"
)

const mapUsage = `uid2 map maps a file of emails, phone numbers or their hashes to raw UID2s
with the identity map v3 endpoint of a UID2 service, streaming.

Usage:
  uid2 map --url URL [CREDENTIALS] [--in FILE] [--out FILE] [flags]
  uid2 map --refresh --url URL [CREDENTIALS] --in PREVIOUS_OUTPUT --out FILE [--now TIME]

Each row gets raw_uid, previous_raw_uid (the raw UID before the last salt
rotation, for 90 days after it), refresh_from (RFC 3339, when to map the
row again) or, when it has no raw UID, unmapped: the reason ("optout",
"invalid identifier", "invalid email", "invalid phone", "invalid hash",
"invalid CSV …", …). Rows keep their order and their other columns or
fields; a bad row gets its reason and the run goes on.

Input: CSV (a header row, unless the first row holds an email, a phone
number or a hash) or JSON lines (one object a line). The format comes
from --format, else the name (.csv, .jsonl, .ndjson, .json), else the
first byte ('{' is JSON lines). The output has the input's format.
The identity is the column or field --column, else the first one named
email, phone, email_hash, phone_hash or identity (any case, '-' or '_');
in a CSV file without a header, column --column (a number, default 1).
Its kind is --kind, else the column's name, else (identity, or a column
without a kind's name) each value's: an email if it has an '@', a phone
number if it starts with '+'; hashes need --kind or a named column.
Hashes are base64 of SHA-256 (44 characters) or 64 hex digits.

--refresh reads a previous output and re-maps only the rows whose
refresh_from is due (at or before --now); the others are copied as they
are, and so are unmapped rows.

Resuming: with --out FILE, the rows are written in order and FILE.checkpoint
records how many are safely on disk; run the same command again after an
interruption and it resumes after them (the input must be unchanged).
The checkpoint is removed when the run completes; an existing FILE without
one is a finished output and is not overwritten.

Progress goes to standard error when it is a terminal. A failing request
is tried 5 times, then the run stops with exit status 1, resumable.

CREDENTIALS: $UID2_API_KEY and $UID2_SECRET, or --credentials FILE (JSON
with "api_key" and "secret", readable by you only), as for the other
commands; the API key needs the mapper role.
`

// mapOpts are uid2 map's settings; fingerprint covers those that decide
// the output, so that a resume with others is refused.
type mapOpts struct {
	url, in, out, format, column, kindName, now string
	noHeader, refresh, progress                 bool
	batch, inFlight                             int
}

func (o *mapOpts) fingerprint() string {
	return fmt.Sprintf("format=%s column=%s kind=%s no-header=%v refresh=%v now=%s", o.format, o.column, o.kindName, o.noHeader, o.refresh, o.now)
}

func mapCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("map", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mapUsage, "\nFlags:\n"); fs.PrintDefaults() }
	var o mapOpts
	var creds keyFlags
	fs.StringVar(&o.url, "url", "", "base URL of the UID2 service (required)")
	creds.registerCredentials(fs)
	fs.StringVar(&o.in, "in", "-", "input file (- for standard input)")
	fs.StringVar(&o.out, "out", "-", "output file (- for standard output, which cannot resume)")
	fs.StringVar(&o.format, "format", "", "csv or jsonl (default: from the input's name, else its first byte)")
	fs.StringVar(&o.column, "column", "", "the identity's column or field (CSV without a header: its number)")
	fs.StringVar(&o.kindName, "kind", "", "email, phone, email-hash, phone-hash or auto (default: from the column's name, else auto)")
	fs.BoolVar(&o.noHeader, "no-header", false, "the CSV file has no header row")
	fs.BoolVar(&o.refresh, "refresh", false, "re-map only the rows of a previous output whose refresh_from is due")
	fs.StringVar(&o.now, "now", "", "with --refresh: the time to compare refresh_from with, RFC 3339 or Unix epoch ms (default now)")
	fs.IntVar(&o.batch, "batch", identitymap.MaxChunk, "rows per request (1 to 5000)")
	fs.IntVar(&o.inFlight, "in-flight", identitymap.DefaultMaxInFlight, "requests in flight at most (1 to 20)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q (the input is --in FILE)", fs.Arg(0))
	}
	if o.url == "" {
		return usageError("--url is needed")
	}
	if o.batch < 1 || o.batch > identitymap.MaxChunk || o.inFlight < 1 || o.inFlight > 20 {
		return usageError("--batch is 1 to %d and --in-flight 1 to 20", identitymap.MaxChunk)
	}
	k, kindSet := kindAuto, o.kindName != ""
	if kindSet {
		var ok bool
		if k, ok = parseKind(o.kindName); !ok {
			return usageError("--kind is email, phone, email-hash, phone-hash or auto, not %q", o.kindName)
		}
	}
	nowMs, err := parseNow(o.now)
	if err != nil {
		return err
	}
	if o.now != "" && !o.refresh {
		return usageError("--now goes with --refresh")
	}
	now := time.Now()
	if nowMs != 0 {
		now = time.UnixMilli(nowMs)
	}
	apiKey, secret, err := creds.credentials(stderr)
	if err != nil {
		return err
	}
	if apiKey == "" || secret == "" {
		return usageError("an API key and a secret are needed: $%s and $%s, or --credentials FILE", apiKeyEnv, secretEnv)
	}
	client, err := identitymap.NewClient(o.url, apiKey, secret)
	if err != nil {
		return err
	}

	in, inName, err := openMapInput(o.in, stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 256<<10)
	if o.format == "" {
		o.format = detectFormat(inName, br)
	}
	var rows rowReader
	var header []string
	var newWriter func(io.Writer) rowWriter
	switch o.format {
	case "csv":
		c, err := newCSVRows(br, o.column, k, kindSet, o.noHeader)
		if err != nil {
			return err
		}
		rows, header = c, c.header
		newWriter = func(w io.Writer) rowWriter { return c.writer(w) }
	case "jsonl":
		rows = newJSONRows(br, o.column, k, kindSet)
		newWriter = func(w io.Writer) rowWriter { return &jsonOut{w: bufio.NewWriterSize(w, 64<<10)} }
	default:
		return usageError("--format is csv or jsonl, not %q", o.format)
	}

	o.progress = isTerminal(stderr)
	out, err := openMapOutput(&o, in, stdout, stderr)
	if err != nil {
		return err
	}
	defer out.close()
	w := newWriter(out)
	if out.done == 0 && header != nil {
		if err := w.(*csvOut).writeHeader(header); err != nil {
			return err
		}
	}
	for i := int64(0); i < out.done; i++ { // resuming: skip the finished rows
		if _, err := rows.next(); err != nil {
			return fmt.Errorf("resuming: the input has fewer rows than the checkpoint's %d: %v", out.done, err)
		}
	}
	m := &mapper{client: client, opts: &o, now: now, rows: rows, w: w, out: out, stderr: stderr}
	if o.progress {
		m.size = inputSize(in)
	}
	return m.run()
}

// openMapInput opens --in; its name serves format detection.
func openMapInput(path string, stdin io.Reader) (io.ReadCloser, string, error) {
	if path == "-" {
		return io.NopCloser(stdin), "", nil
	}
	f, err := os.Open(path)
	return f, path, err
}

func inputSize(in io.Reader) int64 {
	if f, ok := in.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			return info.Size()
		}
	}
	return 0
}

// detectFormat: the name's extension, else the first byte that is not
// white space ('{' is JSON lines).
func detectFormat(name string, br *bufio.Reader) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".jsonl", ".ndjson", ".json":
		return "jsonl"
	}
	for n := 1; n <= 4096; n++ {
		b, err := br.Peek(n)
		if len(b) < n || err != nil {
			break
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n', 0xef, 0xbb, 0xbf: // and a UTF-8 byte order mark
			continue
		case '{':
			return "jsonl"
		}
		break
	}
	return "csv"
}

// prepare decides what becomes of a row: copied as it is (not due, or
// bad: its reason in result), or sent as its hash.
func (m *mapper) prepare(r *row) {
	if r.keep {
		return
	}
	if m.opts.refresh && !due(r.prev.refreshFrom, m.now) {
		r.keep, r.result = true, r.prev
		return
	}
	r.result = result{}
	value := strings.TrimSpace(r.value)
	if value == "" {
		r.keep, r.result.unmapped = true, "no identity"
		return
	}
	k := r.kind
	if k == kindAuto {
		switch {
		case strings.Contains(value, "@"):
			k = kindEmail
		case strings.HasPrefix(value, "+"):
			k = kindPhone
		default:
			r.keep, r.result.unmapped = true, "neither an email nor a phone number (hashes need --kind)"
			return
		}
	}
	r.kind = k
	var err error
	switch k {
	case kindEmail:
		var b [320]byte
		h, ok := normalize.AppendEmailHash(b[:0], value)
		if !ok {
			err = errors.New("invalid email")
		}
		r.hash = string(h)
	case kindPhone:
		if r.hash, err = normalize.PhoneHash(value); err != nil {
			err = errors.New("invalid phone")
		}
	default:
		if r.hash, err = normalize.HashInput(value); err != nil {
			err = errors.New("invalid hash")
		}
	}
	if err != nil {
		r.keep, r.hash, r.result.unmapped = true, "", err.Error()
	}
}

// due: a refresh_from at or before now, or one that cannot be read (a
// map again does no harm); none (an unmapped row) is never due.
func due(refreshFrom string, now time.Time) bool {
	if refreshFrom == "" {
		return false
	}
	t, err := time.Parse(time.RFC3339, refreshFrom)
	return err != nil || !t.After(now)
}

// checkpointFile is what FILE.checkpoint holds: the rows done and the
// output's length then, for the settings and the input given.
type checkpointFile struct {
	Settings string `json:"settings"`
	Input    string `json:"input"` // the input's path, size and mtime
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
}

// mapOutput is the output: a file with a checkpoint, or standard output.
type mapOutput struct {
	io.Writer
	file       *os.File
	checkpoint string
	state      checkpointFile
	written    int64 // bytes
	done       int64 // rows already in the output when it was opened
}

func (o *mapOutput) Write(p []byte) (int, error) {
	n, err := o.Writer.Write(p)
	o.written += int64(n)
	return n, err
}

func (o *mapOutput) close() {
	if o.file != nil {
		_ = o.file.Close()
	}
}

func inputIdentity(path string, in io.Reader) string {
	if f, ok := in.(*os.File); ok {
		if info, err := f.Stat(); err == nil {
			abs, _ := filepath.Abs(path)
			return fmt.Sprintf("%s size=%d mtime=%d", abs, info.Size(), info.ModTime().UnixNano())
		}
	}
	return "standard input"
}

// openMapOutput opens --out: resuming after its checkpoint's rows, or new.
func openMapOutput(o *mapOpts, in io.Reader, stdout, stderr io.Writer) (*mapOutput, error) {
	if o.out == "-" {
		return &mapOutput{Writer: stdout}, nil
	}
	if f, ok := in.(*os.File); ok {
		a, errA := f.Stat()
		b, errB := os.Stat(o.out)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return nil, usageError("--out is the input file; write to another")
		}
	}
	want := checkpointFile{Settings: o.fingerprint(), Input: inputIdentity(o.in, in)}
	cp := o.out + ".checkpoint"
	data, err := os.ReadFile(cp)
	switch {
	case err == nil:
		var have checkpointFile
		if json.Unmarshal(data, &have) != nil || have.Settings != want.Settings || have.Input != want.Input {
			return nil, usageError("%s is the checkpoint of a run with another input or other settings (%s); remove it and %s to start again", cp, have.Settings, o.out)
		}
		f, err := os.OpenFile(o.out, os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		if err := f.Truncate(have.Bytes); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.Seek(have.Bytes, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		fmt.Fprintf(stderr, "uid2 map: resuming %s after %d rows\n", o.out, have.Rows)
		return &mapOutput{Writer: f, file: f, checkpoint: cp, state: have, written: have.Bytes, done: have.Rows}, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, usageError("%s exists and has no checkpoint (a finished run): remove it or write elsewhere", o.out)
	}
	if err != nil {
		return nil, err
	}
	out := &mapOutput{Writer: f, file: f, checkpoint: cp, state: want}
	if err := out.save(0); err != nil {
		f.Close()
		return nil, err
	}
	return out, nil
}

// save makes what was written durable, then records it: rows done and
// the output's length. A crash between the two leaves the older
// checkpoint, and a resume cuts the output back to its length.
func (o *mapOutput) save(rows int64) error {
	if o.file == nil {
		return nil
	}
	if err := o.file.Sync(); err != nil {
		return err
	}
	o.state.Rows, o.state.Bytes = rows, o.written
	data, _ := json.Marshal(o.state)
	tmp := o.checkpoint + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, o.checkpoint)
}

// finish: the output is whole; without its checkpoint it is a finished run.
func (o *mapOutput) finish() error {
	if o.file == nil {
		return nil
	}
	if err := o.file.Sync(); err != nil {
		return err
	}
	return os.Remove(o.checkpoint)
}

// mapBatch is a run of rows mapped together; done closes when its rows
// have their results (or err).
type mapBatch struct {
	rows []*row
	end  int64 // input offset after its last row
	done chan struct{}
	err  error
}

type mapper struct {
	client *identitymap.Client
	opts   *mapOpts
	now    time.Time
	rows   rowReader
	w      rowWriter
	out    *mapOutput
	stderr io.Writer
	size   int64 // the input's size, for progress; 0 if unknown

	counts struct{ rows, mapped, unmapped int64 }
}

// run streams: a reader fills batches, opts.inFlight workers map them, and
// the writer writes them in order. At most 2 × inFlight batches are held
// at once, whatever the file's size.
func (m *mapper) run() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ordered := make(chan *mapBatch, m.opts.inFlight)
	work := make(chan *mapBatch, m.opts.inFlight)
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		readErr <- m.read(ctx, ordered, work)
	}()
	for range m.opts.inFlight {
		go func() {
			for b := range work {
				b.err = m.mapRows(ctx, b.rows)
				close(b.done)
			}
		}()
	}
	start, last := time.Now(), time.Time{}
	rows := m.out.done
	for b := range ordered {
		<-b.done
		if b.err != nil {
			cancel()
			return refusedError{fmt.Sprintf("%v; %d rows are done: run the same command again to resume", b.err, rows)}
		}
		for _, r := range b.rows {
			if err := m.w.write(r); err != nil {
				return err
			}
			m.count(r)
		}
		if err := m.w.flush(); err != nil {
			return err
		}
		rows += int64(len(b.rows))
		if err := m.out.save(rows); err != nil {
			return err
		}
		if m.opts.progress && time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			m.showProgress(rows, b.end, start)
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	if err := m.w.flush(); err != nil {
		return err
	}
	if err := m.out.finish(); err != nil {
		return err
	}
	if m.opts.progress {
		m.showProgress(rows, m.size, start)
		fmt.Fprintf(m.stderr, "\nuid2 map: %d rows: %d mapped, %d without a raw UID\n", m.counts.rows, m.counts.mapped, m.counts.unmapped)
	}
	return nil
}

func (m *mapper) count(r *row) {
	m.counts.rows++
	if r.result.rawUID != "" {
		m.counts.mapped++
	} else {
		m.counts.unmapped++
	}
}

func (m *mapper) showProgress(rows, offset int64, start time.Time) {
	rate := float64(m.counts.rows) / max(time.Since(start).Seconds(), 1e-3)
	line := fmt.Sprintf("\ruid2 map: %d rows, %.0f rows/s", rows, rate)
	if m.size > 0 {
		line += fmt.Sprintf(", %.0f%% of the input", 100*float64(min(offset, m.size))/float64(m.size))
	}
	fmt.Fprint(m.stderr, line+"\x1b[K")
}

// read cuts the input into batches of opts.batch rows.
func (m *mapper) read(ctx context.Context, ordered, work chan<- *mapBatch) error {
	for {
		b := &mapBatch{done: make(chan struct{})}
		var err error
		for len(b.rows) < m.opts.batch {
			var r *row
			if r, err = m.rows.next(); err != nil {
				break
			}
			b.rows = append(b.rows, r)
		}
		b.end = m.rows.offset()
		if len(b.rows) > 0 {
			select {
			case ordered <- b:
			case <-ctx.Done():
				return nil
			}
			select {
			case work <- b:
			case <-ctx.Done():
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// mapRows maps a batch's rows: emails and email hashes in one request,
// phones and phone hashes in another (a hash could be of either), each
// tried up to 5 times.
func (m *mapper) mapRows(ctx context.Context, rows []*row) error {
	var emails, phones *identitymap.Input
	for _, r := range rows {
		m.prepare(r)
		switch {
		case r.keep:
		case r.kind == kindEmail || r.kind == kindEmailHash:
			emails = addHash(emails, r.hash, (*identitymap.Input).WithHashedEmail)
		default:
			phones = addHash(phones, r.hash, (*identitymap.Input).WithHashedPhone)
		}
	}
	var byEmail, byPhone *identitymap.Response
	var err error
	if byEmail, err = m.mapRetrying(ctx, emails); err != nil {
		return err
	}
	if byPhone, err = m.mapRetrying(ctx, phones); err != nil {
		return err
	}
	for _, r := range rows {
		if r.keep {
			continue
		}
		resp := byEmail
		if r.kind == kindPhone || r.kind == kindPhoneHash {
			resp = byPhone
		}
		if mapped, ok := resp.Mapped[r.hash]; ok {
			r.result = result{rawUID: mapped.CurrentRawUID, previousUID: mapped.PreviousRawUID, refreshFrom: mapped.RefreshFrom.UTC().Format(time.RFC3339)}
		} else if u, ok := resp.Unmapped[r.hash]; ok {
			r.result.unmapped = u.RawReason
		} else {
			return fmt.Errorf("identity map: no result for a row")
		}
	}
	return nil
}

func addHash(in *identitymap.Input, hash string, add func(*identitymap.Input, string) *identitymap.Input) *identitymap.Input {
	if in == nil {
		in = new(identitymap.Input)
	}
	return add(in, hash)
}

// mapRetrying maps in, trying again after 0.5, 1, 2 and 4 s on a failure
// that may pass (not a 4xx but 429).
func (m *mapper) mapRetrying(ctx context.Context, in *identitymap.Input) (*identitymap.Response, error) {
	if in == nil {
		return &identitymap.Response{}, nil
	}
	wait := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := m.client.GenerateIdentityMap(ctx, in)
		if err == nil {
			return resp, nil
		}
		var httpErr *identitymap.HTTPError
		final := errors.As(err, &httpErr) && httpErr.StatusCode >= 400 && httpErr.StatusCode < 500 && httpErr.StatusCode != 429
		if final || attempt == 5 || ctx.Err() != nil {
			return nil, err
		}
		fmt.Fprintf(m.stderr, "uid2 map: %v; trying again in %v\n", err, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait *= 2
	}
}
