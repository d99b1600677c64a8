package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/personal"
	"anju/internal/store"
)

func init() {
	register(command{
		name:    "backup",
		summary: "write the database, its data key and a manifest to one archive, while serving",
		usage: `Usage: anju backup --out FILE [--db DSN] [--data-keys K | --data-key-file F]

Writes FILE, a gzip'ed tar holding a consistent copy of the database taken
while servers keep running (SQLite: VACUUM INTO; PostgreSQL: pg_dump
--format=custom in one snapshot, of the search_path schema when the DSN names
one; pg_dump must be at least the server's major version), the data key
(from --data-keys or the key file 'anju serve' uses) and manifest.json
(versions, case count, audit heads, size and SHA-256 of every member). FILE is
created 0600, appears only when complete, and is never overwritten. It holds
the key: keep it as safe as the key itself. Restore with 'anju restore'.`,
		run: runBackup,
	})
	register(command{
		name:    "restore",
		summary: "restore an 'anju backup' archive into an empty database and verify it",
		usage: `Usage: anju restore --in FILE [--db DSN] [--data-key-file PATH] [--force]

Checks every member of FILE against its manifest before writing anything,
then restores the database (SQLite: the file at --db, 0600; PostgreSQL:
pg_restore in one transaction, into the schema the backup was taken from,
which --db's search_path must name if it names one) and writes the data key
to --data-key-file (default: where 'anju serve' looks for it), 0600. It
refuses a non-empty target database or an existing key file unless --force
(with --force, stop every server on the target first). Finally it verifies
the audit chains, their heads and the case count against the manifest.`,
		run: runRestore,
	})
}

const backupFormat = 1

// Members of a backup archive.
const (
	memberSQLite   = "anju.db"
	memberPGDump   = "anju.pgdump"
	memberKey      = "data.key"
	memberManifest = "manifest.json"
)

