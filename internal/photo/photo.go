// Package photo checks and re-encodes the photos people attach to cases:
// residents with a report, handlers with a resolution, grid workers with an
// on-site verification. It reads bytes and returns bytes; it knows nothing
// of HTTP or the database.
//
// Every accepted photo is decoded and encoded again as a JPEG, so that what
// is stored and served is never the uploaded file: EXIF (with its GPS
// position, camera serial numbers, the time of day), colour profiles and any
// payload hidden after the image data are gone, and a file that only looks
// like an image is refused.
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strconv"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"anju/internal/anju"
)

// Limits of one submission.
const (
	// MaxBytes bounds one uploaded file: a phone's 12 Mpx JPEG is 2–5 MB,
	// a 48 Mpx one 10–15 MB, which the camera app's default (binned)
	// setting does not produce.
	MaxBytes = 10 << 20
	// MaxPerSubmission is how many photos one report or action carries.
	MaxPerSubmission = 6
	// MaxPixels bounds the declared size, checked from the header before
	// anything is decoded (a 50 KB PNG can declare 50000×50000, 10 GB once
	// decoded). 40 Mpx admits every phone photo in its default setting
	// (12–16 Mpx) and most cameras (24–36 Mpx, 45 Mpx excepted); decoding
	// one costs at most 60 MB for a baseline JPEG (4:2:0), 160 MB for an
	// 8-bit RGBA PNG and some 240 MB more for a progressive JPEG's
	// coefficients, and decodeSlots bounds how many run at once. Beyond 40
	// Mpx the pixels are thrown away anyway: the stored photo has MaxSide.
	MaxPixels = 40_000_000
	// MaxSide is the longest side of the stored photo: sharp on a desk
	// screen, some 300–600 KB as a JPEG.
	MaxSide = 2048
	// ThumbSide is the longest side of the thumbnail shown in lists and
	// timelines (twice a 160 px tile, for high-density screens).
	ThumbSide = 320

	photoQuality = 82
	thumbQuality = 75
)

// Source types Process accepts, as sniffed from the bytes.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// Message keys of the errors this package returns. They are stable: the
// locale catalogue (internal/locale, messages/*/photo.json) says them in
// each language with Error.Args: the photo's number first, then the limit
// or the size the message names.
const (
	KeyTooLarge    = "photo.too_large"       // over MaxBytes
	KeyEmpty       = "photo.empty"           // a part with no bytes
	KeyUnsupported = "photo.unsupported"     // not JPEG, PNG or WebP, whatever its name says
	KeyTooManyPx   = "photo.too_many_pixels" // declares more than MaxPixels
	KeyUnreadable  = "photo.unreadable"      // truncated or malformed image data
	KeyTooMany     = "photo.too_many"        // more than MaxPerSubmission
)

// Field is the input field every photo error names, in the API and on forms.
const Field = "photos"

