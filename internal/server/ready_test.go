package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestReadyzWhenWritesFail turns the database read-only under a running
// server: every ping and read still answers, so /readyz said ready while
// every write failed. It must say not ready, with the reason, once a write
// has failed, and ready again once writes succeed.
func TestReadyzWhenWritesFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if status, body := f.do("", "GET", "/readyz", ""); status != http.StatusOK {
			t.Fatalf("readyz before: %d %s", status, body)
		}
		// Every connection of the pool, made read-only the way each engine
		// offers: what a full disk or a read-only file system does to every
		// write.
		pool := f.db.SQL()
		readOnly, writable := "PRAGMA query_only = ON", "PRAGMA query_only = OFF"
		if f.db.Engine() == "postgres" {
			readOnly, writable = "SET default_transaction_read_only = on", "SET default_transaction_read_only = off"
		}
		onEveryConn(t, pool, readOnly)
		body := `{"text":"路灯坏了","category":"0101","grid":"330102001001001"}`
		if status, resp := f.do("operator", "POST", "/api/v1/cases", body); status < 500 {
			t.Fatalf("a case filed on a read-only database: %d %s", status, resp)
		}
		status, resp := f.do("", "GET", "/readyz", "")
		if status != http.StatusServiceUnavailable || !strings.Contains(resp, "writes failing") {
			t.Fatalf("readyz while writes fail: %d %s", status, resp)
		}
		onEveryConn(t, pool, writable)
		if status, resp := f.do("", "GET", "/readyz", ""); status != http.StatusOK {
			t.Fatalf("readyz once writes work again: %d %s", status, resp)
		}
		if status, resp := f.do("operator", "POST", "/api/v1/cases", body); status != http.StatusCreated {
			t.Fatalf("a case filed once writes work again: %d %s", status, resp)
		}
	})
}

// onEveryConn runs stmt on as many connections as the pool may open, holding
// them all at once so that each is a different one; they go back to the
// pool, which keeps them idle.
func onEveryConn(t *testing.T, pool *sql.DB, stmt string) {
	t.Helper()
	ctx := context.Background()
	var conns []*sql.Conn
	for range pool.Stats().MaxOpenConnections {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}
