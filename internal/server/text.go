package server

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/httpx"
)

// Text the API accepts is UTF-8 without NUL characters. PostgreSQL stores no
// NUL in text and refuses invalid UTF-8, so either reached the database as a
// 500 (found by FuzzAPIBody and FuzzAPIQuery on PostgreSQL), while SQLite
// stored them: the engines differed. Decoding JSON already turns invalid
// UTF-8 into U+FFFD and leaves only NUL (\u0000) to refuse; a URL can carry
// either.

func plainText(s string) bool { return httpx.PlainText(s) }

// checkURLText refuses a request whose path or query is not plain text.
func checkURLText(r *http.Request) error {
	if !plainText(r.URL.Path) {
		return anju.Errorf(anju.EINVALID, "the URL path must be UTF-8 text without NUL characters")
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	for k, vs := range r.URL.Query() {
		if !plainText(k) {
			return anju.Errorf(anju.EINVALID, "query parameter names must be UTF-8 text without NUL characters")
		}
		for _, v := range vs {
			if !plainText(v) {
				return anju.FieldError(k, "%s must be UTF-8 text without NUL characters", k)
			}
		}
	}
	return nil
}

// checkText refuses a decoded request body holding a NUL character in any
// of its strings, naming the field as the client wrote it.
func checkText(v any) error { return walkText(reflect.ValueOf(v), "") }

func walkText(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return nulError(field)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return walkText(v.Elem(), field)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case f.Anonymous && name == "":
				// An embedded struct's fields are the outer object's.
				name = field
			default:
				if name == "" {
					name = f.Name
				}
				if field != "" {
					name = field + "." + name
				}
			}
			if err := walkText(v.Field(i), name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if numeric(v.Type().Elem(), 0) {
			return nil // coordinates, raw bytes: nothing to look at
		}
		for i := range v.Len() {
			if err := walkText(v.Index(i), field+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			if k.Kind() == reflect.String && strings.IndexByte(k.String(), 0) >= 0 {
				return nulError(field)
			}
			name := field + "." + k.String()
			if k.Kind() != reflect.String {
				name = field
			}
			if err := walkText(it.Value(), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func nulError(field string) error {
	name := field
	if name == "" {
		name = "text"
	}
	return anju.FieldError(field, "%s must not contain NUL characters", name)
}

// numeric reports whether t holds numbers only (a point, a ring of points).
func numeric(t reflect.Type, depth int) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Slice, reflect.Array:
		return depth < 8 && numeric(t.Elem(), depth+1)
	}
	return false
}