// Error is a refused photo. It wraps an *anju.Error (field "photos"), so the
// edges map it like any other input error; Key selects the translated
// message and Index (1-based, 0 when unknown) says which photo it was.
type Error struct {
	Key   string
	Index int
	Err   *anju.Error
	// params are the message's values after the photo's number.
	params []any
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Args are the values of the translated message for Key: the photo's
// number, then those the English message names (a limit in MB, in photos or
// in millions of pixels; a width and height before the latter).
func (e *Error) Args() []any { return append([]any{e.Index}, e.params...) }

// refuse builds an error whose English message is format with params, the
// same values as the catalogue's message takes after the photo's number.
func refuse(key, code, format string, params ...any) *Error {
	ae := anju.Errorf(code, format, params...)
	ae.Field = Field
	return &Error{Key: key, Err: ae, params: params}
}

// Numbered returns err with the position of the photo in its submission
// named in the message; errors other than *Error pass unchanged.
func Numbered(err error, index int) error {
	var pe *Error
	if !errors.As(err, &pe) {
		return err
	}
	ae := *pe.Err
	ae.Message = "photo " + strconv.Itoa(index) + ": " + ae.Message
	return &Error{Key: pe.Key, Index: index, Err: &ae, params: pe.params}
}

// TooMany is the error for a submission with more than MaxPerSubmission photos.
func TooMany() error {
	return refuse(KeyTooMany, anju.EINVALID, "at most %d photos may be attached", MaxPerSubmission)
}

// TooLarge is the error for a file over MaxBytes, for readers that stop
// reading at the limit rather than hand the whole file to Process.
func TooLarge() error {
	return refuse(KeyTooLarge, anju.ETOOLARGE, "the file is larger than %d MB", MaxBytes>>20)
}

// Photo is an accepted photo, re-encoded.
type Photo struct {
	JPEG          []byte // long side at most MaxSide
	Thumb         []byte // long side at most ThumbSide
	Width, Height int
	ThumbWidth    int
	ThumbHeight   int
	// SourceType is what was uploaded (TypeJPEG, TypePNG or TypeWebP).
	SourceType string
	// SHA256 is the hex digest of JPEG: the stored photo's identity and
	// its HTTP entity tag, since its bytes never change.
	SHA256 string
}

// Sniff names the image type of data from its first bytes, whatever the
// file was called, or returns KeyUnsupported.
func Sniff(data []byte) (string, error) {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return TypeJPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return TypeWebP, nil
	}
	return "", refuse(KeyUnsupported, anju.EINVALID, "the file is not a JPEG, PNG or WebP image")
}

// decodeSlots bounds how many photos are decoded at once in this process,
// whatever the number of requests: each decode may hold a few hundred MB
// (see MaxPixels), so memory stays bounded by slots × that, not by the
// number of people uploading at the same moment. Decoding is CPU work; more
// slots than cores would only make each one slower.
var decodeSlots = make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), 4)))

// Process checks one uploaded file and returns it re-encoded with its
// thumbnail. The type is sniffed from the bytes, the declared dimensions
// are checked before any pixel is decoded, the EXIF orientation of a JPEG
// is applied (the stored photo carries no EXIF to say it), and transparent
// areas become white. Errors are *Error.
func Process(data []byte) (Photo, error) {
	if len(data) > MaxBytes {
		return Photo{}, TooLarge()
	}
	if len(data) == 0 {
		return Photo{}, refuse(KeyEmpty, anju.EINVALID, "the file is empty")
	}
	typ, err := Sniff(data)
	if err != nil {
		return Photo{}, err
	}
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch typ {
	case TypeJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case TypePNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case TypeWebP:
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return Photo{}, unreadable(typ)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Photo{}, unreadable(typ)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Photo{}, refuse(KeyTooManyPx, anju.EINVALID, "the image is %d×%d pixels; at most %d million pixels are accepted",
			cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	orientation := 1
	if typ == TypeJPEG {
		orientation = exifOrientation(data)
	}

	decodeSlots <- struct{}{}
	img, err := decode(data)
	var full *image.RGBA
	if err == nil {
		full = scaleOnWhite(img, MaxSide)
	}
	img = nil // the decoded original is the large allocation: let it go before encoding
	<-decodeSlots
	if err != nil {
		return Photo{}, unreadable(typ)
	}
	full = orient(full, orientation)
	thumb := scaleOnWhite(full, ThumbSide)

	p := Photo{SourceType: typ, Width: full.Rect.Dx(), Height: full.Rect.Dy(), ThumbWidth: thumb.Rect.Dx(), ThumbHeight: thumb.Rect.Dy()}
	if p.JPEG, err = encodeJPEG(full, photoQuality); err != nil {
		return Photo{}, err
	}
	if p.Thumb, err = encodeJPEG(thumb, thumbQuality); err != nil {
		return Photo{}, err
	}
	sum := sha256.Sum256(p.JPEG)
	p.SHA256 = hex.EncodeToString(sum[:])
	return p, nil
}

func unreadable(typ string) *Error {
	return refuse(KeyUnreadable, anju.EINVALID, "the %s image is damaged or incomplete and cannot be read", typeName(typ))
}

func typeName(typ string) string {
	switch typ {
	case TypeJPEG:
		return "JPEG"
	case TypePNG:
		return "PNG"
	}
	return "WebP"
}

// scaleOnWhite draws src onto a white RGBA canvas whose longest side is at
// most side, keeping the aspect ratio and never enlarging. The image is
// first halved with a 2×2 box filter while it is at least twice too large,
// then sampled bilinearly for the rest of the way (less than a factor of
// two, where bilinear sampling does not alias). x/image/draw's filtering
// kernels would do it in one step, but hold a float64 RGBA copy of
// destination width × source height: 200 MB for a 12 Mpx photo, 360 MB at
// MaxPixels, and 40% more CPU.
func scaleOnWhite(src image.Image, side int) *image.RGBA {
	for b := src.Bounds(); max(b.Dx(), b.Dy()) >= 2*side; b = src.Bounds() {
		src = halve(src)
	}
	b := src.Bounds()
	w, h := fit(b.Dx(), b.Dy(), side)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Rect, src, b.Min, draw.Over)
	} else {
		draw.ApproxBiLinear.Scale(dst, dst.Rect, src, b, draw.Over, nil)
	}
	return dst
}

