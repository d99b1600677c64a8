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
