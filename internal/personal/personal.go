// Package personal holds a reporter's personal data — name, phone, ID-card
// number, address — and everything that keeps it apart from the case it
// belongs to: validation, the masks every listing and API response shows
// instead of the real values, and AES-256-GCM encryption under a rotating
// keyring (keyring.go). It is pure: no database, no network. The store keeps
// the ciphertext and its key ID in a row of its own, sealed with AAD naming
// the city and the record, and audits every call to DecryptData it makes on
// a user's behalf.
package personal

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"anju/internal/anju"
)

// Data is the personal data of one reporter (or party). Every field may be
// empty: an anonymous report carries none, and the platform asks only for
// what a case needs.
type Data struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	IDNumber string `json:"id_number,omitempty"` // 居民身份证号码, GB 11643
	Address  string `json:"address,omitempty"`
}

// Length limits, in runes.
const (
	MaxNameLength    = 50
	MaxPhoneLength   = 20
	MaxAddressLength = 200
)

// IsZero reports whether d carries no personal data at all.
func (d Data) IsZero() bool { return d == Data{} }

// Normalized returns d with surrounding space trimmed, the separators people
// type inside phone numbers (spaces, dots, brackets) removed, a +86 or 0086
// country prefix on a mobile number dropped and a lower-case check character
// "x" in the ID number upper-cased. Intake calls it before Validate so that
// "138 1234 1234" and "+86 138-1234-1234" are stored alike.
func (d Data) Normalized() Data {
	d.Name = strings.TrimSpace(d.Name)
	d.Address = strings.TrimSpace(d.Address)
	d.Phone = normalizePhone(d.Phone)
	d.IDNumber = strings.ToUpper(strings.TrimSpace(d.IDNumber))
	return d
}

func normalizePhone(p string) string {
	p = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '.', '(', ')', '（', '）', '\u3000':
			return -1
		}
		return r
	}, p)
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			rest = strings.ReplaceAll(rest, "-", "")
			if mobileRE.MatchString(rest) {
				return rest
			}
		}
	}
	// A mobile number typed in groups, 138-1234-1234.
	if joined := strings.ReplaceAll(p, "-", ""); mobileRE.MatchString(joined) {
		return joined
	}
	return p
}

var (
	// Mainland mobile numbers: 11 digits, 1 then 3–9.
	mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	// Landlines with their area code (010, 021, 0571, …), an optional hyphen,
	// a 7- or 8-digit number and an optional extension.
	landlineRE = regexp.MustCompile(`^0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}(-[0-9]{1,6})?$`)
)

// Validate checks d as a reporter's data. It returns EINVALID naming the
// field at fault as reporter.name, reporter.phone, reporter.id_number or
// reporter.address.
func (d Data) Validate() error { return d.ValidateAs("reporter") }

// ValidateAs is Validate with another field prefix, for personal data that
// is not the reporter's (a dispute party's, say: "parties[1]").
func (d Data) ValidateAs(prefix string) error {
	field := func(name string) string { return prefix + "." + name }
	if err := checkText(d.Name, MaxNameLength); err != "" {
		return anju.FieldError(field("name"), "name %s", err)
	}
	if d.Phone != "" {
		if utf8.RuneCountInString(d.Phone) > MaxPhoneLength || !ValidPhone(d.Phone) {
			return anju.FieldError(field("phone"), "phone must be a mobile number (11 digits starting 13–19) or a landline with its area code")
		}
	}
	if d.IDNumber != "" {
		if err := CheckIDNumber(d.IDNumber); err != nil {
			e := err.(*anju.Error)
			e.Field = field("id_number")
			return e
		}
	}
	if err := checkText(d.Address, MaxAddressLength); err != "" {
		return anju.FieldError(field("address"), "address %s", err)
	}
	return nil
}

// checkText returns what is wrong with a free-text field, or "".
func checkText(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if utf8.RuneCountInString(s) > max {
		return "is too long"
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "contains control characters"
	}
	return ""
}

// ValidPhone reports whether p is a mainland mobile number or a landline
// with its area code, as Normalized leaves them.
func ValidPhone(p string) bool { return mobileRE.MatchString(p) || landlineRE.MatchString(p) }

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for the first
// 17 characters of an ID number; idCheck maps the weighted sum mod 11 to the
// check character.
var (
	idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idCheck   = "10X98765432"
)

// IDCheckDigit returns the check character for the first 17 digits of an
// ID number, or 0 if first17 is not 17 ASCII digits.
func IDCheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheck[sum%11]
}

// CheckIDNumber checks an 18-character resident ID number (GB 11643): a
// 6-digit area code not starting with 0, a real birth date from 1900 on, a
// 3-digit sequence and the ISO 7064 MOD 11-2 check character (0–9 or X).
// It returns EINVALID with field id_number.
func CheckIDNumber(id string) error {
	bad := func(msg string) error { return anju.FieldError("id_number", "ID number %s", msg) }
	if len(id) != 18 {
		return bad("must be 18 characters")
	}
	if IDCheckDigit(id[:17]) == 0 || id[0] == '0' {
		return bad("must be 17 digits and a check digit")
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 {
		return bad("has an impossible birth date")
	}
	if id[17] != IDCheckDigit(id[:17]) {
		return bad("check digit does not match")
	}
	return nil
}