type backupManifest struct {
	Format        int       `json:"format"`
	Engine        string    `json:"engine"`
	AnjuVersion   string    `json:"anju_version"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int64     `json:"schema_version"`
	PGSchema      string    `json:"pg_schema,omitempty"`
	Cases         int64     `json:"cases"`
	// AuditHead is the head of the legacy audit chain, closed by
	// migration 00039; a backup of an older version names it alone, and a
	// database restored from it has no city chain (AuditHeads) either.
	AuditHead  audit.Head            `json:"audit_head"`
	AuditHeads map[string]audit.Head `json:"audit_heads,omitempty"` // each city's chain's
	KeyIDs     []string              `json:"key_ids"`
	Members    []backupMember        `json:"members"`
}

type backupMember struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// engineOf is store.EngineOf with a usage error for a DSN it refuses.
func engineOf(dsn string) (string, error) {
	engine, err := store.EngineOf(dsn)
	if err != nil {
		return "", usageError("%s", anju.ErrorMessage(err))
	}
	return engine, nil
}

func runBackup(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("backup", env)
	af := addAppFlags(fs, env)
	out := fs.String("out", "", "archive to write")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *out == "" {
		return usageError("backup: give --out FILE")
	}
	engine, err := engineOf(*af.db)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(*out); err == nil {
		return usageError("backup: %s exists; give another --out", *out)
	}
	keys, err := loadKeys(env, af, false)
	if err != nil {
		return err
	}
	if keys == nil {
		return fmt.Errorf("backup: no data key in %s: without it the personal data in the backup cannot be read; give --data-key-file", keyFilePath(af))
	}
	keyText, err := backupKeyText(af)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(*out), ".anju-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)

	m := backupManifest{Format: backupFormat, Engine: engine, AnjuVersion: version(), CreatedAt: time.Now().UTC(), KeyIDs: keys.KeyIDs()}
	var dbMember, dbPath string
	switch engine {
	case "sqlite":
		dbMember, dbPath = memberSQLite, filepath.Join(work, memberSQLite)
		err = sqliteSnapshot(ctx, strings.TrimPrefix(*af.db, "sqlite:"), dbPath, &m)
	case "postgres":
		dbMember, dbPath = memberPGDump, filepath.Join(work, memberPGDump)
		err = pgDump(ctx, *af.db, dbPath, &m)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	keyPath := filepath.Join(work, memberKey)
	if err := os.WriteFile(keyPath, []byte(keyText), 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := writeArchive(*out, &m, []string{dbMember, memberKey}, work); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backup of %d cases (audit: legacy chain to entry %d; city chains: %d) written to %s: %d bytes\n",
		m.Cases, m.AuditHead.Seq, len(m.AuditHeads), *out, fi.Size())
	return nil
}

// backupKeyText is the keyring as configured, in the key-file format.
func backupKeyText(af appFlags) (string, error) {
	if *af.keys != "" {
		return strings.TrimSpace(*af.keys) + "\n", nil
	}
	b, err := readKeyFile(keyFilePath(af))
	return string(b), err
}

// snapshotStats fills the manifest's counts from a consistent view.
func snapshotStats(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, m *backupManifest) error {
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&m.Cases); err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&m.AuditHead.Seq, &m.AuditHead.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&m.SchemaVersion); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	// A database not yet migrated by this version (backed up before its
	// first start) has the legacy chain alone.
	var cityChains bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM goose_db_version WHERE version_id = 39 AND is_applied)`).Scan(&cityChains); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if !cityChains {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT city, seq, hash FROM audit_heads`)
	if err != nil {
		return fmt.Errorf("audit heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var city string
		var h audit.Head
		if err := rows.Scan(&city, &h.Seq, &h.Hash); err != nil {
			return fmt.Errorf("audit heads: %w", err)
		}
		if m.AuditHeads == nil {
			m.AuditHeads = map[string]audit.Head{}
		}
		m.AuditHeads[city] = h
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit heads: %w", err)
	}
	return nil
}

// auditHeadsDiffer names the first audit chain whose head in got is not
// want's, "" when every one matches.
func auditHeadsDiffer(got, want *backupManifest) string {
	if got.AuditHead != want.AuditHead {
		return fmt.Sprintf("the legacy audit chain ends at entry %d; the manifest says %d", got.AuditHead.Seq, want.AuditHead.Seq)
	}
	cities := slices.Sorted(maps.Keys(got.AuditHeads))
	for city := range want.AuditHeads {
		if _, ok := got.AuditHeads[city]; !ok {
			cities = append(cities, city)
		}
	}
	slices.Sort(cities)
	for _, city := range cities {
		g, inGot := got.AuditHeads[city]
		w, inWant := want.AuditHeads[city]
		switch {
		case !inGot:
			return fmt.Sprintf("the audit chain of city %q is missing; the manifest says it ends at entry %d", city, w.Seq)
		case !inWant:
			return fmt.Sprintf("the audit chain of city %q ends at entry %d; the manifest has no such chain", city, g.Seq)
		case g != w:
			return fmt.Sprintf("the audit chain of city %q ends at entry %d; the manifest says %d", city, g.Seq, w.Seq)
		}
	}
	return ""
}

// sqliteSnapshot copies the live database with VACUUM INTO, a read
// transaction that servers writing in WAL mode do not wait for, and reads
// the manifest's counts from the copy, so that they describe it exactly.
func sqliteSnapshot(ctx context.Context, src, dst string, m *backupManifest) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	db.Close()
	snap, err := sql.Open("sqlite", "file:"+dst)
	if err != nil {
		return err
	}
	defer snap.Close()
	return snapshotStats(ctx, snap, m)
}

// pgConn splits a DSN into what libpq's tools accept: the URL without the
// password (passed in PGPASSWORD, out of the process list) and without
// search_path (a pgx setting libpq rejects), which is returned as the schema.
func pgConn(dsn string) (connURL, password, schema string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", "", usageError("bad postgres DSN: %v", err)
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	schema = q.Get("search_path")
	if strings.Contains(schema, ",") {
		return "", "", "", usageError("backup and restore need one schema in search_path, not %q", schema)
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), password, schema, nil
}

var pgToolMajor = regexp.MustCompile(`\) (\d+)`)

// pgTool finds a PostgreSQL client program whose major version is at least
// the server's: older ones refuse newer servers or miss their objects.
func pgTool(name string, serverMajor int) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found on PATH: install the PostgreSQL %d client tools (postgresql-client)", name, serverMajor)
	}
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", name, err)
	}
	mm := pgToolMajor.FindSubmatch(out)
	if mm == nil {
		return "", fmt.Errorf("%s --version: unexpected output %q", name, strings.TrimSpace(string(out)))
	}
	if major, _ := strconv.Atoi(string(mm[1])); major < serverMajor {
		return "", fmt.Errorf("%s is version %d, older than the server (%d): install the PostgreSQL %d client tools", name, major, serverMajor, serverMajor)
	}
	return path, nil
}

func pgServerMajor(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var num int
	if err := q.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		return 0, err
	}
	return num / 10000, nil
}

// pgDump runs pg_dump in a snapshot exported from a repeatable-read
// transaction that also reads the manifest's counts, so that the dump and
// the counts are the same instant while servers keep writing.
func pgDump(ctx context.Context, dsn, dst string, m *backupManifest) error {
	connURL, password, schema, err := pgConn(dsn)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	major, err := pgServerMajor(ctx, tx)
	if err != nil {
		return err
	}
	tool, err := pgTool("pg_dump", major)
	if err != nil {
		return err
	}
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return err
	}
	if err := snapshotStats(ctx, tx, m); err != nil {
		return err
	}
	m.PGSchema = schema
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--snapshot=" + snapshot, "--file=" + dst}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	return runPGTool(ctx, tool, password, append(args, "--dbname="+connURL))
}

func runPGTool(ctx context.Context, tool, password string, args []string) error {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // the last line says what failed
		}
		return fmt.Errorf("%s: %v: %s", filepath.Base(tool), err, msg)
	}
	return nil
}

// writeArchive writes the members from dir and then the manifest (their
// sizes and hashes) as a gzip'ed tar, through a 0600 temporary file renamed
// to out only once complete and synced.
func writeArchive(out string, m *backupManifest, members []string, dir string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	gz, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, name := range members {
		src, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		fi, err := src.Stat()
		if err != nil {
			src.Close()
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
			src.Close()
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(tw, h), src)
		src.Close()
		if err != nil {
			return err
		}
		m.Members = append(m.Members, backupMember{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: memberManifest, Mode: 0o600, Size: int64(len(mb)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(mb); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}

// errDamaged marks an archive that cannot be trusted; restore says so in one
// line and writes nothing.
type errDamaged struct{ msg string }

func (e errDamaged) Error() string { return e.msg }

// readArchive extracts an archive's members into dir, checking each against
// the manifest, and returns the manifest. Any mismatch, unknown, missing or
// repeated member, or a gzip/tar error is errDamaged.
func readArchive(in, dir string) (*backupManifest, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	damaged := func(format string, args ...any) error {
		return errDamaged{fmt.Sprintf("%s is damaged or not an Anju backup: %s", in, fmt.Sprintf(format, args...))}
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, damaged("%v", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]backupMember{}
	var mb []byte
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, damaged("%v", err)
		}
		name := hdr.Name
		switch name {
		case memberSQLite, memberPGDump, memberKey, memberManifest:
		default:
			return nil, damaged("unexpected member %q", name)
		}
		if _, dup := got[name]; dup || (name == memberManifest && mb != nil) {
			return nil, damaged("member %q appears twice", name)
		}
		if name == memberManifest {
			if mb, err = io.ReadAll(io.LimitReader(tr, 1<<20)); err != nil {
				return nil, damaged("%v", err)
			}
			continue
		}
		dst, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(dst, h), tr)
		if err == nil {
			err = dst.Sync()
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if isWriteErr(err) {
				return nil, err
			}
			return nil, damaged("%v", err)
		}
		got[name] = backupMember{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	// The tar ends before gzip's trailer: read on, so that its CRC is checked.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, damaged("%v", err)
	}
	if mb == nil {
		return nil, damaged("no %s", memberManifest)
	}
	var m backupManifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, damaged("%s: %v", memberManifest, err)
	}
	if m.Format != backupFormat {
		return nil, damaged("format %d; this anju reads format %d", m.Format, backupFormat)
	}
	if len(m.Members) != len(got) {
		return nil, damaged("the manifest lists %d members, the archive holds %d", len(m.Members), len(got))
	}
	for _, want := range m.Members {
		if g, ok := got[want.Name]; !ok {
			return nil, damaged("member %q missing", want.Name)
		} else if g != want {
			return nil, damaged("member %q does not match its checksum in the manifest", want.Name)
		}
	}
	dbMember := map[string]string{"sqlite": memberSQLite, "postgres": memberPGDump}[m.Engine]
	if _, ok := got[dbMember]; !ok || dbMember == "" {
		return nil, damaged("no database for engine %q", m.Engine)
	}
	if _, ok := got[memberKey]; !ok {
		return nil, damaged("no %s", memberKey)
	}
	return &m, nil
}

// isWriteErr tells a failure to write the extracted file (disk full) from
// one reading the archive.
func isWriteErr(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && (pe.Op == "write" || pe.Op == "sync" || pe.Op == "close")
}

func runRestore(ctx context.Context, env *cliEnv, args []string) error {
	flags := newFlags("restore", env)
	db := dbFlag(flags, env)
	keyFile := flags.String("data-key-file", env.getenv("ANJU_DATA_KEY_FILE"), "where to write the data key (default: where 'anju serve' reads it)")
	in := flags.String("in", "", "archive written by 'anju backup'")
	force := flags.Bool("force", false, "replace a non-empty database and an existing key file")
	if err := parseArgs(flags, args, false); err != nil {
		return err
	}
	if *in == "" {
		return usageError("restore: give --in FILE")
	}
	engine, err := engineOf(*db)
	if err != nil {
		return err
	}
	keyPath := *keyFile
	if keyPath == "" {
		keyPath = defaultKeyFile(*db)
	}
	// Refuse before reading a byte of the archive.
	if _, err := os.Lstat(keyPath); err == nil && !*force {
		return fmt.Errorf("restore: key file %s exists; move it away or give --force", keyPath)
	}
	var pgURL, pgPassword, pgSchema string
	switch engine {
	case "sqlite":
		p := strings.TrimPrefix(*db, "sqlite:")
		if fi, err := os.Stat(p); err == nil && fi.Size() > 0 && !*force {
			return fmt.Errorf("restore: database %s exists; restore into an empty one or give --force", p)
		}
	case "postgres":
		if pgURL, pgPassword, pgSchema, err = pgConn(*db); err != nil {
			return err
		}
		if nonEmpty, err := pgHasCases(ctx, *db); err != nil {
			return fmt.Errorf("restore: %w", err)
		} else if nonEmpty && !*force {
			return fmt.Errorf("restore: the target database already holds Anju tables; restore into an empty one or give --force")
		}
	}

	// Members are extracted beside an SQLite target when its directory
	// exists, so that the database is renamed into place rather than copied;
	// a damaged archive leaves nothing there either way.
	workParent := ""
	if engine == "sqlite" {
		if d := filepath.Dir(strings.TrimPrefix(*db, "sqlite:")); isDir(d) {
			workParent = d
		}
	}
	work, err := os.MkdirTemp(workParent, ".anju-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	m, err := readArchive(*in, work)
	if err != nil {
		if errors.As(err, new(errDamaged)) {
			return exitError{code: 1, msg: "restore: " + err.Error()}
		}
		return fmt.Errorf("restore: %w", err)
	}
	if m.Engine != engine {
		return usageError("restore: %s holds a %s database; --db is %s", *in, m.Engine, engine)
	}
	if engine == "postgres" && pgSchema != m.PGSchema {
		return usageError("restore: the backup holds schema %q; give --db with search_path=%s (restore recreates that schema)", m.PGSchema, m.PGSchema)
	}
	keyText, err := os.ReadFile(filepath.Join(work, memberKey))
	if err != nil {
		return err
	}
	keys, err := personal.ParseKeyring(strings.TrimSpace(string(keyText)))
	if err != nil {
		return fmt.Errorf("restore: the archive's key: %s", anju.ErrorMessage(err))
	}

	// Both files are written beside their targets and renamed into place
	// last, so that a failure leaves neither half-written.
	keyTmp, err := writeTemp(keyPath, filepath.Join(work, memberKey))
	if err != nil {
		return fmt.Errorf("restore: key file: %w", err)
	}
	defer os.Remove(keyTmp)
	switch engine {
	case "sqlite":
		p := strings.TrimPrefix(*db, "sqlite:")
		dbTmp, err := writeTemp(p, filepath.Join(work, memberSQLite))
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer os.Remove(dbTmp)
		// A stale write-ahead log beside the old file would be replayed
		// into the restored one.
		for _, ext := range []string{"-wal", "-shm"} {
			if err := os.Remove(p + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("restore: %w", err)
			}
		}
		if err := os.Rename(dbTmp, p); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	case "postgres":
		sdb, err := sql.Open("pgx", *db)
		if err != nil {
			return err
		}
		major, err := pgServerMajor(ctx, sdb)
		sdb.Close()
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		tool, err := pgTool("pg_restore", major)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		// --clean drops what it is about to create: with --force the old
		// tables, and otherwise at most an empty schema of the same name.
		args := []string{"--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--clean", "--if-exists"}
		args = append(args, "--dbname="+pgURL, filepath.Join(work, memberPGDump))
		if err := runPGTool(ctx, tool, pgPassword, args); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(keyTmp, keyPath); err != nil {
		return fmt.Errorf("restore: key file: %w", err)
	}

	sdb, err := store.Open(ctx, *db, store.Options{Keys: keys})
	if err != nil {
		return fmt.Errorf("restore: open the restored database: %w", err)
	}
	defer sdb.Close()
	n, err := sdb.VerifyAudit(ctx)
	if err != nil {
		return exitError{code: 1, msg: "restore: audit chain of the restored database broken: " + oneLine(err.Error())}
	}
	var got backupManifest
	if err := snapshotStats(ctx, sdb.SQL(), &got); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if got.Cases != m.Cases {
		return exitError{code: 1, msg: fmt.Sprintf("restore: the restored database holds %d cases; the manifest says %d", got.Cases, m.Cases)}
	}
	if d := auditHeadsDiffer(&got, m); d != "" {
		return exitError{code: 1, msg: "restore: in the restored database " + d}
	}
	fmt.Fprintf(env.stdout, "restored the %s backup of %s: %d cases, audit chain intact (%d entries); data key %s in %s\n",
		m.Engine, m.CreatedAt.Format(time.RFC3339), m.Cases, n, strings.Join(keys.KeyIDs(), ","), keyPath)
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// writeTemp moves or copies src (a synced 0600 file) to a new 0600 file
// beside target, creating target's directory 0700, and returns its name.
func writeTemp(target, src string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return "", err
	}
	if os.Rename(src, f.Name()) == nil {
		f.Close()
		return f.Name(), nil
	}
	in, err := os.Open(src)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	defer in.Close()
	_, err = io.Copy(f, in)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// pgHasCases reports whether the DSN's schema already holds Anju's tables.
func pgHasCases(ctx context.Context, dsn string) (bool, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var name sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('cases')::text`).Scan(&name); err != nil {
		return false, err
	}
	return name.Valid, nil
}
