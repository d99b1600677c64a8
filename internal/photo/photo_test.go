package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"anju/internal/anju"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProcessFixtures runs Process over real files (testdata/README.md says
// how each was made): the images come back as JPEGs of the right size, the
// rest are refused with the key and status a reader can act on.
func TestProcessFixtures(t *testing.T) {
	for _, tc := range []struct {
		file          string
		typ           string
		width, height int
		key, code     string
	}{
		{file: "gps.jpg", typ: TypeJPEG, width: 900, height: 1200}, // stored 1200×900, EXIF says turn it
		{file: "photo.png", typ: TypePNG, width: 640, height: 480},
		{file: "photo.webp", typ: TypeWebP, width: 800, height: 600},
		{file: "small-lossless.webp", typ: TypeWebP, width: 32, height: 24}, // VP8L with alpha
		{file: "renamed-pdf.jpg", key: KeyUnsupported, code: anju.EINVALID},
		{file: "truncated.jpg", key: KeyUnreadable, code: anju.EINVALID},
		{file: "bomb.png", key: KeyTooManyPx, code: anju.EINVALID},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, err := Process(fixture(t, tc.file))
			if tc.key != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.Key != tc.key || anju.ErrorCode(err) != tc.code || anju.ErrorField(err) != Field {
					t.Fatalf("Process(%s) = %v, want key %s, code %s, field %s", tc.file, err, tc.key, tc.code, Field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.SourceType != tc.typ || p.Width != tc.width || p.Height != tc.height {
				t.Errorf("%s: %s %d×%d, want %s %d×%d", tc.file, p.SourceType, p.Width, p.Height, tc.typ, tc.width, tc.height)
			}
			checkOutput(t, p)
		})
	}
}

// checkOutput: both images are plain JPEGs of the declared sizes, within
// the bounds, with no EXIF (APP1) segment.
func checkOutput(t *testing.T, p Photo) {
	t.Helper()
	for _, img := range []struct {
		name string
		b    []byte
		w, h int
		side int
	}{{"photo", p.JPEG, p.Width, p.Height, MaxSide}, {"thumbnail", p.Thumb, p.ThumbWidth, p.ThumbHeight, ThumbSide}} {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.b))
		if err != nil {
			t.Fatalf("%s is not a JPEG: %v", img.name, err)
		}
		if cfg.Width != img.w || cfg.Height != img.h || max(img.w, img.h) > img.side {
			t.Errorf("%s is %d×%d, declared %d×%d, bound %d", img.name, cfg.Width, cfg.Height, img.w, img.h, img.side)
		}
		if markers := jpegMarkers(img.b); slices.Contains(markers, 0xE1) {
			t.Errorf("%s has an APP1 (EXIF/XMP) segment: markers %x", img.name, markers)
		}
	}
	if Field != "photos" {
		t.Errorf("Field = %q", Field)
	}
}

// jpegMarkers lists the markers before the image data.
func jpegMarkers(b []byte) []byte {
	var out []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		out = append(out, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(b[i+2])<<8 | int(b[i+3])
	}
	return out
}

