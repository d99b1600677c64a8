package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/photo"
)

// Photos are stored in the database (migration 00012 says why, README
// "Photos" gives the measured cost). Who sees which:
//   - staff who may read the case see all of its photos;
//   - the resident who reported it, signed in, sees its public photos;
//   - anyone holding its tracking code sees its public photos.
//
// Public are the photos of the report itself, the department's result
// (resolve) and what the reporter adds (a comment, their own confirmation):
// what the resident sent and what was done about it (photosPublic). A grid
// worker's on-site check (verify, fail_verification) and staff comments are
// for staff: they record the place for the file, may show neighbours and
// passers-by, and were not taken for the resident.

// CasePhoto is a stored photo's description; its bytes are read with
// PhotoContent or TrackedPhoto.
type CasePhoto struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	Event       int64     `json:"event"`
	Action      string    `json:"action"`
	Public      bool      `json:"public"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	ThumbWidth  int       `json:"thumb_width"`
	ThumbHeight int       `json:"thumb_height"`
	Bytes       int64     `json:"bytes"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// PhotoContent is one stored JPEG, the photo or its thumbnail.
type PhotoContent struct {
	CasePhoto
	Thumb bool
	Data  []byte
}

// ETag is the content's entity tag: the photo's digest, with the variant,
// since the bytes of a photo id never change.
func (p PhotoContent) ETag() string {
	if p.Thumb {
		return `"` + p.SHA256 + `-thumb"`
	}
	return `"` + p.SHA256 + `"`
}

// photoActions are the actions that may carry photos besides the report:
// the result, the on-site check that confirms or refuses it, a comment.
var photoActions = map[cases.Action]bool{
	cases.ActionResolve: true, cases.ActionVerify: true, cases.ActionFailVerification: true, cases.ActionComment: true,
}

// TakesPhotos reports whether action a may carry photos, for forms that
// offer an upload only where it will be accepted.
func TakesPhotos(a cases.Action) bool { return photoActions[a] }

// photosPublic is the rule above: whether photos that came with action are
// shown to the reporter and on the tracking page.
func photosPublic(action cases.Action, byReporter bool) bool {
	return action == "submit" || action == cases.ActionResolve || byReporter
}

// checkPhotos refuses more photos than a submission may carry, or photos
// on an action that takes none.
func checkPhotos(action cases.Action, ps []photo.Photo) error {
	if len(ps) == 0 {
		return nil
	}
	if len(ps) > photo.MaxPerSubmission {
		return photo.TooMany()
	}
	if action != "submit" && !photoActions[action] {
		return anju.FieldError(photo.Field, "photos may be attached to a report, a resolution, an on-site check or a comment, not to %s", action)
	}
	return nil
}

// insertPhotos stores photos with the event they came with, in its
// transaction: a failure rolls back the event and the case change too.
func (t *Tx) insertPhotos(ctx context.Context, c *Case, event int64, action cases.Action, public bool, ps []photo.Photo) error {
	now := micros(t.db.clock.Now())
	for _, p := range ps {
		id, err := t.insertID(ctx, `INSERT INTO case_photos (city, case_id, event_id, action, public, source_type, sha256, bytes,
			width, height, thumb_width, thumb_height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.City, c.ID, event, string(action), public, p.SourceType, p.SHA256, len(p.JPEG),
			p.Width, p.Height, p.ThumbWidth, p.ThumbHeight, now)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO case_photo_data (photo_id, city, image, thumb) VALUES (?, ?, ?, ?)`, id, c.City, p.JPEG, p.Thumb); err != nil {
			return err
		}
	}
	return nil
}

const photoCols = `p.id, p.case_id, p.event_id, p.action, p.public, p.width, p.height, p.thumb_width, p.thumb_height, p.bytes, p.sha256, p.created_at`

