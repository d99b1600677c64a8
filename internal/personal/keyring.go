package personal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"anju/internal/anju"
)

// KeySize is the length of a data key: AES-256.
const KeySize = 32

// ConfigVar is the environment variable ParseKeyring's input usually comes
// from; configuration errors name it as their field.
const ConfigVar = "ANJU_DATA_KEYS"

// Errors from Open and the functions built on it. Neither is an *anju.Error:
// both mean the stored data or the configuration is wrong, which is an
// internal error for whoever asked.
var (
	// ErrUnknownKey means the ciphertext names a key the keyring does not
	// hold, typically an old key removed from ANJU_DATA_KEYS too early.
	ErrUnknownKey = errors.New("personal: unknown data key")
	// ErrDecrypt means the ciphertext does not authenticate under its key and
	// AAD: it was altered, or copied from another record.
	ErrDecrypt = errors.New("personal: ciphertext does not authenticate")
)

// nonceSize is GCM's standard 96-bit nonce. Nonces are random, which is safe
// for about 2^32 seals under one key; rotate long before that.
const nonceSize = 12

var keyIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)

// Keyring holds the data keys by ID. The current key seals; every key opens,
// so that data sealed before a rotation stays readable until Reencrypt has
// moved it to the current key and the old key can be dropped from the
// configuration. A Keyring is safe for concurrent use.
type Keyring struct {
	current string
	ids     []string // in configuration order, current first
	aeads   map[string]cipher.AEAD
	fpKey   []byte // HMAC key for Fingerprint, derived from the current key
}

// NewKeyring returns a keyring whose current key is the first of ids. Each
// key must be KeySize bytes and each ID 1–16 letters, digits, '-' or '_'.
// It returns EINVALID naming ANJU_DATA_KEYS otherwise.
func NewKeyring(ids []string, keys [][]byte) (*Keyring, error) {
	if len(ids) == 0 || len(ids) != len(keys) {
		return nil, anju.FieldError(ConfigVar, "no data keys configured")
	}
	k := &Keyring{current: ids[0], aeads: make(map[string]cipher.AEAD, len(ids))}
	for i, id := range ids {
		if !keyIDRE.MatchString(id) {
			return nil, anju.FieldError(ConfigVar, "data key %d: key ID %q must be 1–16 letters, digits, '-' or '_'", i+1, id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, anju.FieldError(ConfigVar, "data key %d: key ID %q appears twice", i+1, id)
		}
		if len(keys[i]) != KeySize {
			return nil, anju.FieldError(ConfigVar, "data key %q is %d bytes, want %d (AES-256)", id, len(keys[i]), KeySize)
		}
		block, err := aes.NewCipher(keys[i])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
		k.ids = append(k.ids, id)
	}
	fp, err := hkdf.Key(sha256.New, keys[0], nil, "anju personal fingerprint v1", 32)
	if err != nil {
		return nil, err
	}
	k.fpKey = fp
	return k, nil
}

// ParseKeyring parses a keyring from configuration such as
// ANJU_DATA_KEYS="k2:BASE64KEY,k1:BASE64KEY": comma-separated ID:key pairs,
// each key KeySize bytes in standard or URL-safe base64, padded or not; the
// first pair is the current key. It returns EINVALID naming ANJU_DATA_KEYS
// for an empty list, a pair without a colon, bad base64, a key of the wrong
// length or a repeated ID. Messages never contain key material.
func ParseKeyring(config string) (*Keyring, error) {
	var ids []string
	var keys [][]byte
	for i, pair := range strings.Split(config, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			if strings.TrimSpace(config) == "" {
				break
			}
			return nil, anju.FieldError(ConfigVar, "data key %d is empty", i+1)
		}
		id, b64, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, anju.FieldError(ConfigVar, "data key %d is not ID:BASE64KEY", i+1)
		}
		id = strings.TrimSpace(id)
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, anju.FieldError(ConfigVar, "data key %q is not valid base64", id)
		}
		ids = append(ids, id)
		keys = append(keys, key)
	}
	return NewKeyring(ids, keys)
}

func decodeKey(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var key []byte
		if key, err = enc.DecodeString(s); err == nil {
			return key, nil
		}
	}
	return nil, err
}

// GenerateKey returns a new random data key.
func GenerateKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key) // never fails: crypto/rand aborts the program instead
	return key
}