// TestGPSRemoved: the fixture carries a GPS position, a camera serial
// number and the time it was taken; none of it survives, and the picture
// is turned upright as its Orientation tag (6, turn 90° clockwise) said.
func TestGPSRemoved(t *testing.T) {
	in := fixture(t, "gps.jpg")
	for _, s := range []string{"Exif", "AnjuTestCam", "SN123456789", "2026:05:01"} {
		if !bytes.Contains(in, []byte(s)) {
			t.Fatalf("fixture lacks %q: it no longer tests anything", s)
		}
	}
	if o := exifOrientation(in); o != 6 {
		t.Fatalf("fixture orientation %d, want 6", o)
	}
	p, err := Process(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range [][]byte{p.JPEG, p.Thumb} {
		for _, s := range []string{"Exif", "GPS", "AnjuTestCam", "SN123456789", "2026:05:01", "http://ns.adobe.com"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("output holds %q", s)
			}
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	// The red block was stored at the top left; turned clockwise it is at
	// the top right.
	if !reddish(img.At(p.Width-40, 40)) || reddish(img.At(40, 40)) || reddish(img.At(p.Width-40, p.Height-40)) {
		t.Errorf("not turned upright: top right %v, top left %v", img.At(p.Width-40, 40), img.At(40, 40))
	}
}

func reddish(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xC000 && g < 0x4000 && b < 0x4000
}

// TestTransparentBecomesWhite: the PNG's right half is transparent.
func TestTransparentBecomesWhite(t *testing.T) {
	p, err := Process(fixture(t, "photo.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := jpeg.Decode(bytes.NewReader(p.JPEG))
	r, g, b, _ := img.At(600, 240).RGBA()
	if r < 0xF000 || g < 0xF000 || b < 0xF000 {
		t.Errorf("transparent area is %v, want white", img.At(600, 240))
	}
	if _, g, _, _ := img.At(100, 240).RGBA(); g < 0x8000 {
		t.Errorf("opaque area is %v, want green", img.At(100, 240))
	}
}

// TestScaled: a large photo is brought down to MaxSide, its thumbnail to
// ThumbSide, the aspect ratio kept (the thumbnail, made from the stored
// photo by two halvings, rounds 213.75 up).
func TestScaled(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, nil)
	p, err := Process(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 2048 || p.Height != 1365 || p.ThumbWidth != 320 || p.ThumbHeight != 214 {
		t.Errorf("sizes %d×%d, thumb %d×%d", p.Width, p.Height, p.ThumbWidth, p.ThumbHeight)
	}
	checkOutput(t, p)
}

func TestLimits(t *testing.T) {
	big := append(fixture(t, "gps.jpg"), make([]byte, MaxBytes)...)
	if _, err := Process(big); anju.ErrorCode(err) != anju.ETOOLARGE || keyOf(err) != KeyTooLarge {
		t.Errorf("file over %d bytes: %v", MaxBytes, err)
	}
	if _, err := Process(nil); keyOf(err) != KeyEmpty {
		t.Errorf("empty file: %v", err)
	}
	// A JPEG whose header declares 8000×6000 (48 Mpx): refused from the
	// header, before any pixel is decoded.
	hdr := jpegDeclaring(8000, 6000)
	if _, err := Process(hdr); keyOf(err) != KeyTooManyPx {
		t.Errorf("48 Mpx JPEG: %v", err)
	}
	err := Numbered(TooMany(), 7)
	var pe *Error
	if !errors.As(err, &pe) || pe.Index != 7 || pe.Key != KeyTooMany || anju.ErrorMessage(err) != "photo 7: at most 6 photos may be attached" {
		t.Errorf("Numbered: %#v %v", pe, err)
	}
	if plain := errors.New("x"); Numbered(plain, 1) != plain {
		t.Error("Numbered changed a foreign error")
	}
}

func keyOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Key
	}
	return ""
}

// jpegDeclaring returns a small real JPEG with its frame header rewritten
// to declare w×h: the header is all DecodeConfig reads.
func jpegDeclaring(w, h int) []byte {
	var buf bytes.Buffer
	jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	b := buf.Bytes()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+5], b[i+6] = byte(h>>8), byte(h)
	b[i+7], b[i+8] = byte(w>>8), byte(w)
	return b
}

// TestOrient: each EXIF orientation puts the stored pixels where the tag's
// definition says, and the turns undo one another.
func TestOrient(t *testing.T) {
	// Stored 3×2:  a b c
	//              d e f
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.Pix[4*i] = byte('a' + i)
	}
	rows := func(img *image.RGBA) string {
		var s []byte
		for y := range img.Rect.Dy() {
			if y > 0 {
				s = append(s, '/')
			}
			for x := range img.Rect.Dx() {
				s = append(s, img.Pix[y*img.Stride+4*x])
			}
		}
		return string(s)
	}
	want := map[int]string{
		1: "abc/def",
		2: "cba/fed",
		3: "fed/cba",
		4: "def/abc",
		5: "ad/be/cf",
		6: "da/eb/fc",
		7: "fc/eb/da",
		8: "cf/be/ad",
	}
	for o, w := range want {
		if got := rows(orient(src, o)); got != w {
			t.Errorf("orientation %d: %s, want %s", o, got, w)
		}
	}
	if rows(orient(orient(src, 6), 8)) != want[1] || rows(orient(orient(src, 3), 3)) != want[1] {
		t.Error("turns do not undo one another")
	}
}

