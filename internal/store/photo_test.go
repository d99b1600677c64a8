package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// photoFixture processes one of internal/photo's fixtures.
func photoFixture(t testing.TB, name string) photo.Photo {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "photo", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := photo.Process(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *caseWorld) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := w.db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCasePhotos follows a case with photos through its life: the resident's
// report, the handler's result, the grid worker's on-site check, comments.
// Each photo is tied to its event; staff see all, the reporter and the
// tracking page the public ones, other streets none.
func TestCasePhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		jpg, png, webp := photoFixture(t, "gps.jpg"), photoFixture(t, "photo.png"), photoFixture(t, "photo.webp")

		nc := streetLight()
		nc.Photos = []photo.Photo{jpg, png}
		c, _, err := w.db.CreateCase(ctx, w.actors["resident"], nc, "photo-key")
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		if _, err := w.db.Act(ctx, w.actors["handler-a"], c.ID, cases.ActionResolve,
			store.ActionInput{Input: cases.Input{Result: "已更换灯泡"}, Photos: []photo.Photo{webp}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Act(ctx, w.actors["worker-a"], c.ID, cases.ActionComment,
			store.ActionInput{Input: cases.Input{Note: "现场照片"}, Photos: []photo.Photo{png}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Act(ctx, w.actors["worker-a"], c.ID, cases.ActionVerify,
			store.ActionInput{Input: cases.Input{Method: cases.VerifyOnSite}, Photos: []photo.Photo{jpg}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Act(ctx, w.actors["resident"], c.ID, cases.ActionComment,
			store.ActionInput{Input: cases.Input{Note: "谢谢，灯亮了"}, Photos: []photo.Photo{webp}}); err != nil {
			t.Fatal(err)
		}

		all, err := w.db.CasePhotos(ctx, w.actors["dispatcher"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		hist, _ := w.db.History(ctx, w.actors["dispatcher"], c.ID)
		eventAction := map[int64]string{}
		for _, e := range hist {
			eventAction[e.ID] = e.Action
		}
		want := []struct {
			action string
			public bool
			p      photo.Photo
		}{{"submit", true, jpg}, {"submit", true, png}, {"resolve", true, webp}, {"comment", false, png}, {"verify", false, jpg}, {"comment", true, webp}}
		if len(all) != len(want) {
			t.Fatalf("staff see %d photos, want %d: %+v", len(all), len(want), all)
		}
		for i, p := range all {
			wp := want[i]
			if p.Action != wp.action || p.Public != wp.public || p.CaseID != c.ID || eventAction[p.Event] != wp.action ||
				p.SHA256 != wp.p.SHA256 || p.Width != wp.p.Width || p.Bytes != int64(len(wp.p.JPEG)) {
				t.Errorf("photo %d: %+v (event %s), want %s public=%v", i, p, eventAction[p.Event], wp.action, wp.public)
			}
			content, err := w.db.PhotoContent(ctx, w.actors["dispatcher"], p.ID, false)
			if err != nil || !bytes.Equal(content.Data, wp.p.JPEG) || content.ETag() != `"`+wp.p.SHA256+`"` {
				t.Errorf("photo %d bytes: %v (%d bytes)", p.ID, err, len(content.Data))
			}
			thumb, err := w.db.PhotoContent(ctx, w.actors["handler-a"], p.ID, true)
			if err != nil || !bytes.Equal(thumb.Data, wp.p.Thumb) || thumb.ETag() == content.ETag() {
				t.Errorf("photo %d thumbnail: %v", p.ID, err)
			}
			// Other streets see nothing, as they do not see the case.
			for _, login := range []string{"handler-b", "worker-b"} {
				if _, err := w.db.PhotoContent(ctx, w.actors[login], p.ID, true); anju.ErrorCode(err) != anju.ENOTFOUND {
					t.Errorf("%s reads photo %d: %v", login, p.ID, err)
				}
			}
			// The reporter reads the public ones only.
			_, err = w.db.PhotoContent(ctx, w.actors["resident"], p.ID, false)
			if (err == nil) != wp.public || (err != nil && anju.ErrorCode(err) != anju.ENOTFOUND) {
				t.Errorf("resident reads photo %d (public %v): %v", p.ID, wp.public, err)
			}
			_, err = w.db.TrackedPhoto(ctx, store.FormatTrackingCode(c.TrackingCode), p.ID, true)
			if (err == nil) != wp.public || (err != nil && anju.ErrorCode(err) != anju.ENOTFOUND) {
				t.Errorf("tracked photo %d (public %v): %v", p.ID, wp.public, err)
			}
		}
		if _, err := w.db.CasePhotos(ctx, w.actors["handler-b"], c.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("handler-b lists the photos: %v", err)
		}
		mine, err := w.db.CasePhotos(ctx, w.actors["resident"], c.ID)
		if err != nil || len(mine) != 4 {
			t.Errorf("resident lists %d photos, want the 4 public: %v", len(mine), err)
		}
		tr, err := w.db.Track(ctx, c.TrackingCode)
		if err != nil || len(tr.Photos) != 4 {
			t.Fatalf("track shows %d photos, want 4: %v", len(tr.Photos), err)
		}
		for _, e := range hist {
			if e.Action == "submit" && e.Data["photos"] != float64(2) {
				t.Errorf("submit event data %v, want photos: 2", e.Data)
			}
		}

		// Another case's tracking code opens none of these photos, nor does
		// an unknown one, nor an unknown photo id.
		other, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{other.TrackingCode, "ZZZZZZZZZZZZ", "not a code"} {
			if _, err := w.db.TrackedPhoto(ctx, code, all[0].ID, false); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("code %s reads photo %d: %v", code, all[0].ID, err)
			}
		}
		if _, err := w.db.PhotoContent(ctx, w.actors["dispatcher"], 1<<40, false); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unknown photo: %v", err)
		}

		// The retried report returns the first case and stores nothing more;
		// the same key with other photos is another request.
		photos := w.count(t, "case_photos")
		again, created, err := w.db.CreateCase(ctx, w.actors["resident"], nc, "photo-key")
		if err != nil || created || again.ID != c.ID || w.count(t, "case_photos") != photos {
			t.Errorf("retry: %v created=%v id=%d photos %d→%d", err, created, again.ID, photos, w.count(t, "case_photos"))
		}
		nc.Photos = []photo.Photo{png, jpg}
		if _, _, err := w.db.CreateCase(ctx, w.actors["resident"], nc, "photo-key"); anju.ErrorCode(err) != anju.EUNPROCESSABLE {
			t.Errorf("same key, other photos: %v", err)
		}
	})
}

// TestPhotosAllOrNothing: a submission that is refused stores neither the
// case or its change nor any of its photos.
func TestPhotosAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		p := photoFixture(t, "photo.png")
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		casesBefore, photosBefore, dataBefore, eventsBefore := w.count(t, "cases"), w.count(t, "case_photos"), w.count(t, "case_photo_data"), w.count(t, "case_events")

		seven := streetLight()
		seven.Photos = []photo.Photo{p, p, p, p, p, p, p}
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], seven, ""); anju.ErrorField(err) != photo.Field {
			t.Errorf("7 photos: %v", err)
		}
		noText := streetLight()
		noText.Text, noText.Photos = "", []photo.Photo{p}
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], noText, ""); anju.ErrorField(err) != "text" {
			t.Errorf("report without text: %v", err)
		}
		outside := streetLight()
		outside.Lat, outside.Lon, outside.Photos = f(31), f(121), []photo.Photo{p}
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], outside, ""); anju.ErrorField(err) != "lat" {
			t.Errorf("report outside the city: %v", err)
		}
		for _, tc := range []struct {
			login  string
			action cases.Action
			in     store.ActionInput
			field  string
			code   string
		}{
			{"operator", cases.ActionAccept, store.ActionInput{Photos: []photo.Photo{p}}, photo.Field, anju.EINVALID},
			{"operator", cases.ActionComment, store.ActionInput{Input: cases.Input{Note: "x"}, Photos: seven.Photos}, photo.Field, anju.EINVALID},
			{"dispatcher", cases.ActionResolve, store.ActionInput{Input: cases.Input{Result: "done"}, Photos: []photo.Photo{p}}, "", anju.ECONFLICT},
			{"operator", cases.ActionComment, store.ActionInput{Input: cases.Input{Note: "x"}, Version: 99, Photos: []photo.Photo{p}}, "", anju.ECONFLICT},
			{"handler-b", cases.ActionComment, store.ActionInput{Input: cases.Input{Note: "x"}, Photos: []photo.Photo{p}}, "", anju.ENOTFOUND},
		} {
			_, err := w.db.Act(ctx, w.actors[tc.login], c.ID, tc.action, tc.in)
			if anju.ErrorCode(err) != tc.code || anju.ErrorField(err) != tc.field {
				t.Errorf("%s %s: %v, want %s on %q", tc.login, tc.action, err, tc.code, tc.field)
			}
		}
		// Photos go in the transaction of the case or action: when it
		// fails after they were written, they go with it.
		withPhotos := streetLight()
		withPhotos.Photos = []photo.Photo{p, p}
		prepared, err := w.db.PrepareCase(ctx, w.actors["operator"], withPhotos, "")
		if err != nil {
			t.Fatal(err)
		}
		errLater := errors.New("a failure after the photos were written")
		if err := w.db.InTx(ctx, func(tx *store.Tx) error {
			if _, _, err := tx.InsertCase(ctx, prepared); err != nil {
				return err
			}
			if _, err := tx.Act(ctx, w.actors["operator"], c.ID, cases.ActionComment,
				store.ActionInput{Input: cases.Input{Note: "x"}, Photos: []photo.Photo{p}}); err != nil {
				return err
			}
			return errLater
		}); err != errLater {
			t.Errorf("transaction: %v", err)
		}
		if got, _ := w.db.GetCase(ctx, system, c.ID); got.Version != c.Version || got.State != cases.StateSubmitted {
			t.Errorf("refused actions changed the case: %+v", got.Case)
		}
		after := []int{w.count(t, "cases"), w.count(t, "case_photos"), w.count(t, "case_photo_data"), w.count(t, "case_events")}
		if before := []int{casesBefore, photosBefore, dataBefore, eventsBefore}; !slices.Equal(before, after) {
			t.Errorf("rows (cases, photos, photo data, events) %v → %v", before, after)
		}
	})
}

