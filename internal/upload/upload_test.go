package upload

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/locale"
	"anju/internal/photo"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "photo", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type part struct {
	name, filename string
	data           []byte
}

func body(parts ...part) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" && p.name != "photos" {
			mw.WriteField(p.name, string(p.data))
			continue
		}
		w, _ := mw.CreateFormFile(p.name, p.filename)
		w.Write(p.data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func read(ct string, b []byte) (*Form, error) {
	req := httptest.NewRequest("POST", "/", bytes.NewReader(b))
	req.Header.Set("Content-Type", ct)
	return ReadForm(httptest.NewRecorder(), req)
}

func text(name, v string) part { return part{name: name, data: []byte(v)} }

// TestReadForm: text fields and photos in the order sent, an empty file
// input skipped; after a refused photo the text that follows is still read,
// so that a form can be shown again with it.
func TestReadForm(t *testing.T) {
	f, err := read(body(text("title", "路灯"), part{"photos", "a.jpg", fixture(t, "gps.jpg")}, part{name: "photos"},
		text("text", "坏了"), part{"photos", "b.webp", fixture(t, "small.webp")}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Values.Get("title") != "路灯" || f.Values.Get("text") != "坏了" || len(f.Photos) != 2 ||
		f.Photos[0].SourceType != photo.TypeJPEG || f.Photos[1].SourceType != photo.TypeWebP {
		t.Errorf("form: %v, %d photos", f.Values, len(f.Photos))
	}

	f, err = read(body(text("title", "路灯"), part{"photos", "a.jpg", fixture(t, "renamed-pdf.jpg")},
		part{"photos", "b.jpg", fixture(t, "gps.jpg")}, text("text", "坏了")))
	var pe *photo.Error
	if !errors.As(err, &pe) || pe.Key != photo.KeyUnsupported || pe.Index != 1 || f == nil || f.Values.Get("text") != "坏了" || len(f.Photos) != 0 {
		t.Errorf("refused photo: %v; form %+v", err, f)
	}
}

func TestReadFormBounds(t *testing.T) {
	many := []part{}
	for i := range MaxFields + 1 {
		many = append(many, text("f", strings.Repeat("x", i%3)))
	}
	long := strings.Repeat("长", MaxText/3+1)
	for _, tc := range []struct {
		name  string
		parts []part
		code  string
		field string
		msg   string
	}{
		{"too many fields", many, anju.EINVALID, "", "more than 100 form fields"},
		{"text too long", []part{text("text", long)}, anju.ETOOLARGE, "", "text fields are larger"},
		{"file as text", []part{{"text", "t.txt", []byte("x")}}, anju.EINVALID, "text", "only photos"},
		{"invalid UTF-8", []part{text("text", "\xff")}, anju.EINVALID, "text", "UTF-8"},
		{"file over 10 MB", []part{{"photos", "a.jpg", make([]byte, photo.MaxBytes+1)}}, anju.ETOOLARGE, "photos", "photo 1: the file is larger than 10 MB"},
		{"seven photos", []part{{"photos", "1", fixture(t, "small.webp")}, {"photos", "2", fixture(t, "small.webp")},
			{"photos", "3", fixture(t, "small.webp")}, {"photos", "4", fixture(t, "small.webp")}, {"photos", "5", fixture(t, "small.webp")},
			{"photos", "6", fixture(t, "small.webp")}, {"photos", "7", fixture(t, "small.webp")}}, anju.EINVALID, "photos", "photo 7: at most 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := read(body(tc.parts...))
			if anju.ErrorCode(err) != tc.code || anju.ErrorField(err) != tc.field || !strings.Contains(anju.ErrorMessage(err), tc.msg) {
				t.Errorf("%v, want %s on %q saying %q", err, tc.code, tc.field, tc.msg)
			}
		})
	}
	// A body over MaxBody stops there, whatever its parts.
	if _, err := read(body(part{"photos", "a.jpg", make([]byte, MaxBody)})); anju.ErrorCode(err) != anju.ETOOLARGE ||
		!strings.Contains(anju.ErrorMessage(err), "request body is larger than") {
		t.Errorf("body over MaxBody: %v", err)
	}
	if _, err := read("application/json", []byte(`{}`)); anju.ErrorCode(err) != anju.EINVALID {
		t.Errorf("JSON: %v", err)
	}
}

// FuzzReadForm: whatever the body, ReadForm answers with a form or an error
// the API shows as 4xx; it never panics.
func FuzzReadForm(f *testing.F) {
	_, b := body(text("title", "路灯"), part{"photos", "a.webp", fixture(f, "small.webp")}, part{name: "photos"}, text("text", "坏了"))
	f.Add(b)
	_, b = body(part{"photos", "a.jpg", fixture(f, "renamed-pdf.jpg")}, text("x", "y"))
	f.Add(b)
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--B--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A fixed boundary, so that the fuzzer's bytes are the parts.
		b := bytes.ReplaceAll(data, []byte("--"+boundaryOf(data)), []byte("--B"))
		form, err := read("multipart/form-data; boundary=B", b)
		if err != nil {
			if code := anju.ErrorCode(err); code != anju.EINVALID && code != anju.ETOOLARGE {
				t.Fatalf("error %v (%s)", err, code)
			}
			return
		}
		if len(form.Photos) > photo.MaxPerSubmission {
			t.Fatalf("%d photos", len(form.Photos))
		}
	})
}