func TestExifOrientationBadInput(t *testing.T) {
	gps := fixture(t, "gps.jpg")
	for name, b := range map[string][]byte{
		"empty":       {},
		"soi only":    {0xFF, 0xD8},
		"cut header":  gps[:40],
		"no marker":   append([]byte{0xFF, 0xD8, 0x00}, gps[3:]...),
		"huge length": {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f', 0, 0},
		"bad tiff":    {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'X', 'X', 0, 42, 0, 0, 0, 8},
		"ifd beyond":  {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0xFF, 0, 0},
	} {
		if o := exifOrientation(b); o != 1 {
			t.Errorf("%s: orientation %d, want 1", name, o)
		}
	}
}

// FuzzProcess: whatever the bytes, Process either refuses them with a photo
// error naming the field and a known key, or returns JPEGs within the
// bounds and without EXIF; it never panics. The seeds are small images of
// each kind (a JPEG carrying gps.jpg's EXIF, a PNG with alpha, lossy and
// lossless WebP) and the refused fixtures: under the fuzzer's coverage
// counters a 1200×900 decode takes seconds, so the full-size fixtures
// would leave it almost no executions.
func FuzzProcess(f *testing.F) {
	for _, name := range []string{"small.webp", "small-lossless.webp", "renamed-pdf.jpg", "bomb.png"} {
		f.Add(fixture(f, name))
	}
	f.Add(smallJPEGWithEXIF(f))
	f.Add(smallPNG())
	f.Add(fixture(f, "truncated.jpg")[:2000])
	f.Add(jpegDeclaring(8000, 6000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	keys := []string{KeyTooLarge, KeyEmpty, KeyUnsupported, KeyTooManyPx, KeyUnreadable}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !slices.Contains(keys, pe.Key) || anju.ErrorField(err) != Field || anju.ErrorCode(err) == anju.EINTERNAL {
				t.Fatalf("error %v is not a photo error", err)
			}
			return
		}
		if typ, _ := Sniff(data); typ != p.SourceType {
			t.Fatalf("source type %s, sniffed %s", p.SourceType, typ)
		}
		checkOutput(t, p)
	})
}

// BenchmarkProcess12Mpx: one phone photo (4032×3024) in, stored photo and
// thumbnail out.
func BenchmarkProcess12Mpx(b *testing.B) {
	data := phoneLikeJPEG(4032, 3024)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(data); err != nil {
			b.Fatal(err)
		}
	}
}

// phoneLikeJPEG is a w×h JPEG with smooth areas and detail, some 1–1.5 bytes
// a pixel like a phone's.
func phoneLikeJPEG(w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint32(1)
	for i := range img.Y {
		seed = seed*1664525 + 1013904223
		img.Y[i] = byte(i%w/16+i/w/16) + byte(seed>>28)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = byte(i/w), byte(i%(w/2))
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
	return buf.Bytes()
}

// smallJPEGWithEXIF is a 32×24 JPEG carrying the APP1 (EXIF, with GPS and
// orientation 6) segment of gps.jpg.
func smallJPEGWithEXIF(t testing.TB) []byte {
	gps := fixture(t, "gps.jpg")
	i := bytes.Index(gps, []byte{0xFF, 0xE1})
	n := int(gps[i+2])<<8 | int(gps[i+3])
	var buf bytes.Buffer
	jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 24)), nil)
	b := buf.Bytes()
	return slices.Concat(b[:2], gps[i:i+2+n], b[2:])
}

func smallPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 31)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
