// Package audit defines the tamper-evident audit log: every entry's hash covers
// its own fields and the previous entry's hash, so that editing, deleting or
// reordering any stored entry breaks the chain from that point on.
//
// The log holds several chains. The legacy chain runs through every city's
// entries numbered 1…S, as all were appended until each city got a chain of
// its own; it is closed, and its head (S and its hash) never moves again.
// After it, each city's entries form a chain of their own whose first entry
// links to the legacy chain's last hash. Sequence numbers still come from one
// counter for the whole log, so that an entry's number is unique: a city's
// chain numbers its entries in rising order with gaps where other cities'
// entries were numbered, and its hashes alone hold it together.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Entry is one audited act.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	City     string    `json:"city"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	Detail   string    `json:"detail"` // JSON
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// Record is what a caller supplies; the store assigns sequence, time and hashes.
type Record struct {
	City   string
	Action string
	Object string
	Detail any // marshalled to JSON
}

// ComputeHash returns the hex SHA-256 of the entry's fields chained to
// prevHash. Each field is length-prefixed so that no two different entries
// share an input. Time enters as integer microseconds, the precision stored.
func ComputeHash(prevHash string, e Entry) string {
	// Every case event is audited, so this runs once per transition; one
	// buffer and one hash call instead of a formatted write per field.
	b := make([]byte, 0, 128+len(prevHash)+len(e.City)+len(e.Actor)+len(e.Action)+len(e.Object)+len(e.Detail))
	field := func(f string) {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ';')
	}
	field(prevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(strconv.FormatInt(e.At.UnixMicro(), 10))
	for _, f := range []string{e.City, e.Actor, e.Action, e.Object, e.Detail} {
		field(f)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Head is the last entry of a chain as recorded apart from it: its sequence
// number and hash (0 and "" for a chain with no entry yet).
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Verifier checks a chain one entry at a time, in sequence order. The zero
// Verifier checks the legacy chain from its start.
type Verifier struct {
	prevSeq  int64
	prevHash string
	checked  int64
	// gaps: the chain is a city's, whose numbers rise with gaps.
	gaps bool
}

// Next checks e against the entries seen so far. It returns an error naming
// e (or the gap before it) at the first break.
func (v *Verifier) Next(e Entry) error {
	if v.gaps && e.Seq <= v.prevSeq {
		return fmt.Errorf("entry %d: comes after entry %d (entries reordered)", e.Seq, v.prevSeq)
	}
	if !v.gaps && e.Seq != v.prevSeq+1 {
		return fmt.Errorf("entry %d: expected sequence %d, found %d (entries missing or reordered)", e.Seq, v.prevSeq+1, e.Seq)
	}
	if e.PrevHash != v.prevHash {
		if v.gaps {
			// In a city's chain a gap in the numbers is normal: an entry
			// deleted before e shows here, as a link to a hash that is not
			// the one before.
			return fmt.Errorf("entry %d: previous-hash link does not match entry %d (entries missing or reordered before it)", e.Seq, v.prevSeq)
		}
		return fmt.Errorf("entry %d: previous-hash link does not match entry %d", e.Seq, v.prevSeq)
	}
	if want := ComputeHash(v.prevHash, e); e.Hash != want {
		return fmt.Errorf("entry %d: content does not match its hash (edited)", e.Seq)
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.checked++
	return nil
}

// Finish checks the end of the chain against the recorded head, which catches
// entries deleted from the tail.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq < v.prevSeq {
		return fmt.Errorf("entry %d: the chain goes on past entry %d, which the head records as its last (entries added behind the head, or the head set back)", v.prevSeq, headSeq)
	}
	if headSeq == v.prevSeq && headHash != v.prevHash {
		return fmt.Errorf("entry %d: its hash is not the one the head records (the entry or the head replaced)", headSeq)
	}
	if headSeq != v.prevSeq {
		// The first entry missing: the next number in the legacy chain;
		// in a city's, whose numbers skip, the one the head records.
		missing := v.prevSeq + 1
		if v.gaps {
			missing = headSeq
		}
		return fmt.Errorf("entry %d: chain ends at entry %d but the head records entry %d (entries deleted from the end)", missing, v.prevSeq, headSeq)
	}
	return nil
}

// Checked is the number of entries verified so far.
func (v *Verifier) Checked() int64 { return v.checked }

// Last is the last entry verified so far, as a head (where the verifier
// started when none was).
func (v *Verifier) Last() Head { return Head{Seq: v.prevSeq, Hash: v.prevHash} }

// VerifierAfter returns a verifier that checks a stretch of the legacy
// chain starting just after entry seq, whose hash is given (0 and "" for the
// start of the chain): a range can then be checked without reading what
// comes before it.
func VerifierAfter(seq int64, hash string) *Verifier {
	return &Verifier{prevSeq: seq, prevHash: hash}
}

// CityVerifierAfter returns a verifier of a city's chain starting just after
// entry seq, whose hash is given: the legacy chain's last entry for the
// whole chain (its head, 0 and "" when there was none), or the city's entry
// before a stretch. Numbers must rise, with gaps allowed; each entry must
// link to the one before it.
func CityVerifierAfter(seq int64, hash string) *Verifier {
	return &Verifier{prevSeq: seq, prevHash: hash, gaps: true}
}
