package personal

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// The masks below are what every listing, export and API response shows in
// place of personal data; only the audited case-detail read for a user whose
// role needs it sees the real values. Masks keep enough to tell records apart
// on a screen and to call back through the hotline system, never enough to
// identify a person.

// Masked returns d with every field masked.
func (d Data) Masked() Data {
	return Data{
		Name:     MaskName(d.Name),
		Phone:    MaskPhone(d.Phone),
		IDNumber: MaskIDNumber(d.IDNumber),
		Address:  MaskAddress(d.Address),
	}
}

// MaskName keeps the first character of a name and replaces the rest with
// "**" whatever its length, so that the mask does not tell a two-character
// name from a three-character one: "张三丰" → "张**".
func MaskName(name string) string {
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "**"
}

// MaskPhone keeps the first 3 and last 4 digits of a mobile number
// ("13812341234" → "138****1234") and the area code and last 4 digits of a
// landline ("0571-87654321" → "0571-****4321"). Anything shorter than 8
// characters keeps only its last 2.
func MaskPhone(p string) string {
	n := len(p) // phone numbers are ASCII once validated; mask bytes of anything else too
	switch {
	case p == "":
		return ""
	case !isASCII(p):
		return "****"
	case strings.HasPrefix(p, "0") && strings.Contains(p, "-") && n >= 9:
		area, _, _ := strings.Cut(p, "-")
		return area + "-****" + p[n-4:]
	case n >= 8:
		return p[:3] + "****" + p[n-4:]
	case n > 2:
		return "****" + p[n-2:]
	}
	return "****"
}

// MaskIDNumber keeps the first 6 characters (the area of registration) and
// the last 4 of an ID number: "110105199001011234" → "110105********1234".
// Numbers shorter than 12 characters are masked whole.
func MaskIDNumber(id string) string {
	n := len(id)
	switch {
	case id == "":
		return ""
	case !isASCII(id) || n < 12:
		return "****"
	}
	return id[:6] + strings.Repeat("*", n-10) + id[n-4:]
}

// adminPrefixRE matches the administrative part at the start of a Chinese
// address: optional province, city, district/county and street/township,
// none of them containing a digit. Each level's name is short, which keeps a
// road such as "文三路" from being read as a level, and a residential 小区,
// 社区 or 园区 is not a district.
var adminPrefixRE = regexp.MustCompile(`^` +
	`(?:[^\d\s]{1,8}?(?:省|自治区|特别行政区))?` +
	`(?:[^\d\s]{1,8}?(?:州市|市|自治州|州|盟|地区))?` +
	`(?:[^\d\s]{0,7}?(?:[^\d\s小社园]区|县|旗|市))?` +
	`(?:[^\d\s]{1,10}?(?:街道|镇|乡))?`)

// addressKeep is how many runes of an address without a recognisable
// administrative prefix are kept.
const addressKeep = 6

// MaskAddress keeps the administrative prefix of an address down to the
// street or township ("北京市朝阳区望京街道阜通东大街6号" → "北京市朝阳区望京街道***")
// and drops the rest. An address without such a prefix keeps its first 6
// runes, or half of them if it is shorter than 12, then "***". An address
// that is nothing but an administrative prefix is not personal and is kept.
func MaskAddress(addr string) string {
	if addr == "" {
		return ""
	}
	if prefix := adminPrefixRE.FindString(addr); utf8.RuneCountInString(prefix) >= 2 {
		if prefix == addr {
			return addr
		}
		return prefix + "***"
	}
	runes := []rune(addr)
	keep := min(addressKeep, len(runes)/2)
	return string(runes[:keep]) + "***"
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