// halve returns src at half its width and height, each pixel the mean of
// the 2×2 it replaces. A JPEG's or lossy WebP's YCbCr planes are halved as
// they are (a quarter of the bytes of RGBA); other images go through RGBA,
// whose premultiplied alpha averages correctly.
func halve(src image.Image) image.Image {
	if y, ok := src.(*image.YCbCr); ok && y.Rect.Min == (image.Point{}) {
		w, h := y.Rect.Dx(), y.Rect.Dy()
		dst := image.NewYCbCr(image.Rect(0, 0, (w+1)/2, (h+1)/2), y.SubsampleRatio)
		halvePlane(dst.Y, dst.YStride, dst.Rect.Dx(), dst.Rect.Dy(), y.Y, y.YStride, w, h, 1)
		cw, ch := chromaSize(y.SubsampleRatio, w, h)
		dcw, dch := chromaSize(dst.SubsampleRatio, dst.Rect.Dx(), dst.Rect.Dy())
		halvePlane(dst.Cb, dst.CStride, dcw, dch, y.Cb, y.CStride, cw, ch, 1)
		halvePlane(dst.Cr, dst.CStride, dcw, dch, y.Cr, y.CStride, cw, ch, 1)
		return dst
	}
	rgba, ok := src.(*image.RGBA)
	if !ok || rgba.Rect.Min != (image.Point{}) {
		rgba = image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), src.Bounds().Dy()))
		draw.Draw(rgba, rgba.Rect, src, src.Bounds().Min, draw.Src)
	}
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, (w+1)/2, (h+1)/2))
	halvePlane(dst.Pix, dst.Stride, dst.Rect.Dx(), dst.Rect.Dy(), rgba.Pix, rgba.Stride, w, h, 4)
	return dst
}

// halvePlane writes into dst (dw×dh samples of n bytes) the rounded mean of
// each 2×2 block of src (sw×sh); an odd last row or column is repeated.
func halvePlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh, n int) {
	for y := range dh {
		r0 := src[min(2*y, sh-1)*srcStride:]
		r1 := src[min(2*y+1, sh-1)*srcStride:]
		out := dst[y*dstStride:]
		for x := range dw {
			x0, x1 := min(2*x, sw-1)*n, min(2*x+1, sw-1)*n
			for c := range n {
				out[x*n+c] = byte((int(r0[x0+c]) + int(r0[x1+c]) + int(r1[x0+c]) + int(r1[x1+c]) + 2) / 4)
			}
		}
	}
}

// chromaSize is the size of the Cb and Cr planes of a w×h YCbCr image, as
// image.NewYCbCr lays them out.
func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// fit returns w×h scaled so that the longer side is at most side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int((int64(h)*int64(side)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(side)+int64(h)/2)/int64(h))), side
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