// FormatKey returns the ANJU_DATA_KEYS entry for a key: "ID:BASE64KEY".
func FormatKey(id string, key []byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

// CurrentKeyID returns the ID of the key Seal uses.
func (k *Keyring) CurrentKeyID() string { return k.current }

// KeyIDs returns every key ID, current first.
func (k *Keyring) KeyIDs() []string { return append([]string(nil), k.ids...) }

// String names the keys and never shows them, so a keyring that reaches a
// log line or an error message leaks nothing.
func (k *Keyring) String() string {
	return fmt.Sprintf("personal.Keyring{current: %s, keys: %s}", k.current, strings.Join(k.ids, ","))
}

// GoString is String, for %#v.
func (k *Keyring) GoString() string { return k.String() }

// AAD returns the additional authenticated data binding a ciphertext to the
// row it is stored in: the city, the table (or kind of record) and the
// record's ID. Opening the ciphertext with the AAD of any other row fails,
// so personal data copied to another case, or another city, cannot be read
// there.
func AAD(city, table string, id int64) []byte {
	b := make([]byte, 0, 32+len(city)+len(table))
	b = append(b, "anju/personal/v1"...)
	for _, s := range []string{city, table} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(id))
}

// Seal encrypts plaintext under the current key and returns that key's ID
// and nonce‖ciphertext‖tag, with a random 96-bit nonce. Store the key ID next
// to the ciphertext; aad (see AAD) is not stored, it is rebuilt from the row.
func (k *Keyring) Seal(plaintext, aad []byte) (keyID string, ciphertext []byte, err error) {
	aead := k.aeads[k.current]
	out := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	rand.Read(out)
	return k.current, aead.Seal(out, out, plaintext, aad), nil
}

// Open decrypts a ciphertext from Seal. It returns ErrUnknownKey if keyID is
// not in the keyring and ErrDecrypt if the ciphertext was altered, truncated
// or sealed with other AAD.
func (k *Keyring) Open(keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	if len(ciphertext) < nonceSize+aead.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := aead.Open(nil, ciphertext[:nonceSize], ciphertext[nonceSize:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// Reencrypt moves a ciphertext to the current key, for rotation: a job reads
// every row whose key ID is not CurrentKeyID, reencrypts it and writes back
// the new key ID and ciphertext. A ciphertext already under the current key
// is returned unchanged without being opened. Errors are Open's.
func (k *Keyring) Reencrypt(keyID string, ciphertext, aad []byte) (newKeyID string, newCiphertext []byte, err error) {
	if keyID == k.current {
		return keyID, ciphertext, nil
	}
	plain, err := k.Open(keyID, ciphertext, aad)
	if err != nil {
		return "", nil, err
	}
	defer clear(plain)
	return k.Seal(plain, aad)
}

// EncryptData seals d as JSON under the current key.
func (k *Keyring) EncryptData(d Data, aad []byte) (keyID string, ciphertext []byte, err error) {
	plain, err := json.Marshal(d)
	if err != nil {
		return "", nil, err
	}
	defer clear(plain)
	return k.Seal(plain, aad)
}

// DecryptData opens what EncryptData sealed. Errors are Open's, or a JSON
// error if the plaintext is not a Data, which cannot happen unless the key
// itself leaked.
func (k *Keyring) DecryptData(keyID string, ciphertext, aad []byte) (Data, error) {
	plain, err := k.Open(keyID, ciphertext, aad)
	if err != nil {
		return Data{}, err
	}
	defer clear(plain)
	var d Data
	if err := json.Unmarshal(plain, &d); err != nil {
		return Data{}, fmt.Errorf("personal: decrypted data: %w", err)
	}
	return d, nil
}

// Fingerprint returns a keyed hash (HMAC-SHA256, truncated to 128 bits, in
// hex) of a phone number after Normalized's clean-up, or "" for no phone.
//
// It has two purposes, both without decrypting anyone's data: counting
// distinct reporters — "12 reports from 9 different people" in hotspot heat
// and collective-issue warnings — and, at intake, finding the open cases of
// the caller on the line so that staff add them to one rather than file the
// same problem twice (store.CallerCases: staff roles only, open cases in
// their scope, at most a handful, every lookup audited). It must never be
// used to build a history or profile of a person: Anju is about issues and
// places, not people. Without the key it cannot be reversed by trying every
// phone number, which an unkeyed hash of an 11-digit number could.
//
// The HMAC key is derived from the current data key, so fingerprints change
// when the current key does; the rotation job, which decrypts every row
// anyway, stores each row's fingerprint under the new key with it.
func (k *Keyring) Fingerprint(phone string) string {
	phone = normalizePhone(phone)
	if phone == "" {
		return ""
	}
	mac := hmac.New(sha256.New, k.fpKey)
	mac.Write([]byte(phone))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