// boundaryOf finds the boundary a seed was written with.
func boundaryOf(b []byte) string {
	if !bytes.HasPrefix(b, []byte("--")) {
		return "\x00none"
	}
	end := bytes.IndexByte(b, '\r')
	if end < 0 {
		return "\x00none"
	}
	return string(b[2:end])
}

// TestPhotoMessagesTranslated: every photo error the readers of a form can
// meet has its message in every catalogue, taking exactly the Args it
// carries.
func TestPhotoMessagesTranslated(t *testing.T) {
	errs := []error{photo.TooMany(), photo.TooLarge()}
	for _, name := range []string{"renamed-pdf.jpg", "bomb.png", "truncated.jpg"} {
		_, err := photo.Process(fixture(t, name))
		errs = append(errs, err)
	}
	_, err := photo.Process(nil)
	errs = append(errs, err)
	keys := map[string]bool{}
	for _, err := range errs {
		var pe *photo.Error
		if !errors.As(photo.Numbered(err, 3), &pe) {
			t.Fatalf("%v is not a photo error", err)
		}
		keys[pe.Key] = true
		for _, l := range locale.Langs {
			msg := locale.Printer{Lang: l}.T(pe.Key, pe.Args()...)
			if !locale.Has(l, pe.Key) || strings.Contains(msg, "%!") || !strings.Contains(msg, "3") {
				t.Errorf("%s %s: %q", l, pe.Key, msg)
			}
		}
	}
	for _, k := range []string{photo.KeyTooMany, photo.KeyTooLarge, photo.KeyUnsupported, photo.KeyEmpty, photo.KeyTooManyPx, photo.KeyUnreadable} {
		if !keys[k] {
			t.Errorf("key %s not exercised", k)
		}
	}
}

func readTagged(ct string, b []byte) (*Form, error) {
	req := httptest.NewRequest("POST", "/", bytes.NewReader(b))
	req.Header.Set("Content-Type", ct)
	return ReadTaggedForm(httptest.NewRecorder(), req)
}

// TestReadTaggedForm: each photo is of what its part's name says, in the
// order sent; an untagged or badly tagged photo part is refused, and the
// bounds hold over all the photos together.
func TestReadTaggedForm(t *testing.T) {
	f, err := readTagged(body(text("answers", "[]"), part{"photos.leak", "a.jpg", fixture(t, "gps.jpg")}, part{name: "photos.hose"},
		part{"photos.hose", "b.webp", fixture(t, "small.webp")}, part{"photos.leak", "c.webp", fixture(t, "small.webp")}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Values.Get("answers") != "[]" || len(f.Photos) != 3 || strings.Join(f.Tags, ",") != "leak,hose,leak" {
		t.Errorf("form: %v, %d photos tagged %v", f.Values, len(f.Photos), f.Tags)
	}
	for name, parts := range map[string][]part{
		"untagged":  {{"photos", "a.jpg", fixture(t, "gps.jpg")}},
		"empty tag": {{"photos.", "a.jpg", fixture(t, "gps.jpg")}},
		"long tag":  {{"photos." + strings.Repeat("x", 65), "a.jpg", fixture(t, "gps.jpg")}},
	} {
		if _, err := readTagged(body(parts...)); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "photos" {
			t.Errorf("%s: %v", name, err)
		}
	}
	var seven []part
	for i := range 7 {
		seven = append(seven, part{"photos.k" + strconv.Itoa(i%2), "x", fixture(t, "small.webp")})
	}
	if _, err := readTagged(body(seven...)); !strings.Contains(anju.ErrorMessage(err), "photo 7: at most 6") {
		t.Errorf("seven photos of two items: %v", err)
	}
	// ReadForm is unchanged: its photos carry no tags.
	if f, err := read(body(part{"photos", "a.jpg", fixture(t, "gps.jpg")})); err != nil || len(f.Photos) != 1 || f.Tags != nil {
		t.Errorf("untagged form: %+v %v", f, err)
	}
}
