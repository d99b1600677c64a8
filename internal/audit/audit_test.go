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
