package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// restoreTarget returns an empty database of dsn's engine to restore into:
// a new SQLite file, or a new PostgreSQL database whose search_path names
// dsn's schema, which restore recreates there.
func restoreTarget(t *testing.T, dsn string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "sqlite:") {
		return "sqlite:" + filepath.Join(t.TempDir(), "restored", "anju.db")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if storetest.CI() {
				t.Fatalf("%s not installed in CI", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	base := storetest.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "anju_restore_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// ackedCase is an intake the server acknowledged, with the reporter sent.
type ackedCase struct {
	id       int64
	reporter personal.Data
}

// TestBackupUnderIntake takes a backup through 'anju backup' while clients
// keep filing cases through the running server's API, restores it into a
// fresh database and finds there every case acknowledged before the backup
// began, an intact audit chain and reporters' personal data readable with
// the restored key.
func TestBackupUnderIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		target := restoreTarget(t, dsn)
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "data.key")
		cmd := startCmd(t, "demo", "--db", dsn, "--data-key-file", keyFile, "--addr", "127.0.0.1:0", "--cases", "50", "--scheduler-interval", "0")
		out, done, cancel := cmd.out, cmd.done, cmd.cancel
		srvURL := waitForURL(t, out, done)
		tok, _, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "operator01")
		if err != nil {
			t.Fatal(err)
		}
		token := finalLine(tok)
		w, err := workloadFromDB(context.Background(), openSQL(t, dsn).db, "330100")
		if err != nil {
			t.Fatal(err)
		}

		client := &http.Client{Timeout: 30 * time.Second}
		defer client.CloseIdleConnections()
		var (
			mu                  sync.Mutex
			before              []ackedCase // acknowledged before the backup began
			during              int
			backupStarted, stop atomic.Bool
			acked               atomic.Int64
			wg                  sync.WaitGroup
			runID               = fmt.Sprint(time.Now().UnixNano())
		)
		for g := range 4 {
			wg.Go(func() {
				rng := mrand.New(mrand.NewPCG(uint64(g), 7))
				for i := 0; !stop.Load(); i++ {
					nc := w.intake(rng)
					body, _ := json.Marshal(nc)
					a := &intakeAttempt{key: fmt.Sprintf("bk-%s-%d-%d", runID, g, i), body: body}
					status, id, resp, err := postCase(client, srvURL, token, a)
					if err != nil || status != http.StatusCreated {
						t.Errorf("intake: %d %v %s", status, err, resp)
						return
					}
					// Read after the answer: false means it came before the
					// backup was started.
					started := backupStarted.Load()
					acked.Add(1)
					mu.Lock()
					if started {
						during++
					} else {
						before = append(before, ackedCase{id, personal.Data{Name: nc.Reporter.Name, Phone: nc.Reporter.Phone}})
					}
					mu.Unlock()
				}
			})
		}
		for acked.Load() < 40 && !t.Failed() {
			time.Sleep(10 * time.Millisecond)
		}
		archive := filepath.Join(dir, "backup.tar.gz")
		backupStarted.Store(true)
		bout, _, berr := runIn(t, "", "backup", "--db", dsn, "--data-key-file", keyFile, "--out", archive)
		stop.Store(true)
		wg.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		if berr != nil {
			t.Fatalf("backup: %v", berr)
		}
		t.Logf("%s; %d intakes acknowledged before it began, %d while it ran", strings.TrimSpace(bout), len(before), during)
		if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("archive: %v %v", fi, err)
		}

		restoredKey := filepath.Join(t.TempDir(), "keys", "data.key")
		rout, _, err := runIn(t, "", "restore", "--in", archive, "--db", target, "--data-key-file", restoredKey)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		if !strings.Contains(rout, "audit chain intact") {
			t.Errorf("restore output: %s", rout)
		}
		modes := map[string]os.FileMode{restoredKey: 0o600}
		if p, ok := strings.CutPrefix(target, "sqlite:"); ok {
			modes[p] = 0o600
		}
		for p, want := range modes {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v %v, want mode %04o", p, fi, err, want)
			}
		}
		if o, _, err := runIn(t, "", "audit", "verify", "--db", target); err != nil || !strings.HasPrefix(o, "audit chain intact") {
			t.Fatalf("audit verify of the restored database: %v %s", err, o)
		}

		kb, err := os.ReadFile(restoredKey)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := personal.ParseKeyring(strings.TrimSpace(string(kb)))
		if err != nil {
			t.Fatal(err)
		}
		rdb, err := store.Open(context.Background(), target, store.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		system := anju.SystemActor("backup-test")
		unmasked := 0
		for _, c := range before {
			if _, err := rdb.GetCase(context.Background(), system, c.id); err != nil {
				t.Errorf("case %d, acknowledged before the backup, not restored: %v", c.id, err)
				continue
			}
			if c.reporter.Name == "" || unmasked >= 5 {
				continue
			}
			d, err := rdb.UnmaskReporter(context.Background(), system, c.id, "backup test")
			if err != nil || d.Name != c.reporter.Name || d.Phone != c.reporter.Phone {
				t.Errorf("reporter of restored case %d: %+v %v, want %+v", c.id, d, err, c.reporter)
			}
			unmasked++
		}
		if unmasked == 0 {
			t.Error("no restored case with a reporter to unmask")
		}

		// The target now holds data and the key file exists: a second
		// restore is refused.
		if _, _, err := runIn(t, "", "restore", "--in", archive, "--db", target, "--data-key-file", filepath.Join(t.TempDir(), "k")); err == nil ||
			!strings.Contains(err.Error(), "--force") {
			t.Errorf("restore over a restored database: %v", err)
		}
		if _, _, err := runIn(t, "", "backup", "--db", dsn, "--data-key-file", keyFile, "--out", archive); exitCode(err) != 2 {
			t.Errorf("backup over an existing file: %v", err)
		}
	})
}

