package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, ready to serve: its bytes, gzipped bytes when
// that is smaller, type and content hash.
type asset struct {
	body, gz []byte
	ctype    string
	hashed   string // "vendor/htmx.min.1a2b3c4d5e.js"
	etag     string
}

var (
	assetsByName   = map[string]*asset{} // logical name → asset
	assetsByHashed = map[string]*asset{} // hashed name → asset
)

func init() {
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:10]
		ext := path.Ext(name)
		a := &asset{body: body, ctype: mime.TypeByExtension(ext), hashed: strings.TrimSuffix(name, ext) + "." + h + ext, etag: `"` + h + `"`}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		if compressible(a.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body) {
				a.gz = buf.Bytes()
			}
		}
		assetsByName[name] = a
		assetsByHashed[a.hashed] = a
		return nil
	})
	if err != nil {
		panic(err)
	}
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// assetURL is the content-hashed URL of a static file; naming one that does
// not exist is a programming error, caught by the page tests.
func assetURL(name string) string {
	a, ok := assetsByName[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + a.hashed
}

// serveStatic answers /static/: a hashed name is immutable and cached for a
// year; a plain name (what a stylesheet's relative url() reaches, such as
// Leaflet's marker images) for an hour with revalidation.
func serveStatic(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	a, immutable := assetsByHashed[name]
	if !immutable {
		a = assetsByName[name]
	}
	if a == nil {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	if r.Header.Get("If-None-Match") == a.etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	rw.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