// BenchmarkPhotoStorage measures what keeping photos in the database costs:
// a comment with and without one photo of 300 KB (the size of a phone photo
// re-encoded at photo.MaxSide), each its own committed transaction, and
// reading the photo back under the scope check. README "Photos" has the
// figures and the file-system comparison.
//
//	go test -tags ne ./internal/store -run '^$' -bench PhotoStorage -benchtime 200x
func BenchmarkPhotoStorage(b *testing.B) {
	blob := make([]byte, 300<<10)
	for i := range blob {
		blob[i] = byte(i*2654435761>>13) ^ byte(i)
	}
	p := photo.Photo{JPEG: blob, Thumb: blob[:20<<10], Width: 2048, Height: 1536, ThumbWidth: 320, ThumbHeight: 240,
		SourceType: photo.TypeJPEG, SHA256: "bench"}
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			if e.Name == "postgres" && os.Getenv("ANJU_TEST_PG") == "" {
				b.Skip("ANJU_TEST_PG is not set")
			}
			ctx := context.Background()
			db, err := store.Open(ctx, e.NewDSN(b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
				b.Fatal(err)
			}
			nc := streetLight()
			nc.Reporter.Name, nc.Reporter.Phone = "", ""
			c, _, err := db.CreateCase(ctx, system, nc, "")
			if err != nil {
				b.Fatal(err)
			}
			comment := func(b *testing.B, photos []photo.Photo) {
				for b.Loop() {
					if _, err := db.Act(ctx, system, c.ID, cases.ActionComment,
						store.ActionInput{Input: cases.Input{Note: "现场照片"}, Photos: photos}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("comment", func(b *testing.B) { comment(b, nil) })
			b.Run("comment+photo", func(b *testing.B) {
				b.SetBytes(int64(len(blob)))
				comment(b, []photo.Photo{p})
			})
			list, err := db.CasePhotos(ctx, system, c.ID)
			if err != nil || len(list) == 0 {
				b.Fatal(err)
			}
			b.Run("read", func(b *testing.B) {
				b.SetBytes(int64(len(blob)))
				for i := 0; b.Loop(); i++ {
					if _, err := db.PhotoContent(ctx, system, list[i%len(list)].ID, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestMigrationLandsLate: a database made by a build that had a later
// migration (00033) but not yet 00030, the list filters' indexes, takes
// 00030 when it arrives instead of refusing to open. (It was 00012, the
// photos', until 00033 put the city in the keys its foreign keys name.)
func TestMigrationLandsLate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DROP INDEX cases_overdue`, `DROP INDEX cases_set_aside`, `DROP INDEX cases_channel`,
			`DELETE FROM goose_db_version WHERE version_id = 30`} {
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		var later int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM goose_db_version WHERE version_id > 30`).Scan(&later)
		db.Close()
		if later == 0 {
			t.Fatal("no migration after 00030: the test no longer shows anything")
		}
		db, err = store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatalf("open with 00030 missing: %v", err)
		}
		defer db.Close()
		if _, err := db.SQL().Exec(`DROP INDEX cases_channel`); err != nil {
			t.Errorf("cases_channel after the late migration: %v", err)
		}
	})
}
