package personal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"anju/internal/anju"
)

func testKeyring(t *testing.T, config string) *Keyring {
	t.Helper()
	k, err := ParseKeyring(config)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := testKeyring(t, FormatKey("k1", GenerateKey()))
	aad := AAD("330100", "case_reporters", 42)
	msg := []byte("张三 13812341234")
	id, ct, err := k.Seal(msg, aad)
	if err != nil || id != "k1" {
		t.Fatalf("Seal = %q, %v", id, err)
	}
	if bytes.Contains(ct, msg) || len(ct) != nonceSize+len(msg)+16 {
		t.Fatalf("ciphertext %x", ct)
	}
	got, err := k.Open(id, ct, aad)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	_, ct2, _ := k.Seal(msg, aad)
	if bytes.Equal(ct[:nonceSize], ct2[:nonceSize]) {
		t.Error("nonce repeated")
	}

	// Another row, another table, another city: all fail.
	for _, other := range [][]byte{
		AAD("330100", "case_reporters", 43),
		AAD("330100", "dispute_parties", 42),
		AAD("110100", "case_reporters", 42),
		AAD("33010", "0case_reporters", 42), // lengths are bound too
		nil,
	} {
		if _, err := k.Open(id, ct, other); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open with AAD %q = %v, want ErrDecrypt", other, err)
		}
	}
	// Any flipped bit, in nonce, body or tag, and any truncation fail.
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := k.Open(id, bad, aad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("flipped byte %d: %v", i, err)
		}
	}
	for _, n := range []int{0, 5, nonceSize, len(ct) - 1} {
		if _, err := k.Open(id, ct[:n], aad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("truncated to %d: %v", n, err)
		}
	}
	if _, err := k.Open("k9", ct, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestEncryptData(t *testing.T) {
	k := testKeyring(t, FormatKey("k1", GenerateKey()))
	d := Data{Name: "张三", Phone: "13812341234", IDNumber: "11010519491231002X", Address: "北京市朝阳区望京街道"}
	aad := AAD("110100", "case_reporters", 7)
	id, ct, err := k.EncryptData(d, aad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.DecryptData(id, ct, aad)
	if err != nil || got != d {
		t.Fatalf("DecryptData = %+v, %v", got, err)
	}
	if _, err := k.DecryptData(id, ct, AAD("110100", "case_reporters", 8)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("DecryptData with another row's AAD: %v", err)
	}
}

func TestRotation(t *testing.T) {
	k1, k2 := GenerateKey(), GenerateKey()
	old := testKeyring(t, FormatKey("k1", k1))
	aad := AAD("330100", "case_reporters", 1)
	d := Data{Phone: "13812341234"}
	id, ct, _ := old.EncryptData(d, aad)

	rotated := testKeyring(t, FormatKey("k2", k2)+", "+FormatKey("k1", k1))
	if rotated.CurrentKeyID() != "k2" || fmt.Sprint(rotated.KeyIDs()) != "[k2 k1]" {
		t.Fatalf("current %q ids %v", rotated.CurrentKeyID(), rotated.KeyIDs())
	}
	if got, err := rotated.DecryptData(id, ct, aad); err != nil || got != d {
		t.Fatalf("old ciphertext after rotation: %+v, %v", got, err)
	}
	newID, newCT, err := rotated.Reencrypt(id, ct, aad)
	if err != nil || newID != "k2" || bytes.Equal(newCT, ct) {
		t.Fatalf("Reencrypt = %q, %v", newID, err)
	}
	if got, err := rotated.DecryptData(newID, newCT, aad); err != nil || got != d {
		t.Fatalf("reencrypted: %+v, %v", got, err)
	}
	again, againCT, err := rotated.Reencrypt(newID, newCT, aad)
	if err != nil || again != "k2" || !bytes.Equal(againCT, newCT) {
		t.Errorf("Reencrypt of current ciphertext changed it: %q %v", again, err)
	}
	// Once k1 is dropped, only what was reencrypted stays readable.
	final := testKeyring(t, FormatKey("k2", k2))
	if _, err := final.DecryptData(newID, newCT, aad); err != nil {
		t.Error(err)
	}
	if _, err := final.DecryptData(id, ct, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("k1 ciphertext without k1: %v", err)
	}
	if _, _, err := rotated.Reencrypt(id, ct, AAD("330100", "case_reporters", 2)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Reencrypt with wrong AAD: %v", err)
	}
}

func TestParseKeyring(t *testing.T) {
	key := GenerateKey()
	std := base64.StdEncoding.EncodeToString(key)
	for _, ok := range []string{
		"k1:" + std,
		" k1 : " + std + " ",
		"k1:" + base64.RawURLEncoding.EncodeToString(key),
		"k2:" + base64.StdEncoding.EncodeToString(GenerateKey()) + ",k1:" + std,
	} {
		if _, err := ParseKeyring(ok); err != nil {
			t.Errorf("ParseKeyring(%q) = %v", ok, err)
		}
	}
	for _, c := range []struct{ config, want string }{
		{"", "no data keys"},
		{"   ", "no data keys"},
		{std, "not ID:BASE64KEY"},
		{"k1:not*base64!", "not valid base64"},
		{"k1:" + base64.StdEncoding.EncodeToString(key[:16]), "16 bytes, want 32"},
		{"k1:" + std + ",k1:" + std, `"k1" appears twice`},
		{"k1:" + std + ",", "data key 2 is empty"},
		{"bad id:" + std, "key ID"},
		{":" + std, "key ID"},
	} {
		_, err := ParseKeyring(c.config)
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != ConfigVar || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseKeyring(%q) = %v, want EINVALID containing %q", c.config, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), std) {
			t.Errorf("error %v shows the key", err)
		}
	}
}

func TestKeyringDoesNotPrintKeys(t *testing.T) {
	key := GenerateKey()
	k := testKeyring(t, FormatKey("k1", key))
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%v", *k)} {
		if strings.Contains(s, base64.StdEncoding.EncodeToString(key)) || strings.Contains(s, fmt.Sprint(key)) {
			t.Errorf("keyring prints its key: %s", s)
		}
	}
}

func TestFingerprint(t *testing.T) {
	key := GenerateKey()
	a := testKeyring(t, FormatKey("k1", key))
	b := testKeyring(t, FormatKey("k1", key))
	other := testKeyring(t, FormatKey("k1", GenerateKey()))
	fp := a.Fingerprint("13812341234")
	if len(fp) != 32 || fp != b.Fingerprint("13812341234") {
		t.Fatalf("fingerprint %q not stable", fp)
	}
	for _, same := range []string{"138 1234 1234", "+86 13812341234", "138-1234-1234"} {
		if a.Fingerprint(same) != fp {
			t.Errorf("Fingerprint(%q) differs from the normalized number's", same)
		}
	}
	if a.Fingerprint("13812341235") == fp {
		t.Error("different phones share a fingerprint")
	}
	if other.Fingerprint("13812341234") == fp {
		t.Error("fingerprint does not depend on the key")
	}
	if a.Fingerprint("") != "" || a.Fingerprint("  ") != "" {
		t.Error("empty phone has a fingerprint")
	}
}