// TestRestoreDamaged refuses archives that were altered, in the compressed
// stream (one byte flipped) or behind an intact gzip checksum (a member that
// no longer matches the manifest), with one line and without writing the
// database or the key file.
func TestRestoreDamaged(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "anju.db")
	if _, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "20"); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "b.tar.gz")
	if _, _, err := runIn(t, "", "backup", "--db", dsn, "--out", archive); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40

	// Same members, one byte of the database changed, gzip'ed again: only
	// the manifest's checksum can tell.
	var rewritten bytes.Buffer
	zr, err := gzip.NewReader(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	zw := gzip.NewWriter(&rewritten)
	tw := tar.NewWriter(zw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if hdr.Name == memberSQLite {
			b[len(b)-100] ^= 1
		}
		tw.WriteHeader(hdr)
		tw.Write(b)
	}
	tw.Close()
	zw.Close()

	for name, data := range map[string][]byte{"flipped byte": flipped, "member changed": rewritten.Bytes(), "truncated": good[:len(good)-50]} {
		bad := filepath.Join(t.TempDir(), "bad.tar.gz")
		os.WriteFile(bad, data, 0o600)
		tdir := filepath.Join(t.TempDir(), "target")
		_, _, err := runIn(t, "", "restore", "--in", bad, "--db", "sqlite:"+filepath.Join(tdir, "anju.db"))
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "is damaged or not an Anju backup") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := os.Stat(tdir); err == nil {
			t.Errorf("%s: restore created %s", name, tdir)
		}
	}
	// Into an existing empty directory: nothing left there either.
	bad := filepath.Join(t.TempDir(), "bad.tar.gz")
	os.WriteFile(bad, flipped, 0o600)
	tdir := t.TempDir()
	if _, _, err := runIn(t, "", "restore", "--in", bad, "--db", "sqlite:"+filepath.Join(tdir, "anju.db")); err == nil {
		t.Fatal("damaged archive restored")
	}
	if ents, _ := os.ReadDir(tdir); len(ents) != 0 {
		t.Errorf("restore of a damaged archive left %v", ents)
	}
	// The intact archive restores.
	if _, _, err := runIn(t, "", "restore", "--in", archive, "--db", "sqlite:"+filepath.Join(tdir, "anju.db")); err != nil {
		t.Fatalf("intact archive: %v", err)
	}
}