func scanPhoto(row interface{ Scan(...any) error }, extra ...any) (CasePhoto, error) {
	var p CasePhoto
	var at int64
	err := row.Scan(append([]any{&p.ID, &p.CaseID, &p.Event, &p.Action, &p.Public, &p.Width, &p.Height,
		&p.ThumbWidth, &p.ThumbHeight, &p.Bytes, &p.SHA256, &at}, extra...)...)
	p.CreatedAt = fromMicros(at)
	return p, err
}

// seesStaffRecord tells whether the actor reads case c as staff, with its
// internal events and photos, rather than as its reporter.
func (db *DB) seesStaffRecord(actor *anju.Actor, c Case) bool {
	for _, r := range db.rolesAt(actor, c) {
		if r != cases.RoleReporter {
			return true
		}
	}
	return false
}

// CasePhotos lists the photos of a case the actor may see, oldest first:
// all of them for staff, the public ones for its reporter. ENOTFOUND when
// the case is not visible.
func (db *DB) CasePhotos(ctx context.Context, actor *anju.Actor, caseID int64) ([]CasePhoto, error) {
	c, err := db.getCase(ctx, db, actor, caseID)
	if err != nil {
		return nil, err
	}
	return db.casePhotos(ctx, caseID, c.City, !db.seesStaffRecord(actor, c))
}

func (db *DB) casePhotos(ctx context.Context, caseID int64, city string, publicOnly bool) ([]CasePhoto, error) {
	q := `SELECT ` + photoCols + ` FROM case_photos p WHERE p.case_id = ? AND p.city = ?`
	if publicOnly {
		q += ` AND p.public`
	}
	rows, err := db.query(ctx, q+` ORDER BY p.id`, caseID, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CasePhoto{}
	for rows.Next() {
		p, err := scanPhoto(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PhotoContent returns a stored photo (or its thumbnail) under the rule of
// the case it belongs to: staff who may read the case read any of its
// photos, its reporter the public ones. ENOTFOUND otherwise, the same
// answer as for a photo that does not exist.
func (db *DB) PhotoContent(ctx context.Context, actor *anju.Actor, id int64, thumb bool) (PhotoContent, error) {
	p, err := db.photoContent(ctx, id, thumb)
	if err != nil {
		return PhotoContent{}, err
	}
	// The case by primary key and the scope in Go, as GetCase does.
	c, err := db.getCase(ctx, db, actor, p.CaseID)
	if err != nil || (!p.Public && !db.seesStaffRecord(actor, c)) {
		return PhotoContent{}, photoNotFound(id)
	}
	return p, nil
}

// TrackedPhoto returns a public photo of the case with the tracking code:
// the code is the credential, as for Track. ENOTFOUND for an unknown code,
// or a photo that is not public or belongs to another case.
func (db *DB) TrackedPhoto(ctx context.Context, code string, id int64, thumb bool) (PhotoContent, error) {
	var caseID int64
	if err := db.queryRow(ctx, `SELECT id FROM cases WHERE tracking_code = ? AND kind <> 'petition'`, NormalizeTrackingCode(code)).Scan(&caseID); err != nil {
		if err == sql.ErrNoRows {
			return PhotoContent{}, photoNotFound(id)
		}
		return PhotoContent{}, err
	}
	p, err := db.photoContent(ctx, id, thumb)
	if err != nil {
		return PhotoContent{}, err
	}
	if p.CaseID != caseID || !p.Public {
		return PhotoContent{}, photoNotFound(id)
	}
	return p, nil
}

func (db *DB) photoContent(ctx context.Context, id int64, thumb bool) (PhotoContent, error) {
	col := "d.image"
	if thumb {
		col = "d.thumb"
	}
	out := PhotoContent{Thumb: thumb}
	var err error
	out.CasePhoto, err = scanPhoto(db.queryRow(ctx, `SELECT `+photoCols+`, `+col+` FROM case_photos p
		JOIN case_photo_data d ON d.photo_id = p.id AND d.city = p.city WHERE p.id = ?`, id), &out.Data)
	if err == sql.ErrNoRows {
		return PhotoContent{}, photoNotFound(id)
	}
	return out, err
}

func photoNotFound(id int64) error { return notFound("photo", strconv.FormatInt(id, 10)) }
