package httpx

import (
	"net/http/httptest"
	"testing"

	"anju/internal/anju"
)

func TestQueryReportsFirstBadField(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?page=0&before=abc&overdue=yes&from=2026-13-01&lat=91&sort=new", nil)
	q := NewQuery(r)
	if got := q.Int("page", 1, 1, 1000); got != 1 {
		t.Errorf("bad page gave %d, want the default", got)
	}
	q.ID("before")
	q.Bool("overdue")
	q.Time("from")
	q.Float("lat", -90, 90)
	q.OneOf("sort", "newest", "deadline")
	if anju.ErrorField(q.Err()) != "page" || anju.ErrorCode(q.Err()) != anju.EINVALID {
		t.Fatalf("first error = %v (field %q), want page", q.Err(), anju.ErrorField(q.Err()))
	}
	for name, bad := range map[string]string{"before": "before=abc", "overdue": "overdue=yes", "from": "from=2026-13-01",
		"lat": "lat=91", "sort": "sort=new"} {
		q := NewQuery(httptest.NewRequest("GET", "/x?"+bad, nil))
		q.ID("before")
		q.Bool("overdue")
		q.Time("from")
		q.Float("lat", -90, 90)
		q.OneOf("sort", "newest", "deadline")
		if anju.ErrorField(q.Err()) != name {
			t.Errorf("%s: error %v", bad, q.Err())
		}
	}
}

func TestQueryGoodValues(t *testing.T) {
	q := NewQuery(httptest.NewRequest("GET", "/x?page=3&before=42&overdue=on&from=2026-03-02&lat=30.25&sort=deadline", nil))
	if q.Int("page", 1, 1, 10) != 3 || q.ID("before") != 42 || !q.Bool("overdue") || q.OneOf("sort", "newest", "deadline") != "deadline" {
		t.Error("values misread")
	}
	if lat, ok := q.Float("lat", -90, 90); !ok || lat != 30.25 {
		t.Errorf("lat = %v %v", lat, ok)
	}
	if from := q.Time("from"); from.UTC().Format("2006-01-02T15") != "2026-03-01T16" {
		t.Errorf("date not read as China Standard Time: %v", from)
	}
	if q.Int("absent", 7, 1, 10) != 7 || q.ID("absent") != 0 || q.Bool("absent") {
		t.Error("absent values not defaulted")
	}
	if q.Err() != nil {
		t.Fatal(q.Err())
	}
}
