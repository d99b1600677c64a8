package audit

import (
	"strings"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var es []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.UnixMicro(int64(i) * 1000), City: "330100", Actor: "admin",
			Action: "test", Object: "x", Detail: `{}`, PrevHash: prev}
		e.Hash = ComputeHash(prev, e)
		prev = e.Hash
		es = append(es, e)
	}
	return es
}

func verify(es []Entry, headSeq int64, headHash string) error {
	var v Verifier
	for _, e := range es {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestVerify(t *testing.T) {
	es := chain(5)
	head := es[4]
	if err := verify(es, head.Seq, head.Hash); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	edited := chain(5)
	edited[2].Detail = `{"x":1}`
	if err := verify(edited, head.Seq, head.Hash); err == nil || !strings.HasPrefix(err.Error(), "entry 3:") {
		t.Errorf("edited entry 3: got %v", err)
	}
	deleted := append(chain(5)[:1], chain(5)[2:]...)
	if err := verify(deleted, head.Seq, head.Hash); err == nil || !strings.HasPrefix(err.Error(), "entry 3:") {
		t.Errorf("deleted entry 2: got %v", err)
	}
	if err := verify(chain(5)[:4], head.Seq, head.Hash); err == nil || !strings.HasPrefix(err.Error(), "entry 5:") {
		t.Errorf("deleted tail: got %v", err)
	}
}

// TestHashVectors pins the hash of two entries, so that stored chains keep
// verifying whatever becomes of the code that computes it.
func TestHashVectors(t *testing.T) {
	e := Entry{Seq: 42, At: time.UnixMicro(1764400000123456), City: "330100", Actor: "dispatcher", Action: "case.dispatch",
		Object: "case:7", Detail: `{"event":9,"from":"accepted","to":"dispatched","version":3}`}
	if got := ComputeHash("ab12", e); got != "50483994f7cbaa20492ee4d8b2ef955949ae1656d0c41fc8726cfed5ce477a1d" {
		t.Errorf("entry 42: %s", got)
	}
	if got := ComputeHash("", Entry{}); got != "bdd313a83a3496d6fae854051362fa9acd0338125a4686bb98dde0d22eab159e" {
		t.Errorf("empty entry: %s", got)
	}
}

// cityChain is a city's chain after a legacy chain ending at (seq, hash),
// numbered with gaps as the shared counter hands numbers to several cities.
func cityChain(seq int64, hash string, n int) []Entry {
	var es []Entry
	for i := 1; i <= n; i++ {
		seq += int64(i) // 1, 2, 3 … apart: the other cities' numbers between
		e := Entry{Seq: seq, At: time.UnixMicro(seq * 1000), City: "330200", Actor: "admin",
			Action: "test", Object: "x", Detail: `{}`, PrevHash: hash}
		e.Hash = ComputeHash(hash, e)
		hash = e.Hash
		es = append(es, e)
	}
	return es
}

// TestVerifyCityChain: a city's chain links to the legacy chain's last
// hash, may skip numbers, and still shows an edit, a deleted entry, a
// deleted tail, entries past its head and entries out of order.
func TestVerifyCityChain(t *testing.T) {
	legacy := chain(3)
	start := Head{Seq: legacy[2].Seq, Hash: legacy[2].Hash}
	verifyCity := func(es []Entry, head Entry) error {
		v := CityVerifierAfter(start.Seq, start.Hash)
		for _, e := range es {
			if err := v.Next(e); err != nil {
				return err
			}
		}
		return v.Finish(head.Seq, head.Hash)
	}
	es := cityChain(start.Seq, start.Hash, 5) // entries 4, 6, 9, 13, 18
	head := es[4]
	if err := verifyCity(es, head); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	if v := CityVerifierAfter(start.Seq, start.Hash); v.Next(cityChain(0, "", 1)[0]) == nil {
		t.Error("a city chain not linked to the legacy chain's last hash verifies")
	}
	edited := cityChain(start.Seq, start.Hash, 5)
	edited[2].Detail = `{"x":1}`
	if err := verifyCity(edited, head); err == nil || !strings.HasPrefix(err.Error(), "entry 9:") {
		t.Errorf("edited entry 9: %v", err)
	}
	deleted := append(cityChain(start.Seq, start.Hash, 5)[:1], cityChain(start.Seq, start.Hash, 5)[2:]...)
	if err := verifyCity(deleted, head); err == nil || !strings.HasPrefix(err.Error(), "entry 9: previous-hash link does not match entry 4") {
		t.Errorf("deleted entry 6: %v", err)
	}
	if err := verifyCity(es[:4], head); err == nil || !strings.HasPrefix(err.Error(), "entry 18: chain ends at entry 13") {
		t.Errorf("deleted tail: %v", err)
	}
	if err := verifyCity(es, es[3]); err == nil || !strings.Contains(err.Error(), "past entry 13") {
		t.Errorf("an entry past the head: %v", err)
	}
	swapped := cityChain(start.Seq, start.Hash, 5)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	if err := verifyCity(swapped, head); err == nil || !strings.HasPrefix(err.Error(), "entry 9:") {
		t.Errorf("entries 6 and 9 swapped: %v", err)
	}
	if err := verifyCity(nil, Entry{Seq: start.Seq, Hash: start.Hash}); err != nil {
		t.Errorf("a city with no entry yet: %v", err)
	}
}