// TestBackupCarriesPhotos: photos live in the database, so 'anju backup'
// takes them with the cases they belong to and 'anju restore' brings them
// back byte for byte, photo and thumbnail, readable under the same rules.
func TestBackupCarriesPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		target := restoreTarget(t, dsn)
		ctx := context.Background()
		keyText := personal.FormatKey("k1", personal.GenerateKey())
		keys, err := personal.ParseKeyring(keyText)
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, dsn, store.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		sys := anju.SystemActor("backup-test")
		if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
			t.Fatal(err)
		}
		var photos []photo.Photo
		for _, name := range []string{"gps.jpg", "photo.png", "photo.webp"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "internal", "photo", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			p, err := photo.Process(b)
			if err != nil {
				t.Fatal(err)
			}
			photos = append(photos, p)
		}
		lat, lon := 30.05, 120.02
		c, _, err := db.CreateCase(ctx, sys, store.NewCase{Text: "井盖丢失", Category: "0101", Lat: &lat, Lon: &lon, Photos: photos[:2]}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Act(ctx, sys, c.ID, "comment", store.ActionInput{Input: cases.Input{Note: "现场"}, Photos: photos[2:]}); err != nil {
			t.Fatal(err)
		}
		before, err := db.CasePhotos(ctx, sys, c.ID)
		db.Close()
		if err != nil || len(before) != 3 {
			t.Fatalf("photos before the backup: %v %v", before, err)
		}

		archive := filepath.Join(t.TempDir(), "backup.tar.gz")
		if _, _, err := runIn(t, "", "backup", "--db", dsn, "--data-keys", keyText, "--out", archive); err != nil {
			t.Fatalf("backup: %v", err)
		}
		if _, _, err := runIn(t, "", "restore", "--in", archive, "--db", target, "--data-key-file", filepath.Join(t.TempDir(), "k", "data.key")); err != nil {
			t.Fatalf("restore: %v", err)
		}
		rdb, err := store.Open(ctx, target, store.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		after, err := rdb.CasePhotos(ctx, sys, c.ID)
		if err != nil || len(after) != len(before) {
			t.Fatalf("restored photos: %v %v", after, err)
		}
		for i, p := range after {
			want := photos[i]
			full, err := rdb.PhotoContent(ctx, sys, p.ID, false)
			if err != nil || p != before[i] || !bytes.Equal(full.Data, want.JPEG) {
				t.Errorf("photo %d after restore: %+v %v", i, p, err)
			}
			thumb, err := rdb.PhotoContent(ctx, sys, p.ID, true)
			if err != nil || !bytes.Equal(thumb.Data, want.Thumb) {
				t.Errorf("thumbnail %d after restore: %v", i, err)
			}
		}
		tr, err := rdb.Track(ctx, c.TrackingCode)
		if err != nil || len(tr.Photos) != 2 {
			t.Errorf("tracking page after restore shows %d photos: %v", len(tr.Photos), err)
		}
	})
}

// TestBackupAuditHeads: the manifest records the legacy audit chain's head
// and each city's, restore compares them all and names the chain that
// differs, and a manifest written before the cities' chains (audit_head
// alone) matches a database restored from it, which has no city chain.
func TestBackupAuditHeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var old backupManifest
		if err := json.Unmarshal([]byte(`{"format":1,"engine":"sqlite","cases":0,"audit_head":{"seq":0,"hash":""},"key_ids":["k1"],"members":[]}`), &old); err != nil {
			t.Fatal(err)
		}
		var fresh backupManifest
		if err := snapshotStats(ctx, db.SQL(), &fresh); err != nil {
			t.Fatal(err)
		}
		if d := auditHeadsDiffer(&fresh, &old); d != "" || fresh.AuditHeads != nil {
			t.Fatalf("an older version's manifest against a database with no city chain: %q %+v", d, fresh.AuditHeads)
		}
		sys := anju.SystemActor("test")
		for _, city := range []string{"330100", "330200", "330100"} {
			if err := db.Audit(ctx, sys, audit.Record{City: city, Action: "test", Object: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		var m backupManifest
		if err := snapshotStats(ctx, db.SQL(), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.AuditHeads) != 2 || m.AuditHeads["330100"].Seq != 3 || m.AuditHeads["330200"].Seq != 2 || m.AuditHeads["330100"].Hash == "" {
			t.Fatalf("heads: %+v", m.AuditHeads)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var read backupManifest
		if err := json.Unmarshal(b, &read); err != nil {
			t.Fatal(err)
		}
		if d := auditHeadsDiffer(&m, &read); d != "" {
			t.Errorf("a manifest read back: %s", d)
		}
		if d := auditHeadsDiffer(&m, &old); !strings.Contains(d, `city "330100" ends at entry 3; the manifest has no such chain`) {
			t.Errorf("chains the manifest lacks: %q", d)
		}
		if d := auditHeadsDiffer(&fresh, &m); !strings.Contains(d, `city "330100" is missing; the manifest says it ends at entry 3`) {
			t.Errorf("chains the database lacks: %q", d)
		}
		read.AuditHeads["330200"] = audit.Head{Seq: 2, Hash: "forged"}
		if d := auditHeadsDiffer(&m, &read); !strings.Contains(d, `city "330200" ends at entry 2; the manifest says 2`) {
			t.Errorf("a head that differs: %q", d)
		}
		read.AuditHead.Seq = 1
		if d := auditHeadsDiffer(&m, &read); !strings.Contains(d, "the legacy audit chain ends at entry 0; the manifest says 1") {
			t.Errorf("a legacy head that differs: %q", d)
		}
	})
}
